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

  constructor(dbName = 'headrace-studio') {
    this.flows = createStore(`${dbName}-flows`, 'flows');
    this.meta = createStore(`${dbName}-meta`, 'meta');
  }

  save(key: string, doc: FlowDocument, savedAt = Date.now()): Promise<void> {
    const record: SavedFlow = { key, doc: JSON.parse(JSON.stringify(doc)) as FlowDocument, savedAt };
    return set(key, record, this.flows);
  }

  load(key: string): Promise<SavedFlow | undefined> {
    return get<SavedFlow>(key, this.flows);
  }

  remove(key: string): Promise<void> {
    return del(key, this.flows);
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
