/**
 * Flows in IndexedDB (through idb-keyval): every flow ever opened, by tab key, plus the
 * session (which tabs are open, which one is active) so a reload restores them exactly.
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval';
import type { FlowDocument } from '@/protocol/flow';

export interface SavedFlow {
  key: string;
  doc: FlowDocument;
  savedAt: number;
}

export interface Session {
  open: string[];
  active: string | null;
}

const SESSION = 'session';

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

  save(key: string, doc: FlowDocument, savedAt = Date.now()): Promise<void> {
    const record: SavedFlow = { key, doc: JSON.parse(JSON.stringify(doc)) as FlowDocument, savedAt };
    return set(key, record, this.flows).then(() => this.changed());
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
