import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import { HOST, type Host } from '@/app/host';
import { emptyFlow } from '@/flow/model';
import type { Result } from '@/protocol/bridge';
import { TERMINAL_RUN_PHASES, type EngineEvent, type NodeView, type RunRecord } from '@/protocol/events';
import type { HttpRunner } from '@/runner/http/HttpRunner';
import type { Following } from '@/runner/Runner';
import { FakeRunner } from './testing/fakeRunner';
import { useBackendStore, type Connection } from './backend';
import { useEngineStore } from './engine';
import { useFlowsStore } from './flows';
import { EMIT_LIMIT, useRunStore } from './run';
import { useSettingsStore } from './settings';

/** A backend runner: the fake, answering `follow` from a run record as the HttpRunner does. */
class FakeBackend extends FakeRunner {
  readonly attached: string[] = [];
  info: Result<RunRecord> = { ok: false, error: { type: 'BackendError', message: 'no such run', status: 404 } };
  constructor() {
    super('http');
    this.handlers.run = () => ({ ok: true, value: { run: `srv-${this.callsOf('run').length}` } });
  }
  override async follow(run: string): Promise<Result<Following>> {
    if (!this.info.ok) return this.info;
    if (TERMINAL_RUN_PHASES.includes(this.info.value.phase)) return { ok: true, value: 'over' };
    this.attached.push(run);
    return { ok: true, value: 'live' };
  }
}

const frame = () => new Promise((resolve) => setTimeout(resolve, 120));

function socketView(count: number): NodeView {
  return {
    state: 'idle', functions: {}, sockets: { value: { count, last: { text: String(count), repr: false, truncated: false } } },
    console_from: 0, console: [], console_dropped: 0, errors: 0, last_error: null, schedules: null,
  };
}

const started = (run: string): EngineEvent => ({ event: 'run_started', run, flow: 'f', nodes: 1 });
const viewed = (run: string, count: number): EngineEvent => ({
  event: 'view', run, phase: 'running', emitted: count, errors: 0, unrouted_errors: 0, nodes: { n: socketView(count) },
});
const emitted = (run: string, seq: number): EngineEvent => ({ event: 'emit', run, node: 'n', socket: 'value', value: seq, repr: false, seq });
const idle = (run: string, count: number): EngineEvent => ({ event: 'run_idle', run, emitted: count, errors: 0, unrouted_errors: 0, elapsed_ms: 5 });

