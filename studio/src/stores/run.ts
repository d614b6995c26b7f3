/**
 * Running flows: Run Flow, a node's ▶, Stop, and what each run shows. Every open flow (tab)
 * has its own session — its run, its view, its messages, its debug list — so a new tab, an
 * imported flow or a node added after a run starts idle, and two tabs can run at once.
 *
 * A run goes to the target in settings: the in-browser engine (the engine store's Runner)
 * or a backend (the backend store's HttpRunner). Both report the run's view stream, folded
 * by run/runView.ts. Views are mutated in place outside Vue's reactivity; components see a
 * change once per animation frame (`view` is triggered), however many batches arrived in it.
 * Beside it, in stores/run/: installing requirements, and following a backend connection.
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, triggerRef, watch } from 'vue';
import { useHost } from '@/app/host';
import { notice } from '@/app/notices';
import { BackendRunMemory, browserStorage } from '@/persistence/backendRuns';
import { nameFlowError, type NamedFlowError } from '@/flow/errorText';
import { hasActiveSchedules } from '@/flow/schedule';
import type { Result } from '@/protocol/bridge';
import type { EngineEvent, ExportedRun, RunPhase, ValuesResult } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { RecordedRunner } from '@/runner/recorded/RecordedRunner';
import type { Runner } from '@/runner/Runner';
import { DebugLog } from '@/run/debugLog';
import { ReplayFilter } from '@/run/replayFilter';
import { runnableKey } from '@/run/runnable';
import type { RunRecorder } from '@/run/runRecorder';
import { addMessage, applyEvents, emptyView, isOver, type RunView } from '@/run/runView';
import { acquireScheduleLock, type ScheduleLock } from '@/run/scheduleLock';
import { dispatchWindowEvents, leftOut, type LeftOut } from '@/run/windowEvents';
import { useBackendStore, type Connection } from './backend';
import { useEngineStore } from './engine';
import { useFlowsStore } from './flows';
import { useRunsStore } from './runs';
import { followConnection } from './run/backendConnection';
import { installMessages, requirementIndexUrls } from './run/install';
import { SCHEDULES_ELSEWHERE } from './run/schedulesElsewhere';
import { useSettingsStore } from './settings';

export { SCHEDULES_ELSEWHERE } from './run/schedulesElsewhere';
export { wheelhouseIndexUrl } from './run/install';
/** Values per socket (and errors per node) that also go out as headrace:emit / headrace:error. */
export const EMIT_LIMIT = 1000;

/** One flow's run, and everything the studio shows of it. */
export interface RunSession {
  key: string;
  view: RunView;
  target: 'browser' | 'backend';
  runner: Runner;
  /** The flow as the run started: what it runs. */
  flow: FlowDocument;
  debug: DebugLog;
  /** Another tab holds this flow's schedules: this run fires none. */
  schedulesElsewhere: boolean;
  /** A backend run whose events connection is down (we are reconnecting). */
  connectionNote: string | null;
  lock: ScheduleLock | null;
  replay: ReplayFilter;
  lostNotified: boolean;
  leftOut: LeftOut | null;
  /** The requirement being installed now (the toolbar's run status names it). */
  installing: string | null;
  /** Keeps the run in the run history (runs started here; null in an embed). */
  recorder: RunRecorder | null;
}

const alivePhases: ReadonlySet<RunPhase> = new Set(['installing', 'starting', 'running', 'idle']);
const busyPhases: ReadonlySet<RunPhase> = new Set(['installing', 'starting', 'running']);
const NO_RUN = emptyView(null, 'idle');


function nextFrame(fn: () => void): void {
  // A hidden tab gets no animation frames: a timer then stands in.
  let done = false;
  const once = () => {
    if (!done) {
      done = true;
      fn();
    }
  };
  globalThis.requestAnimationFrame?.(once);
  setTimeout(once, 100);
}

