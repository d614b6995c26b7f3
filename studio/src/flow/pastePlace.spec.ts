import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Rect } from './groups';
import { PASTE_GAP, pasteOffset } from './pastePlace';

const card = (x: number, y: number): Rect => ({ x, y, width: 215, height: 80 });
const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const moved = (r: Rect, o: { x: number; y: number }) => ({ ...r, x: r.x + o.x, y: r.y + o.y });

describe('pasteOffset', () => {
  it('puts a copy straight below its original, clear of its sockets', () => {
    expect(pasteOffset([card(100, 100)], [card(100, 100)])).toEqual({ x: 0, y: 80 + PASTE_GAP });
  });

  it('lands a second paste below the first instead of on it', () => {
    const first = pasteOffset([card(0, 0)], [card(0, 0)]);
    const second = pasteOffset([card(0, 0)], [card(0, 0), moved(card(0, 0), first)]);
    expect(second).toEqual({ x: 0, y: 2 * (80 + PASTE_GAP) });
  });

  it('goes beside when below is taken, and in place when the spot is free', () => {
    // Below is 120 px down, two below 240, beside 255 across: the nearest free one wins.
    expect(pasteOffset([card(0, 0)], [card(0, 0), card(0, 120)])).toEqual({ x: 0, y: 240 });
    expect(pasteOffset([card(0, 0)], [card(0, 0), card(0, 120), card(0, 240)])).toEqual({ x: 215 + PASTE_GAP, y: 0 });
    expect(pasteOffset([card(0, 0)], [card(600, 600)])).toEqual({ x: 0, y: 0 });
  });

  it('moves a multi-item copy as one, keeping its shape', () => {
    const items = [card(0, 0), card(300, 0)];
    expect(pasteOffset(items, items)).toEqual({ x: 0, y: 80 + PASTE_GAP });
  });

  it('never lands a copy on anything', () => {
    const rect = fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -2000, max: 2000 }) });
    fc.assert(
      fc.property(fc.array(rect, { minLength: 1, maxLength: 4 }), fc.array(rect, { maxLength: 60 }), (items, others) => {
        const copied = items.map((p) => card(p.x, p.y));
        const occupied = [...copied, ...others.map((p) => card(p.x, p.y))];
        const offset = pasteOffset(copied, occupied);
        for (const item of copied) for (const r of occupied) expect(overlaps(moved(item, offset), r)).toBe(false);
      }),
    );
  });
});
