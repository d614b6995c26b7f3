/**
 * The studio's run history: every run of this browser kept in IndexedDB, in the exported-run
 * format the engine's SQLite history speaks (py/headrace/history.py, `ExportedRun`), so a
 * run exported from the studio opens with `headrace runs import` and one exported from the
 * command line opens here.
 *
 * Two object stores: `runs` holds each run's summary (small: the Runs panel lists these,
 * hundreds at a time) and `records` the rest (the flow it ran, its folded view, its sockets'
 * kept values), read when one run is opened or exported. Both are written in one
 * transaction, so a summary never lacks its record.
 *
 * Bounded: a run keeps what its sockets' rings kept (the keep-values setting), and the
 * history keeps the newest `MAX_RUNS` runs, evicting the oldest first; a full quota evicts
 * more and tries once again before it gives up (the caller says so; the run goes on).
 *
 * A run still `running` whose page is gone (closed, crashed, reloaded) is `interrupted`:
 * each studio page holds a Web Lock named after itself for its whole life, and a record
 * names the page that wrote it.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import {
  RUN_EXPORT_FORMAT,
  type ExportedRun,
  type ExportedRunSummary,
  type ExportedSocketValues,
  type RunState,
  type ViewData,
} from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';

/** The newest runs the studio keeps (older ones go as new ones start). */
export const MAX_RUNS = 200;

export const RUN_STATES: readonly RunState[] = ['running', 'success', 'failure', 'error', 'stopped', 'interrupted'];

/** A run as the Runs panel lists it: its summary, and the page that recorded it. */
export interface RunEntry extends ExportedRunSummary {
  /** The page (its Web Lock's name) that records it while it runs; null: imported. */
  owner: string | null;
}

interface RunRecord {
  id: string;
  source: string | null;
  flow: FlowDocument;
  view: ViewData | null;
  values: ExportedSocketValues[];
}

interface HistorySchema extends DBSchema {
  runs: { key: string; value: RunEntry; indexes: { by_start: number } };
  records: { key: string; value: RunRecord };
}

/** A run the history cannot keep or give: the message says why, in the user's words. */
export class RunHistoryError extends Error {
  constructor(
    message: string,
    /** The browser's storage is full even after evicting old runs. */
    readonly full = false,
  ) {
    super(message);
  }
}

/** What a checkpoint writes: the run's view now, its state, and (when read) its values. */
export interface Checkpoint {
  view: ViewData;
  state: RunState;
  message?: string | null;
  ended_at?: number | null;
  /** Every socket's kept values, replacing what the record held; omitted: unchanged. */
  values?: ExportedSocketValues[];
}

const LOCK_PREFIX = 'headrace-page:';
let pageOwner: string | null = null;

/**
 * This page's name as a recorder: a Web Lock held until the page goes, so that another page
 * (or this one, reloaded) can tell its running records from interrupted ones.
 */
export function thisPage(): string {
  if (pageOwner) return pageOwner;
  pageOwner = `${LOCK_PREFIX}${crypto.randomUUID()}`;
  // Never released: the browser frees it when the page goes.
  void navigator.locks?.request(pageOwner, () => new Promise<never>(() => undefined));
  return pageOwner;
}

/** The pages alive now (whose locks are held); null where the browser cannot say. */
async function livePages(): Promise<Set<string> | null> {
  if (!navigator.locks?.query) return null;
  const { held = [] } = await navigator.locks.query();
  return new Set(held.map((l) => l.name ?? '').filter((n) => n.startsWith(LOCK_PREFIX)));
}

/** `entry` as it stands: `interrupted` when it says `running` and the page recording it is gone. */
function asSeen(entry: RunEntry, live: Set<string> | null): RunEntry {
  if (entry.state !== 'running' || entry.owner === pageOwner) return entry;
  const gone = live === null || !entry.owner || !live.has(entry.owner);
  return gone ? { ...entry, state: 'interrupted' } : entry;
}

function isQuotaError(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'QuotaExceededError' || err.name === 'NS_ERROR_DOM_QUOTA_REACHED');
}

export class RunHistory {
  private db: Promise<IDBPDatabase<HistorySchema>> | null = null;
  private readonly channel: BroadcastChannel | null;
  private readonly listeners = new Set<() => void>();
  /** Records the last `list` skipped as damaged (not a run's summary): said, never shown. */
  skipped = 0;
  /** Called when a full quota made room by deleting the oldest runs (how many went). */
  onEvicted: ((count: number) => void) | null = null;

