import { describe, expect, it } from 'vitest';
import { EventBuffer, type Timer } from './eventBuffer';

/** A timer the test fires by hand. */
function manualTimer() {
  const queue: (() => void)[] = [];
  const clock = { now: 0 };
  const timer: Timer = {
    set: (fn) => queue.push(fn),
    clear: () => undefined,
    now: () => clock.now,
  };
  return { timer, clock, fire: () => queue.splice(0).forEach((fn) => fn()), pending: () => queue.length };
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

  it('flushes from push when Python is too busy for the timer to fire', () => {
    const { timer, clock } = manualTimer();
    const buffer = new EventBuffer(16, timer);
    const counts: number[] = [];
    buffer.subscribe((_batch, count) => counts.push(count));
    buffer.push('{"i":0}');
    clock.now = 10;
    buffer.push('{"i":1}');
    expect(counts).toEqual([]); // the timer would have fired by now, had it been able to
    clock.now = 70;
    buffer.push('{"i":2}');
    expect(counts).toEqual([3]);
  });

  it('never lets a batch grow past its byte limit', () => {
    const { timer } = manualTimer();
    const buffer = new EventBuffer(16, timer, 1000);
    const sizes: number[] = [];
    buffer.subscribe((batch) => sizes.push(batch.length));
    const event = `{"text":"${'x'.repeat(90)}"}`;
    for (let i = 0; i < 100; i++) buffer.push(event);
    expect(sizes.length).toBe(10);
    expect(Math.max(...sizes)).toBeLessThan(1200);
  });
});
