import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { barPlaces, barRange, columnStep } from './chartBars';

/** Every bar of every series as [left, right], in x units. */
function bars(x: number[], count: number): [number, number][] {
  return Array.from({ length: count }, (_, s) => barPlaces(x, count, s)).flatMap((p) => p.x0.map((l): [number, number] => [l, l + p.size]));
}

describe('bar places', () => {
  it('puts the series of one x side by side, centred on it', () => {
    const [a, b] = [barPlaces([0, 1, 2], 2, 0), barPlaces([0, 1, 2], 2, 1)];
    expect(a.size).toBeCloseTo(0.36);
    expect(b.size).toBeCloseTo(0.36);
    expect(a.x0[1]).toBeCloseTo(1 - 0.4 + 0.02);
    expect(b.x0[1]).toBeCloseTo(1 + 0.02);
    expect((a.x0[1] as number) + a.size).toBeLessThan(b.x0[1] as number); // apart, not drawn over each other
  });

  it('takes the smallest step between xs as the column (a time axis with uneven steps)', () => {
    expect(columnStep([0, 10, 12, 30])).toBe(2);
    expect(columnStep([5])).toBe(1);
    expect(columnStep([3, 3, 3])).toBe(1);
    expect(barPlaces([0, 10, 12], 1, 0).size).toBeCloseTo(2 * 0.8 * 0.9);
  });

  it('never overlaps two bars, and the x range holds them all', () => {
    const xs = fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 60 }).map((a) => a.sort((p, q) => p - q));
    fc.assert(
      fc.property(xs, fc.integer({ min: 1, max: 8 }), (x, count) => {
        const all = bars(x, count).sort((p, q) => p[0] - q[0]);
        for (let i = 1; i < all.length; i++) expect(all[i]?.[0]).toBeGreaterThan((all[i - 1]?.[1] as number) - 1e-9);
        const [min, max] = barRange(x);
        for (const [l, r] of all) {
          expect(l).toBeGreaterThanOrEqual(min);
          expect(r).toBeLessThanOrEqual(max);
        }
      }),
    );
  });

  it('gives one bar room when there is only one', () => {
    expect(barRange([4])).toEqual([3.5, 4.5]);
    expect(barRange([])).toEqual([0, 1]);
  });
});
