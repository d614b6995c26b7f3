/**
 * What of a socket's values a chart can draw, as uPlot's columns: one x column and a
 * y column per series. Three shapes are charted, tried in this order:
 *
 * - every value a number: one series, over the values' indices (a stream of readings);
 * - every value a record with numeric fields: one series per such field, over the
 *   indices (`{"temp": 21.5, "rain": 0.2}` per emit) — or over a field that reads as
 *   the x axis (`t`, `x`, `time`, `timestamp`, `step`: a number in every record, never
 *   decreasing);
 * - the newest value a list of numbers, or of records with numeric fields: that list,
 *   over its positions (a whole series computed at once).
 *
 * NaN and the infinities (which come as their repr: JSON holds none of them) are gaps in
 * a stream of numbers; other values JSON could not hold are left out. Anything else has
 * no chart (`null`), and the socket offers none.
 */
import type { KeptValue } from '@/protocol/events';

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

export interface ChartData {
  /** What the x axis counts: the values' numbers (from 1, as the list shows them), positions in one list (from 0, as Python counts), or a field. */
  xLabel: string;
  x: number[];
  series: ChartSeries[];
}

/** More series than this are not a chart anyone reads: the first ones are drawn. */
export const MAX_SERIES = 8;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields that hold a number in at least one record (in first-seen order), if every item is a record. */
function numericFields(items: unknown[]): string[] | null {
  if (items.length === 0 || !items.every(isRecord)) return null;
  const fields = new Set<string>();
  for (const item of items) for (const [key, v] of Object.entries(item)) if (isNumber(v)) fields.add(key);
  return fields.size ? [...fields] : null;
}

/** What NaN and the infinities arrive as (JSON holds none of them: the engine sends their repr). */
const NOT_FINITE = new Set(['nan', 'inf', '-inf']);
/** A value that is a number JSON cannot hold: a gap in a stream of numbers, not a value to leave out. */
const isGap = (k: KeptValue) => k.repr && NOT_FINITE.has(String(k.value));

function fromRecords(items: Record<string, unknown>[], fields: string[]): ChartSeries[] {
  return fields.map((name) => ({ name, values: items.map((r) => (isNumber(r[name]) ? r[name] : null)) }));
}

/** Field names that, holding a number in every record in order, are the x axis rather than a series. */
export const X_FIELDS = ['t', 'x', 'time', 'timestamp', 'step'];

/** Records charted over their x field if they have one, else over `x` as given. */
function overRecords(items: Record<string, unknown>[], fields: string[], xLabel: string, x: number[]): ChartData {
  const rising = (f: string) => items.every((r, i) => isNumber(r[f]) && (i === 0 || r[f] >= (items[i - 1]?.[f] as number)));
  const xField = X_FIELDS.find((f) => fields.includes(f) && rising(f));
  // The x field is looked for among all the numeric fields, then the series are cut to MAX_SERIES.
  const ys = fields.filter((f) => f !== xField).slice(0, MAX_SERIES);
  if (!xField || ys.length === 0) return { xLabel, x, series: fromRecords(items, fields.slice(0, MAX_SERIES)) };
  return { xLabel: xField, x: items.map((r) => r[xField] as number), series: fromRecords(items, ys) };
}

/** The x axis of values charted one by one: each value's number, counted from 1 as the list of values shows it (#1, #2, …). */
export const VALUE_NUMBER = 'value #';
const valueNumber = (k: KeptValue) => k.index + 1;
/** The x axes that count (value numbers, list positions): their ticks are whole numbers. */
export const COUNTING_AXES: readonly string[] = [VALUE_NUMBER, 'position'];

export function chartData(kept: readonly KeptValue[]): ChartData | null {
  // Numbers, NaN among them: NaN (or an infinity) is a gap in the line, where it came.
  const numbers = kept.filter((k) => isGap(k) || (!k.repr && isNumber(k.value)));
  if (numbers.length === kept.length && numbers.some((k) => !k.repr)) {
    const values = numbers.map((k) => (k.repr ? null : (k.value as number)));
    return { xLabel: VALUE_NUMBER, x: numbers.map(valueNumber), series: [{ name: 'value', values }] };
  }
  const shown = kept.filter((k) => !k.repr);
  if (shown.length === 0) return null;
  const values = shown.map((k) => k.value);
  const indices = shown.map(valueNumber);
  if (values.every(isNumber)) return { xLabel: VALUE_NUMBER, x: indices, series: [{ name: 'value', values }] };
  const fields = numericFields(values);
  if (fields) return overRecords(values as Record<string, unknown>[], fields, VALUE_NUMBER, indices);
  const newest = values[values.length - 1];
  if (!Array.isArray(newest) || newest.length === 0) return null;
  const positions = newest.map((_, i) => i);
  if (newest.every(isNumber)) return { xLabel: 'position', x: positions, series: [{ name: 'value', values: newest }] };
  const listFields = numericFields(newest);
  return listFields ? overRecords(newest as Record<string, unknown>[], listFields, 'position', positions) : null;
}
