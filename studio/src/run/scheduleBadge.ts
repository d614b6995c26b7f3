/**
 * What a scheduled socket's clock badge shows: the fire count, a live countdown, and
 * whether the latest fire was late or skipped (pure: the canvas passes `now`).
 */
import { formatCountdown, formatFireTime, formatLateness } from './countdown';
import type { ViewSchedule } from '@/protocol/events';

export type BadgeTone = 'normal' | 'late' | 'skipped' | 'stopped';

export interface ScheduleBadge {
  count: number;
  countdown: string | null;
  tone: BadgeTone;
  title: string;
}

export function scheduleBadge(schedule: ViewSchedule, nowMs: number): ScheduleBadge {
  const lines = [`Scheduled: fired ${schedule.fires} time(s)`];
  const countdown = schedule.next_ms === null ? null : formatCountdown(schedule.next_ms, nowMs);
  if (schedule.next_ms !== null) lines.push(`Next fire ${formatFireTime(schedule.next_ms, nowMs)} (${countdown})`);
  else lines.push('Not armed: the run has stopped');
  const last = schedule.last;
  let tone: BadgeTone = schedule.next_ms === null ? 'stopped' : 'normal';
  if (last && !last.fired) {
    tone = 'skipped';
    lines.push(`Last slot skipped: ${last.missed} slot(s) were due at once (misfire: skip)`);
  } else if (last?.late) {
    tone = 'late';
    const slots = last.missed > 1 ? `, for ${last.missed} slots due at once` : '';
    lines.push(`Last fire was late by ${formatLateness(last.lateness_ms)}${slots}`);
  }
  if (schedule.late_fires) lines.push(`Late fires: ${schedule.late_fires}`);
  if (schedule.skipped) lines.push(`Skipped slots: ${schedule.skipped}`);
  return { count: schedule.fires, countdown, tone, title: lines.join('\n') };
}
