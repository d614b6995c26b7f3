/**
 * The one way to change a document: every edit runs through `commit()`, which records its
 * patches in the history store, so every change is undoable; a drag is one gesture, and
 * one edit; undo and redo write a step's patches back in.
 */
import { toRaw } from 'vue';
import { applyInPlace, recordChange, type Change, type Patch } from '@/history/patches';
import type { FlowDocument, Point } from '@/protocol/flow';
import type { HistoryEntry, useHistoryStore } from '../history';
import type { OpenFlow, Tabs } from './tabs';

type History = ReturnType<typeof useHistoryStore>;

/**
 * The flows store's one way to change a document, its drag gestures, and undo/redo.
 * `refreshShapesOf`: re-read these nodes' shapes (undo and redo may change their code).
 */
export function useChanges(tabs: Tabs, history: History, refreshShapesOf: (key: string, nodeIds: string[]) => Promise<void>) {
  const { active, find } = tabs;
  /** A drag under way: its tab, and where each item it moved started. */
  let gesture: { key: string; start: Map<string, Point> } | null = null;

  /**
   * Apply `mutate` to tab `flow`'s document as one undoable edit. It runs on a draft
   * (history/patches.ts), and what it changed is then written into the live document:
   * an edit costs what it changes, whatever the flow's size.
   */
  function commit(flow: OpenFlow, label: string, mutate: (doc: FlowDocument) => void, mergeKey?: string): void {
    if (flow.pastRun) return; // a past run is shown as it ran
    const change = recordChange(toRaw(flow.doc), mutate);
    if (change.redo.length === 0) return;
    applyInPlace(flow.doc, change.redo);
    flow.revision++;
    history.record(flow.key, { label, ...change, mergeKey });
  }

  /** Apply `mutate` to the active document as one undoable edit. */
  function edit(label: string, mutate: (doc: FlowDocument) => void, mergeKey?: string): void {
    const flow = active.value;
    if (flow) commit(flow, label, mutate, mergeKey);
  }

  /** Start a gesture (a drag): moves until `endGesture` become one edit. */
  function beginGesture(): void {
    if (active.value) gesture = { key: active.value.key, start: new Map() };
  }

  /** During a gesture, where an item was before it first moved. */
  function noteStart(flow: OpenFlow, id: string, at: Point): void {
    if (gesture && gesture.key === flow.key && !gesture.start.has(id)) gesture.start.set(id, { x: at.x, y: at.y });
  }

  /** The gesture's one edit: each moved item from where it started to where it is. */
  function endGesture(label: string): void {
    if (!gesture) return;
    const flow = find(gesture.key);
    const started = gesture.start;
    gesture = null;
    if (!flow || flow.pastRun) return;
    const d = toRaw(flow.doc);
    const change: Change = { redo: [], undo: [] };
    for (const [id, from] of started) {
      const pos = d.ui?.nodes?.[id];
      const noteIndex = pos ? -1 : (d.ui?.notes ?? []).findIndex((n) => n.id === id);
      const to = pos ?? d.ui?.notes?.[noteIndex];
      if (!to || (to.x === from.x && to.y === from.y)) continue;
      const path = pos ? ['ui', 'nodes', id] : ['ui', 'notes', noteIndex];
      const now = pos ? { x: to.x, y: to.y } : { ...d.ui!.notes![noteIndex]! };
      change.redo.push({ op: 'replace', path, value: now });
      change.undo.push({ op: 'replace', path, value: { ...now, x: from.x, y: from.y } });
    }
    if (change.redo.length === 0) return;
    flow.revision++;
    history.record(flow.key, { label, ...change });
  }

  /**
   * The nodes whose shape patches just applied may have changed (their code, their
   * sockets list, or the node itself), to re-read only those: all, if the list was replaced.
   */
  function nodesTouched(flow: OpenFlow, patches: readonly Patch[]): string[] {
    const nodes = toRaw(flow.doc).nodes;
    const ids = new Set<string>();
    for (const { path } of patches) {
      if (path[0] !== 'nodes') continue;
      if (path.length === 1) return nodes.map((n) => n.id);
      const node = nodes[Number(path[1])];
      if (node) ids.add(node.id);
    }
    return [...ids];
  }

  /** Undo or redo one step: write its patches in, and re-read the nodes they touch. */
  function replay(pop: (key: string) => HistoryEntry | undefined, side: 'undo' | 'redo'): void {
    const flow = active.value;
    const entry = flow && pop(flow.key);
    if (!flow || !entry) return;
    applyInPlace(flow.doc, entry[side]);
    flow.revision++;
    void refreshShapesOf(flow.key, nodesTouched(flow, entry[side]));
  }

  const undo = (): void => replay(history.popUndo, 'undo');

  const redo = (): void => replay(history.popRedo, 'redo');

  return { commit, edit, beginGesture, noteStart, endGesture, undo, redo };
}

export type Changes = ReturnType<typeof useChanges>;
