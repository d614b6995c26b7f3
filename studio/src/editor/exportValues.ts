/**
 * A socket's kept values as a file: JSON lines (one value per line, as the engine sent
 * it; a value JSON could not hold is its repr, as a string) or CSV (RFC 4180: a column
 * per field of records, else one `value` column; nested values as JSON text). Writing
 * CSV is quoting and joining, so it is done here; reading CSV would take a library.
 */
import type { KeptValue } from '@/protocol/events';

export type ValuesFormat = 'jsonl' | 'csv';

export function toJsonLines(kept: readonly KeptValue[]): string {
  return kept.map((k) => `${JSON.stringify(k.value)}\n`).join('');
}

function csvCell(v: unknown): string {
  const text = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toCsv(kept: readonly KeptValue[]): string {
  const rows = kept.map((k) => k.value);
  const records = rows.length > 0 && kept.every((k) => !k.repr && isRecord(k.value));
  const columns = records ? [...new Set(rows.flatMap((r) => Object.keys(r as object)))] : ['value'];
  const line = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;
  const body = rows.map((r) => line(records ? columns.map((c) => (r as Record<string, unknown>)[c]) : [r]));
  return line(columns) + body.join('');
}

/** The file's name: the node's and the socket's, as a user would name it. */
export function valuesFileName(nodeName: string, socket: string, format: ValuesFormat): string {
  const safe = `${nodeName}-${socket}`.replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^_+|_+$/g, '') || 'values';
  return `${safe}.${format}`;
}
