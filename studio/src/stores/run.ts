/**
 * Running flows: Run Flow, per-node triggers, Stop, and the run's view (node states, emit
 * counts, last values, consoles, messages). A run goes to the target in settings: the
 * in-browser engine (the engine store's Runner) or a backend (the backend store's
 * HttpRunner); events from either are folded by run/runView.ts the same way.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef, watch } from 'vue';
import { useHost } from '@/app/host';
import { notice } from '@/app/notices';
import { hasActiveSchedules } from '@/flow/schedule';
import type { FlowDocument } from '@/protocol/flow';
import type { EngineEvent } from '@/protocol/events';
import type { Runner } from '@/runner/Runner';
import { ReplayFilter } from '@/run/replayFilter';
import { addMessage, applyEvents, emptyView, type RunView } from '@/run/runView';
import { acquireScheduleLock, type ScheduleLock } from '@/run/scheduleLock';
import { dispatchWindowEvents } from '@/run/windowEvents';
import { useBackendStore, type Connection } from './backend';
import { useEngineStore } from './engine';
import { useFlowsStore } from './flows';
import { useSettingsStore } from './settings';

const PYPI_SIMPLE = 'https://pypi.org/simple';
export const SCHEDULES_ELSEWHERE = 'Schedules of this flow are running in another tab';

/** Our own wheelhouse as a micropip index URL (braces must stay literal, so no URL()). */
export function wheelhouseIndexUrl(base: string): string {
  return `${new URL('wheels/', base).href}simple/{package_name}/index.html`;
}

let runCounter = 0;

