import { describe, expect, it } from 'vitest';
import { EventBuffer, type Timer } from './eventBuffer';

/** A timer the test fires by hand. */
function manualTimer() {
  const queue: (() => void)[] = [];
  const timer: Timer = {
    set: (fn) => queue.push(fn),
    clear: () => undefined,
  };
  return { timer, fire: () => queue.splice(0).forEach((fn) => fn()), pending: () => queue.length };
}

describe('EventBuffer', () => {
  it('holds events until a consumer subscribes, then delivers them in order', () => {
    const { timer, fire } = manualTimer();
    const buffer = new EventBuffer(16, timer);
    buffer.push('{"event":"a"}');
    buffer.push('{"event":"b"}');
    fire();
    expect(buffer.size).toBe(2);
    const batches: unknown[] = [];
    buffer.subscribe((batch, count) => batches.push([JSON.parse(batch), count]));
    fire();
    expect(batches).toEqual([[[{ event: 'a' }, { event: 'b' }], 2]]);
  });

  it('batches events pushed between flushes into one message', () => {
    const { timer, fire, pending } = manualTimer();
    const buffer = new EventBuffer(16, timer);
    const counts: number[] = [];
    buffer.subscribe((_batch, count) => counts.push(count));
    for (let i = 0; i < 1000; i++) buffer.push(`{"i":${i}}`);
    expect(pending()).toBe(1);
    fire();
    buffer.push('{"i":1000}');
    buffer.flush();
    expect(counts).toEqual([1000, 1]);
  });
});
