/**
 * Flows in IndexedDB (through idb-keyval): every flow ever opened, by tab key, plus the
 * session (which tabs are open, which one is active) so a reload restores them exactly.
 *
 * Each record carries a version, bumped by every write, and the version before it:
 * - a write names the version it was based on, and is refused if the stored one moved on
 *   (another tab saved the same flow): the user chooses, nothing is overwritten silently;
 * - a record whose latest document cannot be read falls back to the previous one.
 * A write resolves only once its IndexedDB transaction has committed.
 */
import { createStore, del, entries, get, set, update, type UseStore } from 'idb-keyval';
import type { FlowDocument } from '@/protocol/flow';

export interface SavedVersion {
  doc: FlowDocument;
  savedAt: number;
  version: number;
}

export interface SavedFlow extends SavedVersion {
  key: string;
  /** The tab that wrote it. */
  writer?: string;
  /** What this write replaced (a fallback if `doc` turns out unreadable). */
  previous?: SavedVersion;
}

export interface Session {
  open: string[];
  active: string | null;
}

export type SaveResult =
  | { ok: true; version: number }
  | { ok: false; reason: 'conflict'; stored: SavedFlow }
  | { ok: false; reason: 'quota' | 'failed'; message: string };

export interface SaveOptions {
  /** The stored version this document was based on; omitted: overwrite whatever is there. */
  base?: number;
  savedAt?: number;
  writer?: string;
}

const SESSION = 'session';

/** Whether `doc` has the shape every part of the studio relies on (the engine checks the rest). */
export function isReadableFlow(doc: unknown): doc is FlowDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as Record<string, unknown>;
  return (
    d.headrace === 1 &&
    typeof d.name === 'string' &&
    Array.isArray(d.nodes) &&
    Array.isArray(d.edges) &&
    d.nodes.every((n) => typeof n === 'object' && n !== null && typeof (n as { id?: unknown }).id === 'string' && typeof (n as { code?: unknown }).code === 'string')
  );
}

/** The readable version of a record: its latest, else the one before (and whether it fell back). */
export function readableVersion(record: SavedFlow): { version: SavedVersion; fellBack: boolean } | null {
  if (isReadableFlow(record.doc)) return { version: record, fellBack: false };
  if (record.previous && isReadableFlow(record.previous.doc)) return { version: record.previous, fellBack: true };
  return null;
}

function failure(error: unknown): SaveResult {
  const name = (error as { name?: string } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  return name === 'QuotaExceededError'
    ? { ok: false, reason: 'quota', message: 'the browser storage for this site is full' }
    : { ok: false, reason: 'failed', message };
}

export class FlowStorage {
  private readonly flows: UseStore;
  private readonly meta: UseStore;
  private readonly listeners = new Set<() => void>();

  /** Called after every write or delete (the saved-flows list refreshes on it). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  constructor(dbName = 'headrace-studio') {
    this.flows = createStore(`${dbName}-flows`, 'flows');
    this.meta = createStore(`${dbName}-meta`, 'meta');
  }

  /** Write `doc` (read, check the version and write in one transaction); resolves after commit. */
  async save(key: string, doc: FlowDocument, options: SaveOptions = {}): Promise<SaveResult> {
    const copy = JSON.parse(JSON.stringify(doc)) as FlowDocument;
    let outcome: SaveResult | null = null;
    try {
      await update<SavedFlow>(
        key,
        (stored) => {
          if (stored && options.base !== undefined && (stored.version ?? 0) !== options.base) {
            outcome = { ok: false, reason: 'conflict', stored };
            return stored;
          }
          const version = (stored?.version ?? 0) + 1;
          outcome = { ok: true, version };
          return {
            key,
            doc: copy,
            savedAt: options.savedAt ?? Date.now(),
            version,
            writer: options.writer,
            previous: stored && isReadableFlow(stored.doc) ? { doc: stored.doc, savedAt: stored.savedAt, version: stored.version ?? 0 } : stored?.previous,
          };
        },
        this.flows,
      );
    } catch (error) {
      return failure(error);
    }
    const result = outcome ?? failure(new Error('the write did not happen'));
    if (result.ok) this.changed();
    return result;
  }

  load(key: string): Promise<SavedFlow | undefined> {
    return get<SavedFlow>(key, this.flows);
  }

  remove(key: string): Promise<void> {
    return del(key, this.flows).then(() => this.changed());
  }

  /** All saved flows, newest first. */
  async list(): Promise<SavedFlow[]> {
    const all = await entries<string, SavedFlow>(this.flows);
    return all.map(([, record]) => record).sort((a, b) => b.savedAt - a.savedAt);
  }

  saveSession(session: Session): Promise<void> {
    return set(SESSION, session, this.meta);
  }

  async loadSession(): Promise<Session | undefined> {
    return get<Session>(SESSION, this.meta);
  }
}
