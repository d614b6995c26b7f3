/**
 * Autosave: every change to an open flow is written to IndexedDB after a short debounce,
 * and whatever is pending is flushed when the page is hidden (`pagehide`).
 *
 * An edit counts as saved ("acknowledged": the tab's save state says so, and
 * `headrace:saved` is dispatched) only once IndexedDB has committed it. Writes of one flow
 * are queued one after another, each based on the version the previous one wrote, so a
 * write that finds another version stored (another tab saved the same flow) is a conflict
 * for the user to settle, never a silent overwrite. A full quota leaves the edit unsaved
 * and says so.
 *
 * IndexedDB writes may not finish while a page unloads, so `pagehide` also leaves a
 * synchronous localStorage copy of what was pending; the next start applies it (see
 * `recoverPending`), with the same version check.
 */
import { watch } from 'vue';
import type { FlowDocument } from '@/protocol/flow';
import type { FlowStorage, SavedFlow, SaveResult, Session } from './flowStorage';
import type { SaveState } from './saveState';

const PENDING_KEY = 'headrace.pending-save';

/** This tab, in the records it writes. */
export const TAB_ID = `tab-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

interface PendingSave {
  savedAt: number;
  flows: { key: string; doc: FlowDocument; base?: number }[];
  session: Session;
}

/**
 * Move a copy left by the last `pagehide` into IndexedDB. A copy whose flow was saved
 * again since (by another tab) is kept as a separate flow, "(recovered)", not written over it.
 */
export async function recoverPending(storage: FlowStorage, backup: Storage | undefined = globalThis.localStorage): Promise<string[]> {
  const raw = backup?.getItem(PENDING_KEY);
  if (!raw) return [];
  const recoveredAside: string[] = [];
  try {
    const pending = JSON.parse(raw) as PendingSave;
    for (const { key, doc, base } of pending.flows) {
      const stored = await storage.load(key);
      if (stored && stored.savedAt > pending.savedAt) continue; // IndexedDB got it after all
      const result = await storage.save(key, doc, { base: stored ? base : undefined, savedAt: pending.savedAt, writer: TAB_ID });
      if (!result.ok && result.reason === 'conflict') {
        const aside = `${key}-recovered-${Date.now().toString(36)}`;
        await storage.save(aside, { ...doc, name: `${doc.name} (recovered)` }, { savedAt: pending.savedAt, writer: TAB_ID });
        recoveredAside.push(aside);
      }
    }
    await storage.saveSession(pending.session);
  } finally {
    backup?.removeItem(PENDING_KEY);
  }
  return recoveredAside;
}

/** What autosave reads and writes of an open flow (a tab); the flows store's tabs are these. */
export interface AutosavedFlow {
  key: string;
  doc: FlowDocument;
  /** The stored version the document is based on (none: never saved). */
  savedVersion?: number;
  save: { state: SaveState; message?: string };
  /** Counts the document's changes: what changed since last seen is what to write. */
  revision: number;
}

/** The open flows, in tab order, and which one is active (the session autosave keeps). */
export interface AutosavedTabs {
  readonly open: AutosavedFlow[];
  readonly activeKey: string | null;
}

export interface AutosaveEvents {
  /** A write committed: `doc` is exactly what was stored as `version`. */
  saved(key: string, version: number, doc: FlowDocument): void;
  /** Another tab saved this flow since this tab last read or wrote it. */
  conflict(key: string, stored: SavedFlow): void;
  /** The write failed (`quota`: storage is full); the edit is not saved. */
  failed(key: string, reason: 'quota' | 'failed', message: string): void;
}

export interface Autosave {
  /** Write everything pending now; resolves when every write has settled. */
  flush(): Promise<void>;
  /** Write one flow over whatever is stored (the user chose "keep mine" in a conflict). */
  overwrite(key: string): Promise<SaveResult | null>;
  stop(): void;
}

export function startAutosave(flows: AutosavedTabs, storage: FlowStorage, delayMs: () => number, events: AutosaveEvents): Autosave {
  const dirty = new Set<string>();
  let sessionDirty = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  // Flows just read from storage are saved as they are: opening a flow writes nothing (a
  // write would bump its version under any other tab that has it open).
  // The store counts each change of a document (OpenFlow.revision): what changed since
  // last seen is what to write, and no document is serialised until it is written.
  let lastSeen = new Map(flows.open.filter((f) => f.save.state === 'saved').map((f) => [f.key, f.revision]));
  /** Per flow, the write in progress: the next one starts after it, from its version. */
  const queues = new Map<string, Promise<unknown>>();

  const find = (key: string): AutosavedFlow | undefined => flows.open.find((f) => f.key === key);

  function enqueue(key: string, force: boolean): Promise<SaveResult | null> {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(() => write(key, force));
    queues.set(key, next);
    return next;
  }

  /** Write a flow's current document, based on the version its tab last saw. */
  async function write(key: string, force: boolean): Promise<SaveResult | null> {
    const flow = find(key);
    if (!flow || (flow.save.state === 'conflict' && !force)) return null;
    const revision = flow.revision;
    const doc = JSON.parse(JSON.stringify(flow.doc)) as FlowDocument;
    const result = await storage.save(key, doc, { base: force ? undefined : flow.savedVersion, writer: TAB_ID });
    const now = find(key);
    if (!now) return result;
    if (result.ok) {
      now.savedVersion = result.version;
      // Saved only if nothing changed while the write was in flight (else the next write saves it).
      now.save = { state: now.revision === revision ? 'saved' : 'unsaved' };
      events.saved(key, result.version, doc);
    } else if (result.reason === 'conflict') {
      now.save = { state: 'conflict', message: 'This flow was saved in another tab since this tab opened it' };
      events.conflict(key, result.stored);
    } else {
      now.save = { state: 'failed', message: result.message };
      events.failed(key, result.reason, result.message);
    }
    return result;
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const writes: Promise<unknown>[] = [...dirty].map((key) => enqueue(key, false));
    dirty.clear();
    if (sessionDirty) {
      sessionDirty = false;
      writes.push(storage.saveSession({ open: flows.open.map((f) => f.key), active: flows.activeKey }).catch(() => undefined));
    }
    return Promise.all(writes).then(() => undefined);
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), delayMs());
  }

  const stopDocs = watch(
    () => flows.open.map((f) => [f.key, f.revision] as const),
    (current) => {
      const next = new Map(current);
      for (const [key, revision] of next) {
        if (lastSeen.get(key) === revision) continue;
        dirty.add(key);
        const flow = find(key);
        if (flow && flow.save.state !== 'conflict') flow.save = { state: 'unsaved' };
      }
      lastSeen = next;
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
    // Edits in a tab with an unsettled conflict go too: recovery keeps them aside.
    const unsaved = flows.open.filter((f) => dirty.has(f.key) || f.save.state === 'unsaved' || f.save.state === 'conflict');
    if (unsaved.length === 0 && !sessionDirty) return;
    const pending: PendingSave = {
      savedAt: Date.now(),
      flows: unsaved.map((f) => ({ key: f.key, doc: f.doc, base: f.savedVersion })),
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
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') onHide();
  };
  window.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', onVisibility);

  return {
    flush,
    overwrite: (key) => enqueue(key, true),
    stop() {
      stopDocs();
      stopSession();
      window.removeEventListener('pagehide', onHide);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
