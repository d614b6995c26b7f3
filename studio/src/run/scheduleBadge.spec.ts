import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@/protocol/events';
import { applyEvents, emptyView } from './runView';
import { scheduleBadge } from './scheduleBadge';

const RUN = 'r';
const next = (at_ms: number): EngineEvent => ({ event: 'schedule_next', run: RUN, node: 'h', socket: 'beat', at: 'x', at_ms });
const fire = (count: number, extra: Partial<Extract<EngineEvent, { event: 'schedule_fire' }>> = {}): EngineEvent => ({
  event: 'schedule_fire', run: RUN, node: 'h', socket: 'beat', slot: 'x', slot_ms: 0, lateness_ms: 2, late: false, missed: 1, fired: true, count, ...extra,
});

describe('schedule badge', () => {
  it('counts fires and counts down to the next one', () => {
    const view = emptyView(RUN, 'running');
    applyEvents(view, [next(5_000), fire(1), next(6_000), fire(2), next(7_000)], (id) => id);
    const badge = scheduleBadge(view.nodes.h!.schedules.beat!, 4_200);
    expect(badge).toMatchObject({ count: 2, countdown: 'in 3 s', tone: 'normal' });
  });

  it('shows a late fire with its lateness, and a skipped one', () => {
    const view = emptyView(RUN, 'running');
    applyEvents(view, [next(5_000), fire(1, { late: true, lateness_ms: 3_400, missed: 3 })], (id) => id);
    const late = scheduleBadge(view.nodes.h!.schedules.beat!, 0);
    expect(late.tone).toBe('late');
    expect(late.title).toContain('late by 3.4 s, for 3 slots due at once');
    expect(view.messages.at(-1)?.text).toContain('fired 3400 ms late');

    applyEvents(view, [fire(1, { fired: false, missed: 2, late: true })], (id) => id);
    const skipped = scheduleBadge(view.nodes.h!.schedules.beat!, 0);
    expect(skipped.tone).toBe('skipped');
    expect(skipped.count).toBe(1);
    expect(skipped.title).toContain('Skipped slots: 2');
  });

  it('stops counting down when the run stops, and shows the stop message', () => {
    const view = emptyView(RUN, 'running');
    applyEvents(view, [next(5_000), fire(1), { event: 'run_stopped', run: RUN, reason: 'stopped', message: 'time limit reached: 1 h' }], (id) => id);
    const badge = scheduleBadge(view.nodes.h!.schedules.beat!, 0);
    expect(badge).toMatchObject({ countdown: null, tone: 'stopped', count: 1 });
    expect(view.messages.at(-1)).toMatchObject({ level: 'warning', text: 'Run stopped: time limit reached: 1 h' });
  });
});