export const useRunStore = defineStore('run', () => {
  const host = useHost();
  const engine = useEngineStore();
  const flows = useFlowsStore();
  const settings = useSettingsStore();
  const backend = useBackendStore();

  /** The run's view; mutated in place, triggered once per batch. */
  const view = shallowRef<RunView>(emptyView());
  /** Which tab the current run belongs to. */
  const flowKey = shallowRef<string | null>(null);
  /** Where the current run runs. */
  const target = ref<'browser' | 'backend'>('browser');
  /** Another tab holds this flow's schedules: this run fires none. */
  const schedulesElsewhere = ref(false);
  /** A backend run whose events connection is down (we are reconnecting). */
  const connectionNote = ref<string | null>(null);
  let current: Runner | null = null;
  const subscribed = new WeakSet<Runner>();
  let replay = new ReplayFilter();
  let lock: ScheduleLock | null = null;
  let lostNotified = false;

  const phase = computed(() => view.value.phase);
  const alive = computed(() => ['installing', 'starting', 'running', 'idle'].includes(view.value.phase));
  const busy = computed(() => ['installing', 'starting', 'running'].includes(view.value.phase));

  function nodeName(id: string): string {
    return flows.doc?.nodes.find((n) => n.id === id)?.name ?? id;
  }

  function touch(): void {
    triggerRef(view);
  }

  function message(level: 'info' | 'warning' | 'error', text: string): void {
    addMessage(view.value, { level, text });
    touch();
  }

  function releaseLock(): void {
    lock?.release();
    lock = null;
  }

  function onEvents(events: EngineEvent[]): void {
    const mine = events.filter((ev) => ev.run === view.value.run);
    if (mine.length === 0) return;
    applyEvents(view.value, mine, nodeName, settings.settings.consoleLines);
    touch();
    dispatchWindowEvents(replay.fresh(mine), view.value.run, host.events);
    if (!alive.value) ended();
  }

  /** The current run is over: free its schedules' lock and its re-attach note. */
  function ended(): void {
    releaseLock();
    if (target.value === 'backend' && flowKey.value && view.value.run) backend.forget(flowKey.value, view.value.run);
  }

  function listen(runner: Runner): void {
    if (subscribed.has(runner)) return;
    subscribed.add(runner);
    runner.subscribe(onEvents);
  }

  backend.onConnection((c: Connection) => {
    if (target.value !== 'backend' || c.run !== view.value.run) return;
    switch (c.state) {
      case 'attached':
        // The server replays the run from its start: fold it into a fresh view.
        view.value = emptyView(c.run, 'starting');
        connectionNote.value = null;
        lostNotified = false;
        if (c.reattach) {
          replay.replaying();
          message('info', `Reconnected to the backend: showing run ${c.run} again`);
        }
        if (schedulesElsewhere.value) message('warning', `${SCHEDULES_ELSEWHERE}: this run fires none.`);
        break;
      case 'lost':
        connectionNote.value = `Connection to the backend lost: reconnecting in ${Math.round(c.retryInMs / 100) / 10} s…`;
        message('warning', `${c.message}: reconnecting in ${Math.round(c.retryInMs / 100) / 10} s`);
        if (!lostNotified) notice('warning', 'Lost the connection to the backend: reconnecting…', `${backend.url()} · run ${c.run}`);
        lostNotified = true;
        break;
      case 'failed':
        connectionNote.value = null;
        view.value.phase = 'failed';
        message('error', `Backend: ${c.message}`);
        notice('error', 'The backend run cannot be shown', c.message);
        ended();
        break;
      case 'closed':
        connectionNote.value = null;
        break;
      default: {
        const unknown: never = c;
        console.warn('unknown connection state', unknown);
      }
    }
  });

  async function install(runner: Runner, doc: FlowDocument): Promise<boolean> {
    const requirements = doc.requirements ?? [];
    if (requirements.length === 0) return true;
    view.value.phase = 'installing';
    message('info', `Installing ${requirements.join(', ')}…`);
    const indexUrls = [wheelhouseIndexUrl(host.runtimeBase)];
    if (settings.settings.usePackageIndex && navigator.onLine) indexUrls.push(PYPI_SIMPLE);
    const result = await runner.call('install', { requirements, index_urls: indexUrls });
    if (!result.ok) {
      view.value.phase = 'failed';
      message('error', `Could not install requirements: ${result.error.message}`);
      notice('error', 'Could not install requirements', result.error.message);
      return false;
    }
    message('info', `Installed ${result.value.installed.join(', ') || 'nothing new'}`);
    return true;
  }

  /** Start a run of the active flow; `trigger: 'none'` starts it without firing sources. */
  async function start(trigger: 'sources' | 'none'): Promise<string | null> {
    const doc = flows.doc;
    const key = flows.activeKey;
    if (!doc || !key) return null;
    const onBackend = settings.settings.runTarget === 'backend';
    if (!onBackend && engine.status !== 'ready') {
      notice('warning', 'Python is still loading');
      return null;
    }
    if (alive.value) await stop();
    releaseLock();
    const runner = onBackend ? backend.$runner() : engine.runner();
    listen(runner);
    current = runner;
    replay = new ReplayFilter();
    target.value = onBackend ? 'backend' : 'browser';
    connectionNote.value = null;
    schedulesElsewhere.value = false;
    let run = `run-${++runCounter}-${Date.now().toString(36)}`;
    view.value = emptyView(run, 'starting');
    flowKey.value = key;
    touch();
    const snapshot = JSON.parse(JSON.stringify(doc)) as FlowDocument;

    // Two tabs running the same flow: its schedules fire in one of them.
    let schedules = true;
    if (hasActiveSchedules(snapshot.nodes)) {
      lock = await acquireScheduleLock(key);
      schedules = lock.held;
      if (!lock.held) {
        schedulesElsewhere.value = true;
        message('warning', `${SCHEDULES_ELSEWHERE}: this run fires none.`);
      }
    }
    if (!onBackend && !(await install(runner, snapshot))) {
      releaseLock();
      return null;
    }
    view.value.phase = 'starting';
    // Schedules fire in the user's own time zone unless the flow names one.
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const result = await runner.call('run', { flow: snapshot, run, trigger, timezone, schedules });
    if (!result.ok) {
      releaseLock();
      view.value.phase = 'failed';
      const where = onBackend ? 'The backend did not start the flow' : 'The flow cannot run';
      message('error', `${result.error.type === 'BackendError' ? '' : `${result.error.type}: `}${result.error.message}`);
      notice('error', where, result.error.message);
      return null;
    }
    if (onBackend) {
      // The server names its runs.
      run = result.value.run;
      view.value.run = run;
      backend.remember(key, run);
    }
    touch();
    return run;
  }

  function runFlow(): Promise<string | null> {
    return start('sources');
  }

  /** Trigger one node (all its sockets, or one) — in the live run, or a fresh one. */
  async function runNode(node: string, socket?: string): Promise<void> {
    let run = alive.value && flowKey.value === flows.activeKey ? view.value.run : null;
    run ??= await start('none');
    if (!run || !current) return;
    const result = await current.call('trigger', socket ? { run, node, socket } : { run, node });
    if (!result.ok) notice('error', `Could not run ${nodeName(node)}`, result.error.message);
  }

  async function stop(): Promise<void> {
    const run = view.value.run;
    if (!run || !alive.value || !current) return;
    const result = await current.call('stop', { run });
    if (view.value.run !== run) return;
    if (!result.ok) {
      message('warning', `Stop: ${result.error.message}`);
      view.value.phase = 'stopped';
      touch();
      ended();
    } else if (target.value === 'backend' && connectionNote.value) {
      // Stopped while the events connection is down: no run_stopped will reach us.
      view.value.phase = 'stopped';
      connectionNote.value = null;
      message('info', 'Run stopped');
      ended();
    }
  }

  /** Show a flow's live backend run again (after a reload, or when its tab is reopened). */
  async function reattach(key: string): Promise<void> {
    const run = backend.remembered(key);
    if (!run || (alive.value && view.value.run === run)) return;
    const runner = backend.$runner();
    const info = await runner.runInfo(run);
    if (!info.ok) {
      if (info.error.status === 404) backend.forget(key, run);
      else notice('warning', `Could not re-attach to backend run ${run}`, info.error.message);
      return;
    }
    if (info.value.state === 'stopped') {
      backend.forget(key, run);
      return;
    }
    if (alive.value || flows.activeKey !== key) return; // something else started meanwhile
    listen(runner);
    current = runner;
    replay = new ReplayFilter();
    target.value = 'backend';
    schedulesElsewhere.value = false;
    view.value = emptyView(run, 'starting');
    flowKey.value = key;
    touch();
    runner.attach(run);
  }

  watch(
    () => flows.activeKey,
    (key) => {
      if (key && !alive.value) void reattach(key);
    },
    { immediate: true },
  );

  function clearMessages(): void {
    view.value.messages = [];
    touch();
  }

  return {
    view, flowKey, phase, alive, busy, target, schedulesElsewhere, connectionNote,
    runFlow, runNode, stop, reattach, clearMessages,
  };
});
