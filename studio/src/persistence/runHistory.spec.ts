import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExportedRunSummary, ViewData } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { readExportedRun, RunHistory, RunHistoryError, thisPage } from './runHistory';

let dbs = 0;
function fresh(maxRuns = 200): RunHistory {
  return new RunHistory(`runs-spec-${dbs++}`, maxRuns);
}

const flow: FlowDocument = { headrace: 1, name: 'Join', nodes: [{ id: 'a', type: 'data', name: 'A', code: 'x = 1' }], edges: [] };

function summary(id: string, started: number, extra: Partial<ExportedRunSummary> = {}): ExportedRunSummary {
  return {
    id, flow_name: 'Join', trigger: 'run-flow', parent: null, started_at: started, ended_at: null,
    state: 'running', message: null, emitted: 0, errors: 0, unrouted_errors: 0, ...extra,
  };
}

function view(emitted: number, phase: ViewData['phase'] = 'idle'): ViewData {
  return { run: 'r', flow: 'Join', phase, reason: null, message: null, emitted, errors: 0, unrouted_errors: 0, nodes: {} };
}

describe('the run history in IndexedDB', () => {
  afterEach(() => vi.restoreAllMocks());

  it('keeps a run from its start to its end, with its view and values', async () => {
    const h = fresh();
    await h.begin(summary('r1', 100), flow);
    expect((await h.list()).map((e) => [e.id, e.state])).toEqual([['r1', 'running']]);
    await h.checkpoint('r1', { view: view(3), state: 'success', ended_at: 101, values: [{ node: 'a', socket: 'x', values: [[0, 1, false], [1, '<X>', true]] }] });
    const [entry] = await h.list();
    expect(entry).toMatchObject({ id: 'r1', state: 'success', ended_at: 101, emitted: 3 });
    const run = await h.get('r1');
    expect(run?.flow).toEqual(flow);
    expect(run?.view?.emitted).toBe(3);
    expect(run?.values[0]?.values).toEqual([[0, 1, false], [1, '<X>', true]]);
  });

  it('a checkpoint without values keeps the values written before', async () => {
    const h = fresh();
    await h.begin(summary('r1', 100), flow);
    await h.checkpoint('r1', { view: view(1), state: 'running', values: [{ node: 'a', socket: 'x', values: [[0, 1, false]] }] });
    await h.checkpoint('r1', { view: view(2), state: 'running' });
    expect((await h.get('r1'))?.values).toHaveLength(1);
  });

  it('lists newest first, by flow and by state', async () => {
    const h = fresh();
    await h.begin(summary('old', 100), flow);
    await h.begin(summary('new', 200, { flow_name: 'Other' }), { ...flow, name: 'Other' });
    await h.checkpoint('old', { view: view(1), state: 'failure' });
    expect((await h.list()).map((e) => e.id)).toEqual(['new', 'old']);
    expect((await h.list({ flow: 'Join' })).map((e) => e.id)).toEqual(['old']);
    expect((await h.list({ state: 'failure' })).map((e) => e.id)).toEqual(['old']);
  });

  it('keeps the newest runs only, evicting the oldest first', async () => {
    const h = fresh(3);
    for (let i = 0; i < 5; i++) await h.begin(summary(`r${i}`, 100 + i), flow);
    expect((await h.list()).map((e) => e.id)).toEqual(['r4', 'r3', 'r2']);
    expect(await h.get('r0')).toBeUndefined();
  });

  it('a running run whose page is gone reads as interrupted; this page’s own as running', async () => {
    const h = fresh();
    await h.begin(summary('mine', 100), flow);
    // Another page wrote this one, and no lock of its name is held any more.
    await h.import({ headrace_run: 1, run: summary('theirs', 50, { state: 'stopped' }), source: null, flow, view: null, values: [] });
    const db = await (h as unknown as { open(): Promise<{ put(s: string, v: unknown): Promise<unknown> }> }).open();
    await db.put('runs', { ...summary('gone', 60), owner: 'headrace-page:closed-tab' });
    const states = Object.fromEntries((await h.list()).map((e) => [e.id, e.state]));
    expect(states).toEqual({ mine: 'running', theirs: 'stopped', gone: 'interrupted' });
    expect((await h.get('gone'))).toBeUndefined(); // no record: not half a run
    expect(thisPage()).toMatch(/^headrace-page:/);
  });

  it('imports a run exported elsewhere; a live one as interrupted, a second time refused', async () => {
    const h = fresh();
    const doc = { headrace_run: 1, run: summary('cli-run', 10, { trigger: 'cli' }), source: '/tmp/f.json', flow, view: view(2), values: [] };
    expect(await h.import(doc)).toBe('cli-run');
    expect((await h.get('cli-run'))?.run.state).toBe('interrupted');
    await expect(h.import(doc)).rejects.toThrow('already holds run cli-run');
  });

  it('deletes runs, records and all', async () => {
    const h = fresh();
    await h.begin(summary('a', 1), flow);
    await h.begin(summary('b', 2), flow);
    expect(await h.delete(['a', 'nope'])).toBe(1);
    expect((await h.list()).map((e) => e.id)).toEqual(['b']);
    expect(await h.get('a')).toBeUndefined();
  });

  it('tells its listeners of each change', async () => {
    const h = fresh();
    const seen = vi.fn();
    h.onChange(seen);
    await h.begin(summary('a', 1), flow);
    await h.checkpoint('a', { view: view(1), state: 'success' });
    await h.delete(['a']);
    expect(seen).toHaveBeenCalledTimes(3);
  });

  it('a damaged record is skipped and counted, never breaking the list or an open', async () => {
    const h = fresh();
    await h.begin(summary('good', 2), flow);
    const db = await (h as unknown as { open(): Promise<{ put(s: string, v: unknown): Promise<unknown> }> }).open();
    await db.put('runs', { id: 'bad', flow_name: 'Join', started_at: 'yesterday' });
    await db.put('records', { id: 'bad', flow: null, values: 3 });
    expect((await h.list()).map((e) => e.id)).toEqual(['good']);
    expect(h.skipped).toBe(1);
    expect(await h.get('bad')).toBeUndefined();
  });

  it('a full quota evicts the oldest half and tries again; still full, it says so', async () => {
    const h = fresh();
    const evicted = vi.fn();
    h.onEvicted = evicted;
    for (let i = 0; i < 4; i++) await h.begin(summary(`r${i}`, i), flow);
    const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const put = vi.spyOn(IDBObjectStore.prototype, 'put');
    put.mockImplementationOnce(() => { throw quota(); });
    await h.checkpoint('r3', { view: view(5), state: 'success' });
    expect((await h.list()).map((e) => e.id)).toEqual(['r3', 'r2']);
    expect((await h.list())[0]?.emitted).toBe(5);
    expect(evicted).toHaveBeenCalledWith(2);
    put.mockImplementation(() => { throw quota(); });
    const err = await h.checkpoint('r3', { view: view(6), state: 'success' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunHistoryError);
    expect((err as RunHistoryError).full).toBe(true);
    expect((err as Error).message).toContain('storage is full');
  });
});

describe('reading an exported run', () => {
  const good = { headrace_run: 1, run: summary('x', 1, { state: 'success' }), source: null, flow, view: null, values: [] };

  it('takes one the engine exported', () => {
    expect(readExportedRun(good).run.id).toBe('x');
  });

  it.each([
    [[], "no 'headrace_run' key"],
    [flow, 'this is a flow, not a run'],
    [{ ...good, headrace_run: 2 }, 'format 2; this studio reads 1'],
    [{ ...good, run: 'x' }, "'run' must be an object"],
    [{ ...good, flow: {} }, "'flow' must be a flow document"],
    [{ ...good, run: { ...good.run, id: '' } }, "the run's id must be a string"],
    [{ ...good, run: { ...good.run, started_at: 'noon' } }, 'started_at must be a number'],
    [{ ...good, run: { ...good.run, state: 'great' } }, 'state "great" is none of running'],
    [{ ...good, values: [{ node: 'a', socket: 'x', values: [[0, 1]] }] }, 'values[0] must be'],
  ])('refuses %j, saying why', (doc, why) => {
    expect(() => readExportedRun(doc)).toThrow(why);
  });
});