  constructor(
    private readonly name = 'headrace-runs',
    readonly maxRuns = MAX_RUNS,
  ) {
    // Other tabs' runs appear in this tab's list as they are recorded.
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`${name}-changes`);
    this.channel?.addEventListener('message', () => this.notify(false));
  }

  private open(): Promise<IDBPDatabase<HistorySchema>> {
    this.db ??= openDB<HistorySchema>(this.name, 1, {
      upgrade(db) {
        db.createObjectStore('runs', { keyPath: 'id' }).createIndex('by_start', 'started_at');
        db.createObjectStore('records', { keyPath: 'id' });
      },
    }).catch((err: unknown) => {
      this.db = null; // the next call tries again
      throw new RunHistoryError(`The run history cannot be opened: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.db;
  }

  /** Called after every change here or in another tab. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(broadcast = true): void {
    if (broadcast) this.channel?.postMessage('changed');
    for (const listener of this.listeners) listener();
  }

  /** Keep a run that starts now (a record of its flow, no values yet), evicting the oldest beyond `maxRuns`. */
  async begin(summary: ExportedRunSummary, flow: FlowDocument, source: string | null = null): Promise<void> {
    const entry: RunEntry = { ...summary, owner: thisPage() };
    await this.writing(async (db) => {
      const tx = db.transaction(['runs', 'records'], 'readwrite');
      await tx.objectStore('runs').put(entry);
      await tx.objectStore('records').put({ id: summary.id, source, flow, view: null, values: [] });
      await tx.done;
    });
    await this.evict(this.maxRuns);
    this.notify();
  }

  /** Write what a run holds now. A run deleted meanwhile stays deleted. */
  async checkpoint(id: string, point: Checkpoint): Promise<void> {
    const found = await this.writing(async (db) => {
      const tx = db.transaction(['runs', 'records'], 'readwrite');
      const runs = tx.objectStore('runs');
      const records = tx.objectStore('records');
      const [entry, record] = await Promise.all([runs.get(id), records.get(id)]);
      if (!entry || !record) {
        await tx.done;
        return false;
      }
      await runs.put({
        ...entry, state: point.state, message: point.message ?? null, ended_at: point.ended_at ?? null,
        emitted: point.view.emitted, errors: point.view.errors, unrouted_errors: point.view.unrouted_errors,
      });
      await records.put({ ...record, view: point.view, values: point.values ?? record.values });
      await tx.done;
      return true;
    });
    if (found) this.notify();
  }

  /** The runs kept, newest first; `flow`: only that flow's (by name), `state`: only those. */
  async list(filter: { flow?: string; state?: RunState } = {}): Promise<RunEntry[]> {
    const db = await this.open();
    const [all, live] = await Promise.all([db.getAllFromIndex('runs', 'by_start'), livePages()]);
    const out: RunEntry[] = [];
    this.skipped = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      if (!isEntry(all[i])) {
        this.skipped++; // damaged (another version's, or storage gone wrong): it must not break the list
        continue;
      }
      const entry = asSeen(all[i]!, live);
      if (filter.flow !== undefined && entry.flow_name !== filter.flow) continue;
      if (filter.state && entry.state !== filter.state) continue;
      out.push(entry);
    }
    return out;
  }

  /** A run's whole record as an exported run (to open, replay or download); undefined: not kept. */
  async get(id: string): Promise<ExportedRun | undefined> {
    const db = await this.open();
    const [entry, record, live] = await Promise.all([db.get('runs', id), db.get('records', id), livePages()]);
    if (!record || !entry || !isEntry(entry) || !isObject(record.flow) || !Array.isArray(record.values)) return undefined;
    const { owner: _owner, ...run } = asSeen(entry, live);
    return { headrace_run: RUN_EXPORT_FORMAT, run, source: record.source, flow: record.flow, view: record.view, values: record.values };
  }

  /** Keep a run exported here or by `headrace runs export`; its id. A live one reads as interrupted. */
  async import(document: unknown): Promise<string> {
    const exported = readExportedRun(document);
    const db = await this.open();
    if (await db.get('runs', exported.run.id)) throw new RunHistoryError(`This history already holds run ${exported.run.id}`);
    const { run } = exported;
    await this.writing(async (db) => {
      const tx = db.transaction(['runs', 'records'], 'readwrite');
      await tx.objectStore('runs').put({ ...run, owner: null, state: run.state === 'running' ? 'interrupted' : run.state });
      await tx.objectStore('records').put({ id: run.id, source: exported.source, flow: exported.flow, view: exported.view, values: exported.values });
      await tx.done;
    });
    await this.evict(this.maxRuns);
    this.notify();
    return run.id;
  }

  /** Forget runs; how many were kept. */
  async delete(ids: readonly string[]): Promise<number> {
    const db = await this.open();
    const tx = db.transaction(['runs', 'records'], 'readwrite');
    let gone = 0;
    for (const id of ids) {
      if (!(await tx.objectStore('runs').get(id))) continue;
      await tx.objectStore('runs').delete(id);
      await tx.objectStore('records').delete(id);
      gone++;
    }
    await tx.done;
    if (gone) this.notify();
    return gone;
  }

  /** Keep the newest `keep` runs; how many went. */
  private async evict(keep: number): Promise<number> {
    const db = await this.open();
    const tx = db.transaction(['runs', 'records'], 'readwrite');
    const count = await tx.objectStore('runs').count();
    let excess = count - keep;
    const evicted = Math.max(0, excess);
    let cursor = excess > 0 ? await tx.objectStore('runs').index('by_start').openCursor() : null;
    while (cursor && excess > 0) {
      await tx.objectStore('records').delete(cursor.primaryKey);
      await cursor.delete();
      excess--;
      cursor = await cursor.continue();
    }
    await tx.done;
    return evicted;
  }

  /** A write; on a full quota, the oldest half of the history goes and it is tried once more. */
  private async writing<T>(write: (db: IDBPDatabase<HistorySchema>) => Promise<T>): Promise<T> {
    const db = await this.open();
    try {
      return await write(db);
    } catch (err) {
      if (!isQuotaError(err)) throw err;
      const evicted = await this.evict(Math.floor((await db.count('runs')) / 2));
      if (evicted) this.onEvicted?.(evicted);
      try {
        return await write(db);
      } catch (again) {
        if (isQuotaError(again)) {
          throw new RunHistoryError("The browser's storage is full: runs are not being recorded. Delete old runs, or free space for this site.", true);
        }
        throw again;
      }
    }
  }
}

/** Whether a stored row is a run's summary the panel can show. */
function isEntry(value: unknown): value is RunEntry {
  if (!isObject(value)) return false;
  return typeof value.id === 'string' && typeof value.flow_name === 'string' && typeof value.trigger === 'string'
    && typeof value.started_at === 'number' && typeof value.emitted === 'number' && typeof value.errors === 'number'
    && RUN_STATES.includes(value.state as RunState);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `document` as an exported run, or an error naming what is wrong with it. */
export function readExportedRun(document: unknown): ExportedRun {
  const bad = (what: string) => new RunHistoryError(`Not a run this studio can open: ${what}`);
  if (!isObject(document) || !('headrace_run' in document)) {
    throw bad(isObject(document) && 'headrace' in document ? 'this is a flow, not a run (open it with Import)' : "no 'headrace_run' key");
  }
  if (document.headrace_run !== RUN_EXPORT_FORMAT) {
    throw bad(`an exported run of format ${JSON.stringify(document.headrace_run)}; this studio reads ${RUN_EXPORT_FORMAT}`);
  }
  const { run, flow, values = [] } = document;
  if (!isObject(run)) throw bad("'run' must be an object");
  if (!isObject(flow) || !Array.isArray(flow.nodes)) throw bad("'flow' must be a flow document");
  if (typeof run.id !== 'string' || !run.id) throw bad("the run's id must be a string");
  for (const name of ['flow_name', 'trigger'] as const) if (typeof run[name] !== 'string') throw bad(`the run's ${name} must be a string`);
  if (typeof run.started_at !== 'number') throw bad("the run's started_at must be a number of seconds");
  if (!RUN_STATES.includes(run.state as RunState)) throw bad(`the run's state ${JSON.stringify(run.state)} is none of ${RUN_STATES.join(', ')}`);
  if (!Array.isArray(values)) throw bad("'values' must be a list");
  for (const [i, v] of values.entries()) {
    const ok = isObject(v) && typeof v.node === 'string' && typeof v.socket === 'string' && Array.isArray(v.values)
      && v.values.every((x: unknown) => Array.isArray(x) && x.length === 3 && Number.isInteger(x[0]) && typeof x[2] === 'boolean');
    if (!ok) throw bad(`values[${i}] must be {node, socket, values: [[index, value, is_repr], …]}`);
  }
  return {
    headrace_run: RUN_EXPORT_FORMAT,
    run: {
      id: run.id, flow_name: run.flow_name as string, trigger: run.trigger as string,
      parent: typeof run.parent === 'string' ? run.parent : null,
      started_at: run.started_at, ended_at: typeof run.ended_at === 'number' ? run.ended_at : null,
      state: run.state as RunState, message: typeof run.message === 'string' ? run.message : null,
      emitted: Number(run.emitted) || 0, errors: Number(run.errors) || 0, unrouted_errors: Number(run.unrouted_errors) || 0,
    },
    source: typeof document.source === 'string' ? document.source : null,
    flow: flow as unknown as FlowDocument,
    view: isObject(document.view) ? (document.view as unknown as ViewData) : null,
    values: values as ExportedSocketValues[],
  };
}
