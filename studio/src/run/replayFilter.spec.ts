import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '@/protocol/events';
import { ReplayFilter } from './replayFilter';

const R = 'r';
const emit = (seq: number): EngineEvent => ({ event: 'emit', run: R, node: 'n', socket: 's', value: seq, repr: false, seq });
const idle: EngineEvent = { event: 'run_idle', run: R, emitted: 1, errors: 0, unrouted_errors: 0, elapsed_ms: 1 };
const error: EngineEvent = { event: 'node_error', index: 1, run: R, node: 'n', socket: 's', type: 'E', message: 'm', traceback: '', routed: false };

describe('replay filter', () => {
  it('lets only the new part of a replay through', () => {
    const filter = new ReplayFilter();
    expect(filter.fresh([emit(1), error, idle, emit(2)])).toHaveLength(4);
    filter.replaying();
    // The server replays everything, then goes on live.
    expect(filter.fresh([emit(1), error, idle, emit(2), emit(3), idle])).toEqual([emit(3), idle]);
    expect(filter.fresh([error])).toEqual([error]);
  });
});