describe('run store', () => {
  let events: EventTarget;
  let engineRunner: FakeRunner;
  let backendRunner: FakeBackend;
  let connect: (c: Connection) => void;
  let heard: { name: string; detail: Record<string, unknown> }[];

  /** Fresh stores in an app that provides `host` (so the window is left alone). */
  async function setUp(host: Partial<Host> = {}, boot = true): Promise<void> {
    const pinia = createPinia();
    const app = createApp({});
    events = new EventTarget();
    heard = [];
    for (const name of ['headrace:emit', 'headrace:idle', 'headrace:error']) {
      events.addEventListener(name, (e) => heard.push({ name, detail: (e as CustomEvent).detail }));
    }
    app.provide(HOST, { events, runtimeBase: 'http://studio.test/', persistSettings: false, engineReady: () => undefined, ...host });
    app.use(pinia);
    setActivePinia(pinia);
    engineRunner = new FakeRunner();
    backendRunner = new FakeBackend();
    if (boot) await useEngineStore().boot(engineRunner);
    const backend = useBackendStore();
    vi.spyOn(backend, 'runner').mockReturnValue(backendRunner as unknown as HttpRunner);
    vi.spyOn(backend, 'onConnection').mockImplementation((listener) => {
      connect = listener;
      return () => undefined;
    });
  }

  function openFlow(name = 'A', key?: string): string {
    const flows = useFlowsStore();
    const doc = emptyFlow(name);
    doc.nodes.push({ id: 'n', type: 'data', name: 'N', code: 'value = 1\n' });
    return flows.openDocument(doc, key);
  }

  beforeEach(async () => {
    localStorage.clear();
    await setUp();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    localStorage.clear();
  });

  it('runs the active flow in the browser engine, from a snapshot of it', async () => {
    openFlow();
    const run = useRunStore();
    const id = await run.runFlow();
    expect(id).toMatch(/^run-/);
    const [args] = engineRunner.callsOf('run');
    expect(args).toMatchObject({ run: id, trigger: 'sources', report: 'view', emit_limit: EMIT_LIMIT });
    expect((args!.flow as { name: string }).name).toBe('A');
    // Later edits do not reach the flow the run was given.
    useFlowsStore().rename(useFlowsStore().activeKey!, 'B');
    expect((args!.flow as { name: string }).name).toBe('A');
    await frame();
    expect(run.phase).toBe('starting');
    expect(run.target).toBe('browser');
  });

  it('does not run while Python is still loading', async () => {
    await setUp({}, false);
    openFlow();
    expect(await useRunStore().runFlow()).toBeNull();
    expect(engineRunner.calls).toEqual([]);
  });

  it('folds the events of a batch into the view, shown once per frame', async () => {
    openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    await frame();
    const before = run.version;
    engineRunner.push([started(id), viewed(id, 3)]);
    engineRunner.push([viewed(id, 5)]);
    await frame();
    expect(run.version).toBe(before + 1);
    expect(run.phase).toBe('running');
    expect(run.alive).toBe(true);
    expect(run.busy).toBe(true);
    expect(run.view.emitted).toBe(5);
    expect(run.view.nodes.n!.sockets.value!.count).toBe(5);
    engineRunner.push([idle(id, 5)]);
    await frame();
    expect(run.phase).toBe('idle');
    expect(run.busy).toBe(false);
    expect(run.view.messages.map((m) => m.text).join('\n')).toMatch(/Run started[\s\S]*Idle: 5 value/);
  });

  it('stops the previous run of a flow it runs again, and ignores that run\'s events and unknown runs', async () => {
    openFlow();
    const run = useRunStore();
    const first = (await run.runFlow())!;
    const second = (await run.runFlow())!;
    expect(engineRunner.callsOf('stop')).toEqual([{ run: first }]);
    engineRunner.push([started(second), viewed(first, 9), viewed('elsewhere', 7), viewed(second, 2)]);
    await frame();
    expect(run.view.run).toBe(second);
    expect(run.view.emitted).toBe(2);
  });

  it('keeps a session per flow: another tab shows its own (none yet)', async () => {
    const a = openFlow('A');
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id)]);
    await frame();
    const b = openFlow('B');
    await frame();
    expect(run.phase).toBe('none');
    expect(run.session).toBeNull();
    engineRunner.push([viewed(id, 4)]);
    useFlowsStore().activate(a);
    await frame();
    expect(run.phase).toBe('running');
    expect(run.view.emitted).toBe(4);
    useFlowsStore().activate(b);
    await run.runFlow();
    expect(engineRunner.callsOf('stop')).toEqual([]); // B's run leaves A's alone
  });

  it('dispatches window events for values, errors and idles', async () => {
    openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id), emitted(id, 1), emitted(id, 2)]);
    engineRunner.push([
      { event: 'node_error', run: id, node: 'n', index: 1, socket: null, type: 'ValueError', message: 'bad', traceback: '', routed: false },
      idle(id, 2),
    ]);
    expect(heard.map((h) => h.name)).toEqual(['headrace:emit', 'headrace:emit', 'headrace:error', 'headrace:idle']);
    expect(heard[0]!.detail).toMatchObject({ node: 'n', socket: 'value', value: 1, seq: 1, run: id });
  });

  it('stops the active flow\'s run', async () => {
    openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id)]);
    await run.stop();
    expect(engineRunner.callsOf('stop')).toEqual([{ run: id }]);
    await frame();
    expect(run.phase).toBe('stopped');
    expect(run.alive).toBe(false);
    await run.stop();
    expect(engineRunner.callsOf('stop')).toHaveLength(1); // nothing left to stop
  });

  it('says why a flow cannot run, and shows no live run', async () => {
    openFlow();
    engineRunner.handlers.run = () => ({ ok: false, error: { type: 'FlowError', message: 'node n: no such thing' } });
    const run = useRunStore();
    expect(await run.runFlow()).toBeNull();
    await frame();
    expect(run.phase).toBe('failed');
    expect(run.view.messages.at(-1)?.text).toContain('FlowError: ');
  });

  it('installs requirements one by one before the run, and does not run when one fails', async () => {
    const key = openFlow();
    useFlowsStore().edit('Requirements', (d) => void (d.requirements = ['six', 'nope']));
    engineRunner.handlers.install = (args: { requirements: string[] }) =>
      args.requirements[0] === 'nope'
        ? { ok: false, error: { type: 'RequirementError', message: 'not found', problem: 'not_found' } }
        : { ok: true, value: { installed: args.requirements } };
    const run = useRunStore();
    expect(await run.runFlow()).toBeNull();
    expect(engineRunner.callsOf('install').map((a) => a.requirements)).toEqual([['six'], ['nope']]);
    expect(engineRunner.callsOf('run')).toEqual([]);
    await frame();
    expect(useFlowsStore().activeKey).toBe(key);
    expect(run.phase).toBe('failed');
    expect(run.view.messages.map((m) => m.text)).toEqual(['Installing six… done', 'Installing nope… failed: not found']);
  });

  it('runs a node in the live run, or in a fresh run once the flow changed', async () => {
    openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id)]);
    await run.runNode('n', 'value');
    expect(engineRunner.callsOf('trigger')).toEqual([{ run: id, node: 'n', socket: 'value' }]);
    useFlowsStore().setCode('n', 'value = 2\n');
    await run.runNode('n');
    const runs = engineRunner.callsOf('run');
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ trigger: 'none' });
    expect(engineRunner.callsOf('trigger')[1]).toEqual({ run: runs[1]!.run, node: 'n' });
  });

  it('stops the browser run of a closed tab, and forgets its session', async () => {
    const key = openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id)]);
    useFlowsStore().close(key);
    await frame();
    expect(engineRunner.callsOf('stop')).toEqual([{ run: id }]);
    expect(run.session).toBeNull();
    engineRunner.push([viewed(id, 3)]); // late events of the closed tab's run go nowhere
    expect(heard).toEqual([]);
  });

  it('lets a closed tab\'s backend run go on: it stops following it, without stopping it', async () => {
    useSettingsStore().settings.runTarget = 'backend';
    const key = openFlow();
    const run = useRunStore();
    const id = await run.runFlow();
    expect(id).toBe('srv-1'); // the server names its runs
    useFlowsStore().close(key);
    await frame();
    expect(backendRunner.callsOf('stop')).toEqual([]);
    expect(backendRunner.detached).toEqual(['srv-1']);
  });

  it('reads a page of a socket\'s kept values from the run', async () => {
    openFlow();
    const run = useRunStore();
    expect((await run.readValues('n', 'value')).ok).toBe(false);
    engineRunner.handlers.values = () => ({ ok: true, value: { count: 1, first: 0, values: [] } });
    const id = await run.runFlow();
    expect(await run.readValues('n', 'value', 10, 5)).toEqual({ ok: true, value: { count: 1, first: 0, values: [] } });
    expect(engineRunner.callsOf('values')).toEqual([{ run: id, node: 'n', socket: 'value', offset: 10, limit: 5 }]);
  });

  it('lists the values a run told in its debug list, which pauses and clears; messages clear', async () => {
    openFlow();
    const run = useRunStore();
    const id = (await run.runFlow())!;
    engineRunner.push([started(id), viewed(id, 1)]);
    await frame();
    expect(run.session!.debug.entries.map((e) => e.kind)).toEqual(['value']);
    run.pauseDebug(true);
    engineRunner.push([viewed(id, 2)]);
    expect(run.session!.debug.entries).toHaveLength(1);
    expect(run.session!.debug.missed).toBe(1);
    run.pauseDebug(false);
    run.clearDebug();
    expect(run.session!.debug.entries).toEqual([]);
    expect(run.view.messages.length).toBeGreaterThan(0);
    run.clearMessages();
    await frame();
    expect(run.view.messages).toEqual([]);
  });

  describe('on a backend', () => {
    beforeEach(async () => {
      await setUp({ persistSettings: true });
      useSettingsStore().settings.runTarget = 'backend';
    });

    const rememberedRuns = () => JSON.parse(localStorage.getItem('headrace.backend-runs') ?? '{}') as Record<string, { run: string }>;

    it('remembers the tab\'s live run where a reloaded studio finds it, until it ends', async () => {
      const key = openFlow();
      const run = useRunStore();
      const id = (await run.runFlow())!;
      expect(rememberedRuns()[key]).toEqual({ run: id, url: useBackendStore().url() });
      expect(useSettingsStore().settings).not.toHaveProperty('backendRuns');
      backendRunner.push([started(id), { event: 'run_stopped', run: id, reason: 'stopped', message: null }]);
      expect(rememberedRuns()[key]).toBeUndefined();
    });

    it('re-attaches a reopened tab to its live run, and sends each window event once across the replay', async () => {
      localStorage.setItem('headrace.backend-runs', JSON.stringify({ 'f-live': { run: 'srv-9', url: useBackendStore().url() } }));
      backendRunner.info = { ok: true, value: { run: 'srv-9', flow: 'A', state: 'running', phase: 'running', reason: null, message: null, started: '2026-12-02T00:00:00+00:00', stopped: null, emitted: 0, errors: 0, unrouted_errors: 0, viewers: 1 } };
      openFlow('A', 'f-live');
      const run = useRunStore();
      await vi.waitFor(() => expect(backendRunner.attached).toEqual(['srv-9']));
      connect({ state: 'attached', run: 'srv-9', reattach: false });
      backendRunner.push([started('srv-9'), emitted('srv-9', 1), emitted('srv-9', 2), viewed('srv-9', 2)]);
      expect(heard.filter((h) => h.name === 'headrace:emit')).toHaveLength(2);

      // The connection drops and comes back: the server replays the run from its start.
      connect({ state: 'lost', run: 'srv-9', message: 'gone', retryInMs: 1000 });
      await frame();
      expect(run.connectionNote).toContain('reconnecting');
      connect({ state: 'attached', run: 'srv-9', reattach: true });
      backendRunner.push([started('srv-9'), emitted('srv-9', 1), emitted('srv-9', 2), emitted('srv-9', 3), viewed('srv-9', 3)]);
      await frame();
      expect(heard.filter((h) => h.name === 'headrace:emit').map((h) => h.detail.seq)).toEqual([1, 2, 3]);
      // The replay is folded into a fresh view: counts are the run's, not doubled.
      expect(run.view.emitted).toBe(3);
      expect(run.connectionNote).toBeNull();
      expect(run.view.messages.some((m) => m.text.includes('Reconnected to the backend'))).toBe(true);
    });

    it('forgets a remembered run the backend no longer has', async () => {
      localStorage.setItem('headrace.backend-runs', JSON.stringify({ 'f-gone': { run: 'srv-3', url: useBackendStore().url() } }));
      openFlow('A', 'f-gone');
      useRunStore();
      await vi.waitFor(() => expect(rememberedRuns()['f-gone']).toBeUndefined());
      expect(backendRunner.attached).toEqual([]);
    });

    it('stops a run whose events connection is down, and says the run cannot be shown when it fails', async () => {
      openFlow();
      const run = useRunStore();
      const id = (await run.runFlow())!;
      backendRunner.handlers.stop = () => ({ ok: true, value: {} }); // no run_stopped reaches us
      backendRunner.push([started(id)]);
      connect({ state: 'lost', run: id, message: 'offline', retryInMs: 500 });
      await run.stop();
      await frame();
      expect(run.phase).toBe('stopped');
      expect(run.connectionNote).toBeNull();
      const again = (await run.runFlow())!;
      connect({ state: 'failed', run: again, message: 'the token was refused' });
      await frame();
      expect(run.phase).toBe('failed');
      expect(run.view.messages.at(-1)?.text).toBe('Backend: the token was refused');
    });

    it('ends the shown run when the backend says it ended', async () => {
      const key = openFlow();
      const run = useRunStore();
      const id = (await run.runFlow())!;
      backendRunner.push([started(id)]);
      connect({ state: 'ended', run: id, message: 'the backend no longer has this run' });
      await frame();
      expect(run.phase).toBe('stopped');
      expect(rememberedRuns()[key]).toBeUndefined();
    });
  });
});
