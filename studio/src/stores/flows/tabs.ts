/**
 * The open flows (tabs): opening, closing, duplicating, switching between them, and a
 * stored version put in place of a tab's document. Each tab keeps its own history.
 */
import { computed, ref } from 'vue';
import { emptyFlow, layoutMissing } from '@/flow/model';
import type { SaveState } from '@/persistence/saveState';
import type { RunState } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import type { useHistoryStore } from '../history';
import type { Selection } from './selection';

export interface OpenFlow {
  /** Tab identity (not the flow's name, which the user may change). */
  key: string;
  doc: FlowDocument;
  /** The stored version this tab's document is based on (none: never saved). */
  savedVersion?: number;
  save: { state: SaveState; message?: string };
  /**
   * Counts the changes made to `doc` (each goes through the flows store, which bumps it):
   * autosave watches this number, not the document — serialising every open flow on each
   * change cost a frame at a few thousand nodes.
   */
  revision: number;
  /** A past run shown on the canvas, read-only: the document is the flow it ran. */
  pastRun?: PastRun;
}

/** What a past-run tab shows besides the document (stores/runs.ts opens them). */
export interface PastRun {
  id: string;
  state: RunState;
  startedAt: number;
  /** The tab of the flow as it is now (same name), which a replay runs; null: none open. */
  currentKey: string | null;
  /** Nodes of the run whose code differs now (`changed`) or that are gone (`removed`). */
  changes: Record<string, 'changed' | 'removed'>;
  /** How many nodes the flow has now that the run did not. */
  added: number;
}

type History = ReturnType<typeof useHistoryStore>;

function newKey(): string {
  return `f-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The flows store's tabs. `refreshShapes`: read a tab's node shapes from their code (each
 * opened document needs it).
 */
export function useTabs(history: History, picked: Selection, refreshShapes: (key: string) => Promise<void>) {
  const { selection, selectedEdge, editing } = picked;
  const open = ref<OpenFlow[]>([]);
  const activeKey = ref<string | null>(null);
  const active = computed(() => open.value.find((f) => f.key === activeKey.value) ?? null);
  const doc = computed(() => active.value?.doc ?? null);

  function find(key: string): OpenFlow | undefined {
    return open.value.find((f) => f.key === key);
  }

  function activate(key: string): void {
    activeKey.value = key;
    history.activeKey = key;
    selection.value = [];
    selectedEdge.value = null;
    editing.value = null;
  }

  /**
   * Open a document in a new tab (a copy); returns the tab key. Never runs its code.
   * `savedVersion`: the stored version it was read from, when it comes from storage.
   */
  function openDocument(document: FlowDocument, key = newKey(), savedVersion?: number): string {
    const copy = clone(document);
    layoutMissing(copy);
    open.value.push({ key, doc: copy, savedVersion, save: { state: savedVersion === undefined ? 'new' : 'saved' }, revision: 0 });
    activate(key);
    void refreshShapes(key);
    return key;
  }

  /** Show a past run's flow in a tab of its own, read-only (one tab per run). */
  function openPastRun(document: FlowDocument, pastRun: PastRun): string {
    const existing = open.value.find((f) => f.pastRun?.id === pastRun.id);
    if (existing) {
      existing.pastRun = pastRun;
      activate(existing.key);
      return existing.key;
    }
    const key = `run-${newKey()}`;
    const copy = clone(document);
    layoutMissing(copy);
    open.value.push({ key, doc: copy, save: { state: 'saved' }, revision: 0, pastRun });
    activate(key);
    void refreshShapes(key);
    return key;
  }

  function newFlow(): string {
    const names = new Set(open.value.map((f) => f.doc.name));
    let n = 1;
    while (names.has(`Untitled ${n}`)) n++;
    return openDocument(emptyFlow(`Untitled ${n}`));
  }

  /** Replace a tab's document with a stored version (another tab's, in a conflict); not undoable. */
  function replaceFromStorage(key: string, document: FlowDocument, version: number): void {
    const flow = find(key);
    if (!flow) return;
    const copy = clone(document);
    layoutMissing(copy);
    flow.doc = copy;
    flow.savedVersion = version;
    flow.save = { state: 'saved' };
    history.forget(key);
    void refreshShapes(key);
  }

  function close(key: string): void {
    const index = open.value.findIndex((f) => f.key === key);
    if (index < 0) return;
    open.value.splice(index, 1);
    history.forget(key);
    if (activeKey.value === key) {
      const next = open.value[Math.min(index, open.value.length - 1)];
      if (next) activate(next.key);
      else activeKey.value = null;
    }
  }

  function duplicate(key: string): string | null {
    const flow = find(key);
    if (!flow) return null;
    return openDocument({ ...clone(flow.doc), name: `${flow.doc.name} copy` });
  }

  return { open, activeKey, active, doc, find, activate, openDocument, openPastRun, newFlow, replaceFromStorage, close, duplicate };
}

export type Tabs = ReturnType<typeof useTabs>;
