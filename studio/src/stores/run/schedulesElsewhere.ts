/** Said where a run fires no schedules because another tab of the same flow fires them. */
export const SCHEDULES_ELSEWHERE = 'Schedules of this flow are running in another tab';
