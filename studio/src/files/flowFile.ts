/**
 * Flow files in and out: export downloads format v1 JSON (canvas data under `ui`); import
 * reads text, lets the engine validate it, and opens it in a new tab — or changes nothing
 * and explains why; a flow with the name of one already here asks first (sameName.ts).
 * Opening a flow never runs its code.
 */
import { saveText } from '@/app/download';
import { notice } from '@/app/notices';
import { layOutOpened } from '@/canvas/layout/tidyUp';
import type { Result, Validated } from '@/protocol/bridge';
import type { FlowDocument } from '@/protocol/flow';
import { crossOriginHint } from './fetchProblem';
import { placeImport, replaceWith, type ImportTabs } from './sameName';

/** The file's text: stable key order as stored, two-space indent, final newline. */
export function flowToText(doc: FlowDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function fileNameFor(doc: FlowDocument): string {
  return `${fileStem(doc.name)}.json`;
}

/** A flow's name as the start of a file name. */
export function fileStem(name: string): string {
  return name.trim().replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'flow';
}

export function downloadFlow(doc: FlowDocument): void {
  saveText(flowToText(doc), fileNameFor(doc), 'application/json');
}

/** What reads a flow file and says whether it is one (the engine store). */
export interface FlowValidator {
  validate(flow: unknown): Promise<Result<Validated>>;
}

/** Where an imported flow opens: among the tabs, laid out where the file gives no positions. */
type Flows = ImportTabs & Parameters<typeof layOutOpened>[0];

/**
 * Validate `text` with the engine and open it. On failure nothing changes, and the
 * engine's FlowError message is shown (and returned).
 */
export async function importFlowText(text: string, source: string, engine: FlowValidator, flows: Flows): Promise<Result<string>> {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = `${source} is not JSON: ${(error as Error).message}`;
    notice('error', `Cannot open ${source}`, message);
    return { ok: false, error: { type: 'FlowError', message } };
  }
  // The engine reads the text itself: JSON.parse would keep the last of a key given twice
  // without a word, where the engine says which key, and where.
  const result = await engine.validate(text);
  if (!result.ok) {
    notice('error', `Cannot open ${source}`, result.error.message);
    return { ok: false, error: result.error };
  }
  const doc = result.value.flow;
  // A flow of the same name here: the user chooses (a copy, or replace it), see sameName.ts.
  const place = await placeImport(doc, source, flows);
  if (place.kind === 'cancelled') return { ok: false, error: { type: 'FlowError', message: `Not opened: ${source} (cancelled)` } };
  let key: string | null;
  if (place.kind === 'replace') {
    key = await replaceWith(place.namesake, doc, source, flows);
    if (key === null) {
      const message = `“${doc.name}” could not be read from this browser's storage, so it was not replaced.`;
      notice('error', `Cannot replace “${doc.name}”`, message);
      return { ok: false, error: { type: 'FlowError', message } };
    }
    notice('success', `Replaced “${doc.name}” with ${source}`, 'Undo brings back what it held.');
  } else {
    key = flows.openDocument(place.doc);
    notice('success', `Opened ${place.doc.name}`);
  }
  // Nodes the file gives no position (written by hand or by a script) are laid out once open.
  const unplaced = doc.nodes.filter((n) => !doc.ui?.nodes?.[n.id]).map((n) => n.id);
  if (unplaced.length) void layOutOpened(flows, key, unplaced);
  return { ok: true, value: key };
}

export async function importFlowFile(file: File, engine: FlowValidator, flows: Flows): Promise<Result<string>> {
  return importFlowText(await file.text(), file.name, engine, flows);
}

/** `/?flow=<url>`: fetch and open a flow given in the page address. */
export async function importFlowFromUrl(url: string, engine: FlowValidator, flows: Flows): Promise<Result<string>> {
  let absolute = url;
  try {
    absolute = new URL(url, document.baseURI).href;
    const response = await fetch(absolute);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    // Hosts that answer every unknown path with the app's page (vite preview, SPA hosting)
    // would otherwise get "is not JSON: Unexpected token '<'".
    if (/^text\/html\b/i.test(response.headers.get('Content-Type') ?? '')) {
      throw new Error('the server answered with a web page, not a flow file (is the path right?)');
    }
    return await importFlowText(await response.text(), url, engine, flows);
  } catch (error) {
    const message = `Cannot fetch ${url}: ${(error as Error).message}`;
    const hint = crossOriginHint(absolute, location.origin, error);
    notice('error', message, hint ?? undefined);
    return { ok: false, error: { type: 'FlowError', message: hint ? `${message}. ${hint}` : message } };
  }
}
