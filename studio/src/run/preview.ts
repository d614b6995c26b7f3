/** A short, single-line preview of a value for tooltips and badges. */
export function preview(value: unknown, repr = false, max = 120): string {
  const text = repr ? String(value) : JSON.stringify(value);
  const oneLine = (text ?? 'undefined').replace(/\s+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
