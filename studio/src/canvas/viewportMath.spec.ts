import { describe, expect, it } from 'vitest';
import { revealIn } from './viewportMath';

const size = { width: 800, height: 600 };

describe('revealIn', () => {
  it('leaves the view alone when the items are in it', () => {
    const vp = { x: 0, y: 0, zoom: 1 };
    expect(revealIn(vp, { x: 100, y: 100, width: 200, height: 80 }, size)).toBe(vp);
  });

  it('pans as little as brings them in, with a margin, at the same zoom', () => {
    const vp = { x: 0, y: 0, zoom: 2 };
    // At zoom 2 the box's right edge is at 2 * 450 = 900: 100 past the canvas, plus the margin.
    expect(revealIn(vp, { x: 300, y: 100, width: 150, height: 50 }, size)).toEqual({ x: -140, y: 0, zoom: 2 });
    expect(revealIn(vp, { x: -50, y: -20, width: 100, height: 50 }, size)).toEqual({ x: 140, y: 80, zoom: 2 });
  });

  it('zooms out to fit what is larger than the canvas', () => {
    const out = revealIn({ x: 0, y: 0, zoom: 1 }, { x: 0, y: 0, width: 2000, height: 100 }, size);
    expect(out.zoom).toBeLessThan(1);
    expect(2000 * out.zoom).toBeLessThanOrEqual(size.width);
  });
});