export const useRunStore = defineStore('run', () => {
  const host = useHost();
  const engine = useEngineStore();
  const flows = useFlowsStore();
  const settings = useSettingsStore();
  const backend = useBackendStore();
  const runs = useRunsStore();
  /** Each tab's live backend run, kept where a reloaded studio finds it to re-attach. */
  const backendRuns = new BackendRunMemory(host.persistSettings ? browserStorage() : null);

  /** Every flow's session, by tab key; the runs' sessions by run id. Outside Vue's reactivity. */
  const sessions = markRaw(new Map<string, RunSession>());
  const byRun = markRaw(new Map<string, RunSession>());
  /** The active flow's session, and its run view (an empty one when it has not run): both
   * triggered once per frame in which something changed — what components depend on. */
  const session = shallowRef<RunSession | null>(null);
  const view = shallowRef<RunView>(NO_RUN);
  /** The active flow's sockets that emitted since the last frame (their edges animate). */
  const pulsed = shallowRef<string[]>([]);
  /** Counts the frames that showed a change (for tests and benchmarks). */
  const version = ref(0);
  let tickPending = false;
  const subscribed = new WeakSet<Runner>();

  function refresh(): void {
    session.value = flows.activeKey ? (sessions.get(flows.activeKey) ?? null) : null;
    view.value = session.value?.view ?? NO_RUN;
    if (session.value?.view.pulsed.length) {
      pulsed.value = session.value.view.pulsed;
      session.value.view.pulsed = [];
    }
    triggerRef(session);
    triggerRef(view);
    version.value += 1;
  }

  function touch(): void {
    if (tickPending) return;
    tickPending = true;
    nextFrame(() => {
      tickPending = false;
      refresh();
    });
  }

  const phase = computed<RunPhase | 'none'>(() => session.value?.view.phase ?? 'none');
  const alive = computed(() => isAlive(session.value));
  const busy = computed(() => !!session.value && busyPhases.has(session.value.view.phase));
  const target = computed(() => session.value?.target ?? settings.settings.runTarget);
  const schedulesElsewhere = computed(() => !!session.value?.schedulesElsewhere);
  const connectionNote = computed(() => session.value?.connectionNote ?? null);
  const installing = computed(() => session.value?.installing ?? null);

  function isAlive(s: RunSession | null | undefined): s is RunSession {
    return !!s && alivePhases.has(s.view.phase);
  }

  function nodeName(id: string, doc: FlowDocument | null = flows.doc): string {
    return doc?.nodes.find((n) => n.id === id)?.name || id;
  }

  function message(s: RunSession, level: 'info' | 'warning' | 'error', text: string): void {
    addMessage(s.view, { level, text });
    touch();
  }

  function onEvents(events: EngineEvent[]): void {
    const byItsRun = new Map<RunSession, EngineEvent[]>();
    for (const ev of events) {
      const s = byRun.get(ev.run);
      if (!s || s.view.run !== ev.run) continue;
      const mine = byItsRun.get(s);
      if (mine) mine.push(ev);
      else byItsRun.set(s, [ev]);
    }
    for (const [s, mine] of byItsRun) {
      const flow = flows.open.find((f) => f.key === s.key)?.doc ?? s.flow;
      applyEvents(s.view, mine, (id) => nodeName(id, flow));
      void s.recorder?.observe(s.view);
      s.debug.add(mine);
      const fresh = s.replay.fresh(mine);
      const ends = new Set<EngineEvent>(fresh.filter((ev) => ev.event === 'run_idle' || ev.event === 'run_stopped'));
      dispatchWindowEvents(ends.size ? fresh.filter((ev) => !ends.has(ev)) : fresh, s.view.run, host.events);
      if (ends.size) {
        // How many values went by without a headrace:emit, said before headrace:idle.
        s.leftOut = leftOut(s.view, EMIT_LIMIT, s.leftOut, host.events);
        dispatchWindowEvents([...ends], s.view.run, host.events);
      }
      if (!isAlive(s)) ended(s);
    }
    if (byItsRun.size) touch();
  }

  /** A session's run is over: free its schedules' lock and its re-attach note. */
  function ended(s: RunSession): void {
    s.lock?.release();
    s.lock = null;
    s.connectionNote = null;
    if (s.target === 'backend' && s.view.run) backendRuns.forget(s.key, s.view.run);
  }

  function listen(runner: Runner): void {
    if (subscribed.has(runner)) return;
    subscribed.add(runner);
    runner.subscribe(onEvents);
  }

  /** A fresh session for tab `key`; `run` is null until the runner names the run. */
  function newSession(key: string, runner: Runner, targetOf: 'browser' | 'backend', run: string | null, flow: FlowDocument): RunSession {
    const old = sessions.get(key);
    if (old) leave(old);
    const debug = old?.debug ?? new DebugLog();
    debug.newRun();
    const s: RunSession = markRaw({
      key, view: emptyView(run, 'starting'), target: targetOf, runner, flow, debug,
      schedulesElsewhere: false, connectionNote: null, lock: null, replay: new ReplayFilter(), lostNotified: false, leftOut: null, installing: null,
      recorder: null,
    });
    sessions.set(key, s);
    if (run) byRun.set(run, s);
    touch();
    return s;
  }

  /**
   * A session is left (its tab closed, or a new run took its place): its events stop
   * coming, so its record is written now — as stopped if it was still going, which it no
   * longer is (it was stopped first) though its last events may not have arrived.
   */
  function leave(s: RunSession): void {
    if (s.recorder) void s.recorder.flush(isOver(s.view) ? s.view : { ...s.view, phase: 'stopped', reason: s.view.reason ?? 'stopped' });
    s.recorder = null;
    if (s.view.run) {
      byRun.delete(s.view.run);
      s.runner.detach(s.view.run);
    }
  }

  /** Record the session's run in the run history, from its start. */
  function record(s: RunSession, run: string, trigger: string, parent: string | null): void {
    s.recorder = runs.recorder({
      run, flow: s.flow, trigger, parent, keepValues: settings.settings.keepValues,
      readValues: (node, socket, limit) => s.runner.values({ run, node, socket, limit }),
    });
    void s.recorder?.begin();
  }

  /** The runner named the session's run: its events are the session's from now on. */
  function named(s: RunSession, run: string): void {
    s.view.run = run;
    byRun.set(run, s);
    if (s.target === 'backend') backendRuns.remember(s.key, run, backend.url());
  }

  backend.onConnection((c: Connection) =>
    followConnection(c, { sessionOf: (run) => byRun.get(run), backendUrl: () => backend.url(), message, nodeName, ended, touch }),
  );

  /**
   * Whether the reason a run could not start is gone: another run of the flow started, the
   * node at fault was deleted, or its code (where the fault was) now reads.
   */
  function cannotRunResolved(s: RunSession, named: NamedFlowError): boolean {
    void version.value; // sessions are not reactive: re-test when the store shows a change
    if (sessions.get(s.key) !== s) return true;
    const doc = flows.open.find((f) => f.key === s.key)?.doc;
    if (!doc) return true;
    if (!named.node) return false;
    const now = doc.nodes.find((n) => n.id === named.node);
    if (!now) return true;
    const then = s.flow.nodes.find((n) => n.id === named.node);
    return named.inCode && now.code !== then?.code && engine.cachedShape(now.type, now.code)?.ok === true;
  }

  /**
   * Start a run of the active flow; `trigger: 'none'` starts it without firing sources.
   * `why`: what started it, as its record in the run history says.
   */
  async function start(trigger: 'sources' | 'none', why: string, parent: string | null = null): Promise<string | null> {
    const doc = flows.doc;
    const key = flows.activeKey;
    if (!doc || !key) return null;
    if (flows.active?.pastRun) {
      notice('info', 'A past run is shown as it ran', 'To run this flow, open the flow it ran (in the bar above the canvas), or replay one of its values.');
      return null;
    }
    const onBackend = settings.settings.runTarget === 'backend';
    if (!onBackend && engine.status !== 'ready') {
      notice('warning', 'Python is still loading');
      return null;
    }
    const previous = sessions.get(key);
    if (isAlive(previous)) await stopSession(previous);
    const runner = onBackend ? backend.runner() : engine.runner();
    listen(runner);
    const snapshot = JSON.parse(JSON.stringify(doc)) as FlowDocument;
    // (A tab opened from a past run: its first run descends from it, here and on a backend.)
    const parentRun = parent ?? runs.clonedFromOf(key);
    const s = newSession(key, runner, onBackend ? 'backend' : 'browser', null, snapshot);

    // Two tabs running the same flow: its schedules fire in one of them.
    let schedules = true;
    if (hasActiveSchedules(snapshot.nodes)) {
      s.lock = await acquireScheduleLock(key);
      schedules = s.lock.held;
      if (!s.lock.held) {
        s.schedulesElsewhere = true;
        message(s, 'warning', `${SCHEDULES_ELSEWHERE}: this run fires none.`);
      }
    }
    const install = installMessages(s, snapshot, touch);
    const result = await runner.run(
      {
        flow: snapshot, trigger, schedules, origin: why, parent: parentRun,
        // Schedules fire in the user's own time zone unless the flow names one.
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        report: 'view', emit_limit: EMIT_LIMIT, keep_values: settings.settings.keepValues, console_lines: settings.settings.consoleLines,
        indexUrls: requirementIndexUrls(host.runtimeBase, settings.settings),
      },
      {
        ...install,
        named: (run) => {
          named(s, run);
          runs.started(key);
          record(s, run, why, parentRun);
          if (s.view.phase === 'installing') s.view.phase = 'starting';
          touch();
        },
      },
    );
    if (!result.ok && s.view.flow !== null) {
      // The run did start (its run_started came first): node code that took the thread at
      // once kept the reply from coming, and Stop then restarted the engine. Its own events
      // say how it ended.
      return s.view.run;
    }
    if (!result.ok) {
      s.view.phase = 'failed';
      ended(s);
      if (install.failed) return null; // said, line by line
      const where = onBackend ? 'The backend did not start the flow' : 'The flow cannot run';
      const named = nameFlowError(result.error.message, snapshot);
      message(s, 'error', `${result.error.type === 'BackendError' ? '' : `${result.error.type}: `}${named.text}`);
      notice('error', where, named.text, () => cannotRunResolved(s, named));
      return null;
    }
    touch();
    return result.value.run;
  }

  function runFlow(): Promise<string | null> {
    return start('sources', 'run-flow');
  }

  /**
   * Trigger one node (all its sockets, or one) in the flow's live run — or, when there is
   * none or it runs an older version of the flow (a node added, code changed since it
   * started), in a fresh run of the flow as it is now.
   */
  async function runNode(node: string, socket?: string): Promise<void> {
    const doc = flows.doc;
    if (!doc) return;
    let s = flows.activeKey ? sessions.get(flows.activeKey) : undefined;
    let run = isAlive(s) && runnableKey(s.flow) === runnableKey(doc) ? s.view.run : null;
    if (!run) {
      const stale = isAlive(s);
      run = await start('none', `node:${nodeName(node)}`);
      s = flows.activeKey ? sessions.get(flows.activeKey) : undefined;
      if (!run || !s) return;
      if (stale) message(s, 'info', `Started a new run: the flow changed since the last one started`);
    }
    if (!s) return;
    const result = await s.runner.trigger(run, node, socket);
    // (No reply because Stop restarted the engine under a node that kept the thread: the
    // run's own events say so.)
    if (!result.ok && isAlive(s)) notice('error', `Could not run ${nodeName(node)}`, result.error.message);
  }

  /**
   * Replay: a new run of the active flow, as it is now, in which `values` leave
   * `node`.`socket` again (and nothing upstream runs); its record's parent is `parent`.
   */
  async function replay(parent: string, node: string, socket: string, values: unknown[]): Promise<string | null> {
    const run = await start('none', 'replay', parent);
    const s = flows.activeKey ? sessions.get(flows.activeKey) : undefined;
    if (!run || !s) return null;
    const sent = await s.runner.deliver({ run, node, socket, values });
    if (!sent.ok) {
      message(s, 'error', `Replay: ${sent.error.message}`);
      notice('error', `Could not replay into ${nodeName(node)}`, sent.error.message);
      return null;
    }
    message(s, 'info', `Replaying ${values.length} value(s) of ${nodeName(node)} · ${socket} from run ${parent}`);
    return run;
  }

  async function stopSession(s: RunSession): Promise<void> {
    const run = s.view.run;
    if (!run || !isAlive(s)) return;
    const result = await s.runner.stop(run);
    if (s.view.run !== run) return;
    if (!result.ok) {
      message(s, 'warning', `Stop: ${result.error.message}`);
      s.view.phase = 'stopped';
      ended(s);
    } else if (s.target === 'backend' && s.connectionNote) {
      // Stopped while the events connection is down: no run_stopped will reach us.
      s.view.phase = 'stopped';
      message(s, 'info', 'Run stopped');
      ended(s);
    }
    touch();
  }

  /** Stop the active flow's run. */
  async function stop(): Promise<void> {
    const s = flows.activeKey ? sessions.get(flows.activeKey) : undefined;
    if (s) await stopSession(s);
  }

  /** A page of a socket's kept values in the active flow's run (for Results and the debug list). */
  async function readValues(node: string, socket: string, offset?: number, limit = 50): Promise<Result<ValuesResult>> {
    const s = flows.activeKey ? sessions.get(flows.activeKey) : undefined;
    if (!s?.view.run) return { ok: false, error: { type: 'BadCommand', message: 'This flow has not run yet' } };
    return s.runner.values(offset === undefined ? { run: s.view.run, node, socket, limit } : { run: s.view.run, node, socket, offset, limit });
  }

  /**
   * Show a past run in tab `key` as it ran: its nodes' states, counts, consoles and errors
   * (its record's view), and its values (RecordedRunner answers from the record).
   */
  function showPast(key: string, record: ExportedRun): void {
    const runner = new RecordedRunner(record);
    const s = newSession(key, runner, 'browser', null, record.flow);
    s.view = emptyView(record.run.id, 'stopped');
    if (record.view) {
      const { nodes, emitted, errors, unrouted_errors, reason, message, phase } = record.view;
      // A run cut off while going shows as stopped: nothing of it is alive any more.
      Object.assign(s.view, { nodes, emitted, errors, unrouted_errors, reason, message, phase: alivePhases.has(phase) ? 'stopped' : phase });
    }
    s.view.flow = record.run.flow_name;
    const name = (id: string) => record.flow.nodes.find((n) => n.id === id)?.name || id;
    for (const [id, node] of Object.entries(s.view.nodes)) {
      for (const e of node.error_list) addMessage(s.view, { level: 'error', text: `${e.type}: ${e.message}`, node: id, traceback: e.traceback });
      if (node.errors > node.error_list.length) addMessage(s.view, { level: 'info', text: `${name(id)}: ${node.errors - node.error_list.length} older error(s) not kept` });
    }
    addMessage(s.view, { level: 'info', text: `Run ${record.run.id} of ${record.run.flow_name}: ${record.run.state}, ${s.view.emitted.toLocaleString('en')} value(s), ${s.view.errors.toLocaleString('en')} error(s) (a past run, read-only)` });
    touch();
  }

  /** Show a flow's live backend run again (after a reload, or when its tab is reopened). */
  async function reattach(key: string): Promise<void> {
    const run = backendRuns.remembered(key, backend.url());
    const open = flows.open.find((f) => f.key === key);
    if (!run || !open || sessions.get(key)?.view.run === run) return;
    const previous = sessions.get(key);
    const runner = backend.runner();
    listen(runner);
    // Ready for the run's events before it is followed: they come from its start.
    const s = newSession(key, runner, 'backend', run, JSON.parse(JSON.stringify(open.doc)) as FlowDocument);
    const following = await runner.follow(run);
    if (following.ok && following.value === 'live') return;
    // Gone, or over: what the tab showed before stays.
    byRun.delete(run);
    if (sessions.get(key) === s) {
      if (previous) sessions.set(key, previous);
      else sessions.delete(key);
      if (previous?.view.run) byRun.set(previous.view.run, previous);
    }
    if (following.ok || following.error.status === 404) backendRuns.forget(key, run);
    else notice('warning', `Could not re-attach to backend run ${run}`, following.error.message);
    touch();
  }

  watch(
    () => flows.activeKey,
    (key) => {
      refresh();
      if (key && !isAlive(sessions.get(key))) void reattach(key);
    },
    { immediate: true },
  );

  // A closed tab's browser run stops with it (a backend run goes on, to re-attach to).
  watch(
    () => flows.open.map((f) => f.key),
    (keys) => {
      for (const [key, s] of sessions) {
        if (keys.includes(key)) continue;
        if (s.target === 'browser') void stopSession(s).then(() => leave(s));
        else leave(s);
        sessions.delete(key);
      }
    },
  );

  // The page going (closed, reloaded): each run's record as it stands, best effort — a run
  // whose last write did not make it reads as interrupted, with what it had written.
  globalThis.addEventListener?.('pagehide', () => {
    for (const s of sessions.values()) void s.recorder?.flush(s.view);
  });

  function clearMessages(): void {
    if (!session.value) return;
    session.value.view.messages = [];
    touch();
  }

  function clearDebug(): void {
    session.value?.debug.clear();
    touch();
  }

  function pauseDebug(paused: boolean): void {
    if (!session.value) return;
    session.value.debug.paused = paused;
    touch();
  }

  return {
    version, session, view, pulsed, phase, alive, busy, target, schedulesElsewhere, connectionNote, installing,
    runFlow, runNode, replay, stop, reattach, readValues, showPast, clearMessages, clearDebug, pauseDebug,
  };
});
