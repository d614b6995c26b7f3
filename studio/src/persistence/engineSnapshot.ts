/**
 * The memory snapshot this browser keeps of the engine: Pyodide's memory with the boot
 * wheels installed and `headrace.bridge` imported, before any flow's code ran. Restoring
 * it replaces loading Python, installing the engine and importing it — most of a boot.
 *
 * One snapshot is kept (tens of MiB), under a key naming everything it depends on: the
 * build's engine (Pyodide's version and the boot wheels' hashes, from the wheel
 * manifest), the browser (its user agent: an update may change what Python found at
 * start) and whether the browser has WebAssembly stack switching (Python records at start
 * whether it can suspend; a snapshot from a runtime without it breaks `time.sleep` in one
 * with it). A snapshot under another key is dropped unread. The worker checks the key
 * again inside the restored Python, and a snapshot that fails to restore is dropped too.
 *
 * Kept in IndexedDB, a database of its own (in the embed, the host page's): a cache, so
 * any failure to read or write it (quota, private mode, no IndexedDB) is a slower boot
 * and a warning in the console, never an error for the user.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';

/** Where a runner keeps its snapshot; tests pass an in-memory one, or none. */
export interface SnapshotStore {
  /**
   * The snapshot kept under `key`, or null (dropping one kept under another key). A Blob:
   * IndexedDB hands one over without reading it, and the worker reads it while it
   * fetches Pyodide (reading tens of MiB here first took 0.2–0.4 s of the boot).
   */
  load(key: string): Promise<Blob | null>;
  /** Whatever snapshot is kept, with its key (read while the build's key is still being found). */
  kept(): Promise<{ key: string; bytes: Blob } | null>;
  save(key: string, bytes: ArrayBuffer): Promise<void>;
  /** Forget the snapshot (it failed to restore). */
  drop(): Promise<void>;
}

interface Kept {
  key: string;
  bytes: Blob;
  /** When it was made (ms since the epoch): shown when debugging. */
  made: number;
}

const ENTRY = 'engine';

/** The key of a snapshot of the build's `engine` (the manifest's key) in this browser. */
export function snapshotKey(engine: string): string {
  const stackSwitching = typeof WebAssembly !== 'undefined' && 'Suspending' in WebAssembly;
  return `${engine} jspi=${stackSwitching ? 1 : 0} ${globalThis.navigator?.userAgent ?? ''}`;
}

function warn(what: string, error: unknown): void {
  console.warn(`[headrace] the engine snapshot could not be ${what} (Python boots without it): ${String(error)}`);
}

export class IndexedDbSnapshots implements SnapshotStore {
  private store: UseStore | null = null;

  private db(): UseStore {
    this.store ??= createStore('headrace-engine', 'snapshot');
    return this.store;
  }

  async load(key: string): Promise<Blob | null> {
    const kept = await this.kept();
    if (!kept) return null;
    if (kept.key === key) return kept.bytes;
    await this.drop(); // another build's or browser's: it can never be used
    return null;
  }

  async kept(): Promise<{ key: string; bytes: Blob } | null> {
    try {
      const kept = await get<Kept>(ENTRY, this.db());
      return kept && typeof kept.key === 'string' && kept.bytes instanceof Blob ? { key: kept.key, bytes: kept.bytes } : null;
    } catch (error) {
      warn('read', error);
      return null;
    }
  }

  async save(key: string, bytes: ArrayBuffer): Promise<void> {
    try {
      await set(ENTRY, { key, bytes: new Blob([bytes]), made: Date.now() } satisfies Kept, this.db());
    } catch (error) {
      warn('kept', error); // a full quota, say: the next boot makes one again
    }
  }

  async drop(): Promise<void> {
    try {
      await del(ENTRY, this.db());
    } catch (error) {
      warn('dropped', error);
    }
  }
}

/** A store for this page only (tests; pages that may not keep anything). */
export class MemorySnapshots implements SnapshotStore {
  private entry: { key: string; bytes: Blob } | null = null;

  load(key: string): Promise<Blob | null> {
    return Promise.resolve(this.entry?.key === key ? this.entry.bytes : null);
  }

  kept(): Promise<{ key: string; bytes: Blob } | null> {
    return Promise.resolve(this.entry);
  }

  save(key: string, bytes: ArrayBuffer): Promise<void> {
    this.entry = { key, bytes: new Blob([bytes]) };
    return Promise.resolve();
  }

  drop(): Promise<void> {
    this.entry = null;
    return Promise.resolve();
  }
}
