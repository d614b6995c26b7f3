import { describe, expect, it } from 'vitest';
import { contains, grow, MountPace, nodesFor, step } from './culling';
import type { Rect } from './viewportMath';

const box = (x: number, y: number): Rect => ({ x, y, width: 100, height: 50 });

describe('culling', () => {
  const rects: Record<string, Rect> = { a: box(0, 0), b: box(5000, 0), c: box(-5000, 0), far: box(5000, 9000) };
  const rectOf = (id: string) => rects[id];
  const view = { x: -200, y: -200, width: 800, height: 600 };

  it('renders the nodes in the region, and both ends of an edge that crosses it', () => {
    expect(nodesFor(Object.keys(rects), [], rectOf, view)).toEqual(new Set(['a']));
    // c → b passes through the view though both ends are off screen: both are rendered.
    expect(nodesFor(Object.keys(rects), [{ from: 'c', to: 'b' }], rectOf, view)).toEqual(new Set(['a', 'b', 'c']));
    // An edge whose box is elsewhere brings nothing.
    expect(nodesFor(Object.keys(rects), [{ from: 'b', to: 'far' }], rectOf, view)).toEqual(new Set(['a']));
    // Unplaced nodes and edges to them are skipped, not thrown on.
    expect(nodesFor(['a', 'ghost'], [{ from: 'ghost', to: 'a' }], rectOf, view)).toEqual(new Set(['a']));
  });

  it('grows and contains', () => {
    expect(grow({ x: 0, y: 0, width: 100, height: 10 }, 0.5)).toEqual({ x: -50, y: -5, width: 200, height: 20 });
    expect(contains(grow(view, 0.25), view)).toBe(true);
    expect(contains(view, grow(view, 0.25))).toBe(false);
  });

  it('drops at once what is no longer wanted, and mounts the nearest first, a budget at a time', () => {
    const many: Record<string, Rect> = {};
    for (let i = 0; i < 10; i++) many[`n${i}`] = box(i * 200, 0);
    const wanted = new Set(Object.keys(many));
    const first = step(new Set(['gone', 'n9']), wanted, (id) => many[id], { x: 0, y: 0 }, 3);
    expect(first.done).toBe(false);
    expect([...first.next].sort()).toEqual(['n0', 'n1', 'n2', 'n9']);
    let current = first.next;
    let rounds = 1;
    for (let r = step(current, wanted, (id) => many[id], { x: 0, y: 0 }, 3); ; r = step(current, wanted, (id) => many[id], { x: 0, y: 0 }, 3)) {
      current = r.next;
      rounds++;
      if (r.done) break;
    }
    expect(current).toEqual(wanted);
    expect(rounds).toBe(3);
  });
});

describe('MountPace', () => {
  it('mounts as many cards a frame as the measured cost allows, within bounds', () => {
    const pace = new MountPace(2, 80);
    const first = pace.budget(6);
    // Cards took 0.1 ms each: the budget grows (smoothed), up to the maximum.
    for (let i = 0; i < 20; i++) pace.observe(10, 1);
    expect(pace.budget(6)).toBeGreaterThan(first);
    expect(pace.budget(600)).toBe(80);
    // Then 5 ms each (a slow machine, a busy moment): it shrinks, never below the minimum.
    for (let i = 0; i < 20; i++) pace.observe(4, 20);
    expect(pace.msPerCard).toBeCloseTo(5, 0);
    expect(pace.budget(6)).toBe(2);
    // Nonsense is ignored.
    pace.observe(0, 100);
    pace.observe(3, Number.NaN);
    expect(pace.msPerCard).toBeCloseTo(5, 0);
  });
});
