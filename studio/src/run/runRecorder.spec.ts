import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { RunHistory, RunHistoryError } from '@/persistence/runHistory';
import type { ValuesResult, ViewData } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { CHECKPOINT_MS, recordState, RunRecorder } from './runRecorder';

const flow: FlowDocument = { headrace: 1, name: 'Chain', nodes: [], edges: [] };
let n = 0;

function view(phase: ViewData['phase'], emitted = 0, extra: Partial<ViewData> = {}): ViewData {
  return {
    run: 'r', flow: 'Chain', phase, reason: null, message: null, emitted, errors: 0, unrouted_errors: 0,
    nodes: { src: { state: 'idle', functions: {}, sockets: { out: { count: emitted, last: null } }, console: [], console_dropped: 0, errors: 0, error_list: [], schedules: {} } },
    ...extra,
  };
}

function setup(history = new RunHistory(`recorder-spec-${n++}`)) {
  let clock = 1_000_000;
  const reads: string[] = [];
  const problems: string[] = [];
  const readValues = vi.fn(async (node: string, socket: string): Promise<{ ok: true; value: ValuesResult }> => {
    reads.push(`${node}.${socket}`);
    return { ok: true, value: { count: 2, first: 0, values: [{ index: 0, value: 1, repr: false, display: null }, { index: 1, value: 2, repr: false, display: null }] } };
  });
  const recorder = new RunRecorder({
    history, run: 'r', flow, trigger: 'run-flow', readValues, keepValues: 100,
    onProblem: (m) => problems.push(m), now: () => clock,
  });
  return { history, recorder, reads, problems, tick: (ms: number) => (clock += ms) };
}

describe('recording a run of the studio', () => {
  it('states as the engine reads them', () => {
    expect(recordState(view('running'))).toBe('running');
    expect(recordState(view('idle'))).toBe('success');
    expect(recordState(view('idle', 0, { unrouted_errors: 1 }))).toBe('failure');
    const scheduled = view('idle');
    scheduled.nodes.src!.schedules.out = { next_at: '2026-12-02T15:00:00Z', next_ms: 500, fires: 1, late_fires: 0, skipped: 0, last: null };
    expect(recordState(scheduled)).toBe('running'); // a schedule to fire: still going
    expect(recordState(view('stopped', 0, { reason: 'stopped' }))).toBe('stopped');
    expect(recordState(view('stopped', 0, { reason: 'finished' }))).toBe('success');
    expect(recordState(view('stopped', 0, { reason: 'failed' }))).toBe('error');
    expect(recordState(view('failed'))).toBe('error');
  });

  it('writes its start, then its values when it rests', async () => {
    const { history, recorder, reads } = setup();
    await recorder.begin();
    expect((await history.list())[0]).toMatchObject({ id: 'r', state: 'running', trigger: 'run-flow', flow_name: 'Chain' });
    await recorder.observe(view('running', 1));
    expect(reads).toEqual([]); // too soon, and not resting
    await recorder.observe(view('idle', 2));
    expect(reads).toEqual(['src.out']);
    const run = await history.get('r');
    expect(run?.run).toMatchObject({ state: 'success', emitted: 2 });
    expect(run?.run.ended_at).not.toBeNull();
    expect(run?.values).toEqual([{ node: 'src', socket: 'out', values: [[0, 1, false], [1, 2, false]] }]);
    expect(run?.view).not.toHaveProperty('messages');
  });

  it('a run stopped while it rested with its work done keeps how it ended; one stopped at work is stopped', async () => {
    const { history, recorder, tick } = setup();
    await recorder.begin();
    await recorder.observe(view('running', 1));
    await recorder.observe(view('idle', 2, { unrouted_errors: 1 }));
    const restedAt = (await history.list())[0]?.ended_at;
    tick(60_000);
    await recorder.observe(view('stopped', 2, { reason: 'stopped', unrouted_errors: 1 }));
    expect((await history.list())[0]).toMatchObject({ state: 'failure', ended_at: restedAt });
    // ▶ into the same run, then Stop while it works: cut short.
    await recorder.observe(view('running', 3));
    await recorder.flush(view('stopped', 3, { reason: 'stopped' }));
    expect((await history.list())[0]?.state).toBe('stopped');
  });

  it('a busy run is written once an interval, without reading values', async () => {
    const { history, recorder, reads, tick } = setup();
    await recorder.begin();
    const write = vi.spyOn(history, 'checkpoint');
    for (let i = 0; i < 100; i++) {
      tick(50);
      await recorder.observe(view('running', i));
    }
    // 5 s of events: a write each CHECKPOINT_MS.
    expect(write.mock.calls.length).toBe(Math.floor(5000 / CHECKPOINT_MS));
    expect(reads).toEqual([]);
    expect((await history.list())[0]?.state).toBe('running');
  });

  it('writes behind one in flight are coalesced: the newest view wins', async () => {
    const { history, recorder } = setup();
    await recorder.begin();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const real = history.checkpoint.bind(history);
    const write = vi.spyOn(history, 'checkpoint').mockImplementationOnce(async (...args) => { await gate; return real(...args); });
    const first = recorder.flush(view('running', 1));
    await vi.waitFor(() => expect(write).toHaveBeenCalledTimes(1)); // in flight, held at the gate
    void recorder.flush(view('running', 2));
    const last = recorder.flush(view('running', 3));
    release();
    await Promise.all([first, last]);
    expect(write.mock.calls.map((c) => c[1].view.emitted)).toEqual([1, 3]);
    expect((await history.list())[0]?.emitted).toBe(3);
  });

  it('a history it cannot write is said once, and the run goes on unrecorded', async () => {
    const { history, recorder, problems } = setup();
    vi.spyOn(history, 'begin').mockRejectedValue(new RunHistoryError("The browser's storage is full", true));
    const write = vi.spyOn(history, 'checkpoint');
    await recorder.begin();
    await recorder.observe(view('idle', 1));
    await recorder.flush(view('stopped', 1));
    expect(problems).toEqual(["The browser's storage is full"]);
    expect(write).not.toHaveBeenCalled();
  });
});
