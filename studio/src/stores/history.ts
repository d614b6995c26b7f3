/**
 * Undo/redo stacks, one per open flow. Entries are patches (see history/patches.ts), so
 * history costs memory in proportion to what changed, not to the flow's size.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Change } from '@/history/patches';

export interface HistoryEntry extends Change {
  label: string;
  /** Consecutive edits with the same key (typing in one editor) merge into one entry. */
  mergeKey?: string;
  at: number;
}

interface Stacks {
  undo: HistoryEntry[];
  redo: HistoryEntry[];
}

const MERGE_WINDOW_MS = 1500;
const MAX_ENTRIES = 500;

export const useHistoryStore = defineStore('history', () => {
  const stacks = ref<Record<string, Stacks>>({});
  const activeKey = ref<string | null>(null);

  function stacksFor(flowKey: string): Stacks {
    return (stacks.value[flowKey] ??= { undo: [], redo: [] });
  }

  /** Record an edit. `now` is injectable for tests. */
  function record(flowKey: string, entry: Omit<HistoryEntry, 'at'>, now = Date.now()): void {
    if (entry.redo.length === 0) return;
    const s = stacksFor(flowKey);
    const last = s.undo[s.undo.length - 1];
    if (entry.mergeKey && last?.mergeKey === entry.mergeKey && now - last.at < MERGE_WINDOW_MS) {
      // One step: redo this after the last; undo this before the last.
      last.redo = [...last.redo, ...entry.redo];
      last.undo = [...entry.undo, ...last.undo];
      last.at = now;
    } else {
      s.undo.push({ ...entry, at: now });
      if (s.undo.length > MAX_ENTRIES) s.undo.shift();
    }
    s.redo = [];
  }

  /** Take the entry to undo (the caller applies its `undo` patches). */
  function popUndo(flowKey: string): HistoryEntry | undefined {
    const s = stacksFor(flowKey);
    const entry = s.undo.pop();
    if (entry) s.redo.push(entry);
    return entry;
  }

  function popRedo(flowKey: string): HistoryEntry | undefined {
    const s = stacksFor(flowKey);
    const entry = s.redo.pop();
    if (entry) s.undo.push({ ...entry, mergeKey: undefined });
    return entry;
  }

  function forget(flowKey: string): void {
    delete stacks.value[flowKey];
  }

  const canUndo = computed(() => !!activeKey.value && (stacks.value[activeKey.value]?.undo.length ?? 0) > 0);
  const canRedo = computed(() => !!activeKey.value && (stacks.value[activeKey.value]?.redo.length ?? 0) > 0);
  const undoLabel = computed(() => {
    const s = activeKey.value ? stacks.value[activeKey.value] : undefined;
    return s?.undo[s.undo.length - 1]?.label ?? null;
  });
  const redoLabel = computed(() => {
    const s = activeKey.value ? stacks.value[activeKey.value] : undefined;
    return s?.redo[s.redo.length - 1]?.label ?? null;
  });

  return { stacks, activeKey, record, popUndo, popRedo, forget, canUndo, canRedo, undoLabel, redoLabel };
});
