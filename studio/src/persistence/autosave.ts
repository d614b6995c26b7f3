/**
 * Autosave: every change to an open flow is written to IndexedDB after a short debounce,
 * and whatever is pending is flushed when the page is hidden (`pagehide`), so closing or
 * reloading the tab loses nothing. IndexedDB writes are asynchronous and may not finish
 * while a page unloads, so `pagehide` also leaves a synchronous localStorage copy of what
 * was pending; the next start applies it (see `recoverPending`).
 */
import { watch } from 'vue';
import type { useFlowsStore } from '@/stores/flows';
import type { FlowDocument } from '@/protocol/flow';
import type { FlowStorage, Session } from './flowStorage';

const PENDING_KEY = 'headrace.pending-save';

interface PendingSave {
  savedAt: number;
  flows: { key: string; doc: FlowDocument }[];
  session: Session;
}

/** Move a copy left by the last `pagehide` into IndexedDB (if newer than what is there). */
export async function recoverPending(storage: FlowStorage, backup: Storage | undefined = globalThis.localStorage): Promise<void> {
  const raw = backup?.getItem(PENDING_KEY);
  if (!raw) return;
  try {
    const pending = JSON.parse(raw) as PendingSave;
    for (const { key, doc } of pending.flows) {
      const stored = await storage.load(key);
      if (!stored || stored.savedAt <= pending.savedAt) await storage.save(key, doc, pending.savedAt);
    }
    await storage.saveSession(pending.session);
  } finally {
    backup?.removeItem(PENDING_KEY);
  }
}

type FlowsStore = ReturnType<typeof useFlowsStore>;

export interface Autosave {
  /** Write everything pending now. */
  flush(): Promise<void>;
  stop(): void;
}

export function startAutosave(flows: FlowsStore, storage: FlowStorage, delayMs: () => number): Autosave {
  const dirty = new Set<string>();
  let sessionDirty = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSerialised = new Map<string, string>();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const writes: Promise<void>[] = [];
    for (const key of dirty) {
      const flow = flows.open.find((f) => f.key === key);
      if (flow) writes.push(storage.save(key, flow.doc));
    }
    dirty.clear();
    if (sessionDirty) {
      sessionDirty = false;
      writes.push(storage.saveSession({ open: flows.open.map((f) => f.key), active: flows.activeKey }));
    }
    return Promise.all(writes).then(() => undefined);
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), delayMs());
  }

  const stopDocs = watch(
    () => flows.open.map((f) => [f.key, JSON.stringify(f.doc)] as const),
    (current) => {
      const next = new Map(current);
      for (const [key, text] of next) if (lastSerialised.get(key) !== text) dirty.add(key);
      lastSerialised = next;
      if (dirty.size) schedule();
    },
    { immediate: true },
  );
  const stopSession = watch(
    () => [flows.open.map((f) => f.key).join(','), flows.activeKey],
    () => {
      sessionDirty = true;
      schedule();
    },
    { immediate: true },
  );
  /** Synchronous last resort while the page unloads. */
  function backupPending(): void {
    if (dirty.size === 0 && !sessionDirty) return;
    const pending: PendingSave = {
      savedAt: Date.now(),
      flows: flows.open.filter((f) => dirty.has(f.key)).map((f) => ({ key: f.key, doc: f.doc })),
      session: { open: flows.open.map((f) => f.key), active: flows.activeKey },
    };
    try {
      globalThis.localStorage?.setItem(PENDING_KEY, JSON.stringify(pending));
    } catch {
      // quota: IndexedDB's flush may still make it
    }
  }

  const onHide = () => {
    backupPending();
    void flush();
  };
  window.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') onHide();
  });

  return {
    flush,
    stop() {
      stopDocs();
      stopSession();
      window.removeEventListener('pagehide', onHide);
    },
  };
}
