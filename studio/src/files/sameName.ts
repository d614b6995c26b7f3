/**
 * Importing a flow with the name of one already here (open in a tab, or saved in this
 * browser) asks first — open the file as a copy under a free name, or replace that flow
 * with it — instead of leaving two flows of one name. Replacing is one undoable edit of
 * the flow it replaces, so nothing is lost.
 */
import { Dialog } from 'quasar';
import SameNameDialog from '@/panels/SameNameDialog.vue';
import { readableVersion, type FlowStorage } from '@/persistence/flowStorage';
import type { FlowDocument } from '@/protocol/flow';

/** The open flows an import is placed among (the flows store is one). */
export interface ImportTabs {
  readonly open: readonly { key: string; doc: FlowDocument; pastRun?: unknown }[];
  activate(key: string): void;
  /** Open a copy of `doc` in a new tab (`savedVersion`: the stored version it was read from); returns its key. */
  openDocument(doc: FlowDocument, key?: string, savedVersion?: number): string;
  /** Change the active flow as one undoable edit. */
  edit(label: string, mutate: (doc: FlowDocument) => void): void;
  refreshShapes(key: string): Promise<unknown>;
}

/**
 * The saved flows names are checked against. Set by the studio at start (`bootstrap.ts`);
 * the embed keeps no flows, and so does not open the studio's storage on its host's origin.
 */
let storage: Pick<FlowStorage, 'list' | 'load'> | null = null;

export function checkNamesAgainst(saved: Pick<FlowStorage, 'list' | 'load'>): void {
  storage = saved;
}

export type SameNameChoice = 'copy' | 'replace';

/** The flow here that has a name: its tab key (open) or its storage key (saved only). */
export interface Namesake {
  key: string;
  open: boolean;
}

/** Every flow name here: the open tabs' and the saved flows'. */
async function namesHere(flows: ImportTabs): Promise<{ open: Map<string, string>; saved: Map<string, string> }> {
  // (A past run shown in a tab is no flow of that name: it is a view of the run history.)
  const open = new Map(flows.open.filter((f) => !f.pastRun).map((f) => [f.doc.name, f.key]));
  const saved = new Map<string, string>();
  for (const record of (await storage?.list().catch(() => [])) ?? []) {
    const name = readableVersion(record)?.version.doc.name;
    if (name !== undefined && !saved.has(name)) saved.set(name, record.key);
  }
  return { open, saved };
}

/** `name (2)`, `name (3)`, …: the first that no flow here has. */
export function freeName(name: string, taken: (candidate: string) => boolean): string {
  for (let n = 2; ; n++) if (!taken(`${name} (${n})`)) return `${name} (${n})`;
}

/**
 * Where `doc` should go: a new tab (`copy`: possibly renamed), over a namesake
 * (`replace`), or nowhere (the user cancelled).
 */
export async function placeImport(
  doc: FlowDocument,
  source: string,
  flows: ImportTabs,
): Promise<{ kind: 'new'; doc: FlowDocument } | { kind: 'replace'; namesake: Namesake } | { kind: 'cancelled' }> {
  const names = await namesHere(flows);
  const openKey = names.open.get(doc.name);
  const savedKey = names.saved.get(doc.name);
  if (openKey === undefined && savedKey === undefined) return { kind: 'new', doc };
  const copyName = freeName(doc.name, (n) => names.open.has(n) || names.saved.has(n));
  const choice = await new Promise<SameNameChoice | null>((resolve) => {
    Dialog.create({ component: SameNameDialog, componentProps: { name: doc.name, source, open: openKey !== undefined, copyName } })
      .onOk((value: SameNameChoice) => resolve(value))
      .onCancel(() => resolve(null));
  });
  if (choice === 'copy') return { kind: 'new', doc: { ...doc, name: copyName } };
  if (choice === 'replace') return { kind: 'replace', namesake: openKey !== undefined ? { key: openKey, open: true } : { key: savedKey ?? '', open: false } };
  return { kind: 'cancelled' };
}

/**
 * Put `doc` in place of the namesake's document (opening it from storage first if it is
 * not open), as one undoable edit; returns its tab key, or null when it could not be read.
 */
export async function replaceWith(namesake: Namesake, doc: FlowDocument, source: string, flows: ImportTabs): Promise<string | null> {
  if (namesake.open) flows.activate(namesake.key);
  else {
    const saved = await storage?.load(namesake.key).catch(() => undefined);
    const readable = saved && readableVersion(saved);
    if (!saved || !readable) return null;
    flows.openDocument(readable.version.doc, namesake.key, saved.version ?? 0);
  }
  const next = JSON.parse(JSON.stringify(doc)) as FlowDocument;
  flows.edit(`Replace with ${source}`, (d) => {
    for (const key of Object.keys(d)) delete (d as unknown as Record<string, unknown>)[key];
    Object.assign(d, next);
  });
  void flows.refreshShapes(namesake.key);
  return namesake.key;
}
