/**
 * Where a bar chart's bars go, in x units: each x gets a column as wide as the smallest
 * step between two xs, and the series share it side by side (grouped bars), with a gap
 * between columns. uPlot's bars path builder, left to itself, centres every series' bar
 * on the same x, so a second series is drawn over the first, and the first and last
 * bars are cut in half at the edges of the x scale; SocketChart hands it these places
 * (`disp.x0`, `disp.size`) and this range instead.
 */

/** The share of a column its bars fill together; the rest is the gap to the next column. */
export const GROUP_FILL = 0.8;
/** The share of a series' slot its bar fills (a hairline apart from its neighbour's). */
export const SLOT_FILL = 0.9;

/** The smallest positive step between two xs (1 when there are fewer than two distinct xs). */
export function columnStep(x: readonly number[]): number {
  let step = Infinity;
  for (let i = 1; i < x.length; i++) {
    const d = Math.abs((x[i] as number) - (x[i - 1] as number));
    if (d > 0 && d < step) step = d;
  }
  return Number.isFinite(step) ? step : 1;
}

export interface BarPlace {
  /** Where each bar's left edge is, one per x. */
  x0: number[];
  /** Every bar's width. */
  size: number;
}

/** The bars of series `index` of `count`, over `x` (sorted, as uPlot needs). */
export function barPlaces(x: readonly number[], count: number, index: number): BarPlace {
  const step = columnStep(x);
  const slot = (step * GROUP_FILL) / Math.max(1, count);
  const left = -(step * GROUP_FILL) / 2 + index * slot + (slot * (1 - SLOT_FILL)) / 2;
  return { x0: x.map((v) => v + left), size: slot * SLOT_FILL };
}

/** The x scale's range for bars: half a column beyond the first and the last x, so no bar is cut. */
export function barRange(x: readonly number[]): [number, number] {
  if (x.length === 0) return [0, 1];
  const half = columnStep(x) / 2;
  return [Math.min(...x) - half, Math.max(...x) + half];
}
