/**
 * The run history as the studio shows it: the Runs panel's list (this flow's runs or all
 * flows', by state), and what can be done with a past run — download it, delete it, open
 * the exact flow it ran as a flow again, import one exported here or by `headrace runs
 * export`. Recording is the run store's (run/runRecorder.ts); this store owns the history
 * both write to, and follows its changes (from this tab and from others) to keep the list live.
 * An embed keeps no history (its host's storage is not the studio's).
 */
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useHost } from '@/app/host';
import { notice } from '@/app/notices';
import { saveText } from '@/app/download';
import { fileStem, importFlowText } from '@/files/flowFile';
import { exposedSockets } from '@/flow/model';
import { RunHistory, RunHistoryError, type RunEntry } from '@/persistence/runHistory';
import type { ExportedRun, RunState } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { RunRecorder, type RecorderOptions } from '@/run/runRecorder';
import { useBackendStore } from './backend';
import { useEngineStore } from './engine';
import { useFlowsStore, type OpenFlow, type PastRun } from './flows';
import { useRunStore } from './run';
import { useSettingsStore } from './settings';

export type RunsScope = 'flow' | 'all';
export type RunsSource = 'browser' | 'backend';

/** How long after a change the list is read again (many checkpoints, one read). */
const REFRESH_MS = 250;
/** How often the backend's list is read while the panel shows it. */
const BACKEND_POLL_MS = 3000;

export const useRunsStore = defineStore('runs', () => {
  const host = useHost();
  const flows = useFlowsStore();
  const engine = useEngineStore();
  const settings = useSettingsStore();
  const backend = useBackendStore();
  const history = host.persistSettings ? markRaw(new RunHistory()) : null;

  const panelOpen = ref(false);
  /** Where the listed runs are kept: this browser's history, or the backend's (`headrace serve`). */
  const source = ref<RunsSource>('browser');
  const backendAvailable = computed(() => !!settings.settings.backendToken);
  const scope = ref<RunsScope>('flow');
  const stateFilter = ref<RunState | null>(null);
  /** Every run kept, newest first (read when the panel opens, then on each change). */
  const entries = shallowRef<RunEntry[]>([]);
  const loaded = ref(false);
  const problem = ref<string | null>(null);
  /** The run each tab was opened from (Open as flow): its next run's parent. */
  const clonedFrom = markRaw(new Map<string, string>());

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleRefresh(): void {
    if (!panelOpen.value || refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refresh();
    }, REFRESH_MS);
  }
  history?.onChange(scheduleRefresh);
  let skippedSaid = 0;
  if (history) {
    history.onEvicted = (count) =>
      notice('info', "The browser's storage was full", `The ${count} oldest run(s) in Runs were deleted to keep the newest.`);
  }

  async function refresh(): Promise<void> {
    if (!history) return;
    try {
      if (source.value === 'backend') {
        const listed = await backend.runner().history();
        if (!listed.ok) throw new Error(`The backend's run history: ${listed.error.message}`);
        entries.value = listed.value.map((run) => ({ ...run, owner: null }));
      } else {
        entries.value = await history.list();
        if (history.skipped && history.skipped !== skippedSaid) {
          notice('warning', `${history.skipped} damaged run record(s) skipped`, 'They cannot be shown; the other runs and your flows are not affected.');
        }
        skippedSaid = history.skipped;
      }
      problem.value = null;
    } catch (err) {
      entries.value = [];
      problem.value = err instanceof Error ? err.message : String(err);
    }
    loaded.value = true;
  }

  // The backend's runs (its schedules' too) change without telling this page: read again
  // every few seconds while they are shown.
  let polling: ReturnType<typeof setInterval> | undefined;
  watch([panelOpen, source], ([isOpen, from]) => {
    clearInterval(polling);
    polling = isOpen && from === 'backend' ? setInterval(() => void refresh(), BACKEND_POLL_MS) : undefined;
    if (isOpen) {
      loaded.value = false;
      void refresh();
    }
  });

  function open(value = true): void {
    panelOpen.value = value; // (read on opening: see the watch above)
  }

  /** A run's whole record, from where the panel lists runs now (this browser, or the backend). */
  async function recordOf(id: string): Promise<ExportedRun | undefined> {
    if (source.value !== 'backend') return history?.get(id);
    const got = await backend.runner().historyRun(id);
    if (got.ok) return got.value;
    if (got.error.status !== 404) notice('error', `Could not read run ${id} from the backend`, got.error.message);
    return undefined;
  }

  const byId = computed(() => new Map(entries.value.map((e) => [e.id, e])));

  /** The runs the panel lists: in scope (this flow, by name, or all), of the state filtered for. */
  const shown = computed(() => {
    const name = flows.doc?.name;
    return entries.value.filter(
      (e) => (scope.value === 'all' || e.flow_name === name) && (!stateFilter.value || e.state === stateFilter.value),
    );
  });

  /** The flow of that name as it is now: its open tab (not a past run's), if any. */
  function flowNow(name: string | undefined): OpenFlow | null {
    return flows.open.find((f) => !f.pastRun && f.doc.name === name) ?? null;
  }

  /** The runs replayed or cloned from `id` (its children in the graph of runs). */
  function children(id: string): RunEntry[] {
    return entries.value.filter((e) => e.parent === id);
  }

  /** The run tab `tab` was opened from (Open the flow it ran): its next run's parent. */
  function clonedFromOf(tab: string): string | null {
    return clonedFrom.get(tab) ?? null;
  }

  /** Tab `tab`'s run started: the runs after it descend from that one, not the clone's. */
  function started(tab: string): void {
    clonedFrom.delete(tab);
  }

  /** A recorder for a run starting now; null where no history is kept. */
  function recorder(options: Omit<RecorderOptions, 'history' | 'onProblem'>): RunRecorder | null {
    if (!history || !settings.settings.keepRunHistory) return null;
    return new RunRecorder({
      ...options,
      history,
      onProblem: (message) => notice('warning', 'This run is not being recorded', message),
    });
  }

  async function remove(ids: readonly string[]): Promise<void> {
    if (!history || !ids.length) return;
    if (source.value === 'backend') {
      for (const id of ids) {
        const gone = await backend.runner().deleteHistoryRun(id);
        if (!gone.ok) notice('error', `Could not delete run ${id} on the backend`, gone.error.message);
      }
    } else {
      await history.delete(ids);
    }
    await refresh();
  }

  /** Download a run as one JSON file (`headrace runs import` reads it). */
  async function download(id: string): Promise<void> {
    const run = await recordOf(id);
    if (!run) return notice('warning', 'That run is no longer kept');
    saveText(`${JSON.stringify(run, null, 2)}\n`, `${fileStem(run.run.flow_name)}-run-${id.slice(0, 8)}.json`, 'application/json');
  }

  /** Keep runs from files; each that is not a run says why, and the others are kept. */
  async function importFiles(files: Iterable<File>): Promise<void> {
    if (!history) return;
    for (const file of files) {
      try {
        const id = await history.import(JSON.parse(await file.text()) as unknown);
        notice('success', `Imported run ${id.slice(0, 8)} from ${file.name}`);
      } catch (err) {
        const why = err instanceof SyntaxError ? `${file.name} is not JSON: ${err.message}` : err instanceof RunHistoryError ? err.message : String(err);
        notice('error', `Cannot import ${file.name}`, why);
      }
    }
    await refresh();
  }

  /**
   * Show a past run on the canvas, read-only, in a tab of its own: its nodes as they ran
   * (states, counts, consoles, values), and which of them differ in the flow as it is now.
   */
  async function openRun(id: string): Promise<void> {
    const record = await recordOf(id);
    if (!record) return notice('warning', 'That run is no longer kept');
    const current = flowNow(record.run.flow_name);
    const past: PastRun = {
      id, state: record.run.state, startedAt: record.run.started_at, currentKey: current?.key ?? null,
      ...changesSince(record, current?.doc ?? null),
    };
    const key = flows.openPastRun(record.flow, past);
    useRunStore().showPast(key, record);
  }

  /**
   * Replay a past run's recorded values of `node`.`socket` — from index `from` on, or only
   * that one — into the flow as it is now (its open tab), as a new run whose parent is the
   * past one. Refused before anything runs, saying why: the flow not open, the node or
   * socket gone from it, values no longer kept, or kept only as their repr.
   */
  async function replay(id: string, node: string, socket: string, from: number, only = false): Promise<string | null> {
    const record = await recordOf(id);
    if (!record) {
      notice('warning', 'That run is no longer kept');
      return null;
    }
    const name = (doc: FlowDocument, nodeId: string) => doc.nodes.find((n) => n.id === nodeId)?.name ?? nodeId;
    const where = `${name(record.flow, node)} · ${socket}`;
    const refuse = (why: string) => {
      notice('error', `Cannot replay ${where}`, why);
      return null;
    };
    const kept = record.values.find((v) => v.node === node && v.socket === socket)?.values ?? [];
    const chosen = kept.filter(([index]) => (only ? index === from : index >= from));
    if (!chosen.length) return refuse(`run ${id} kept no value #${from + 1} of it`);
    const unreplayable = chosen.find(([, , repr]) => repr);
    if (unreplayable) {
      return refuse(`value #${unreplayable[0] + 1} is kept only as its repr (JSON cannot hold it): it can be looked at, not replayed`);
    }
    const current = flowNow(record.run.flow_name);
    if (!current) return refuse(`“${record.run.flow_name}” is not open: a replay runs the flow as it is now — open it, then replay`);
    const now = current.doc.nodes.find((n) => n.id === node);
    if (!now) return refuse(`${name(record.flow, node)} is no longer in “${current.doc.name}”`);
    const shape = flows.shapeOf(now);
    if (shape && socket !== 'error' && !exposedSockets(now, shape).includes(socket)) {
      return refuse(`${now.name} has no socket ${socket} now (its sockets: ${exposedSockets(now, shape).join(', ') || 'none'})`);
    }
    flows.activate(current.key);
    return useRunStore().replay(id, node, socket, chosen.map(([, value]) => value));
  }

  /**
   * Pin `node`.`socket` of the flow as it is now to the values a run kept of it: the past run
   * shown (into the flow's open tab), or the active flow's own last run. While pinned, runs
   * send these values in the node's place and do not run it (n8n's "pin data").
   */
  async function pin(node: string, socket: string): Promise<void> {
    const past = flows.active?.pastRun;
    const runStore = useRunStore();
    let kept: [number, unknown, boolean][] = [];
    let from: string | null;
    let target: string | null;
    if (past) {
      const record = await recordOf(past.id);
      kept = record?.values.find((v) => v.node === node && v.socket === socket)?.values ?? [];
      from = past.id;
      target = flowNow(flows.doc?.name)?.key ?? null;
    } else {
      from = runStore.view.run;
      target = flows.activeKey;
      const page = await runStore.readValues(node, socket, undefined, Math.max(1, settings.settings.keepValues));
      if (page.ok) kept = page.value.values.map((v) => [v.index, v.value, v.repr]);
    }
    const doc = target ? flows.open.find((f) => f.key === target)?.doc : undefined;
    const name = doc?.nodes.find((n) => n.id === node)?.name ?? node;
    const refuse = (why: string) => notice('error', `Cannot pin ${name} · ${socket}`, why);
    if (!target || !doc) return refuse(`“${flows.doc?.name}” is not open: pins go into the flow as it is now — open it, then pin`);
    if (!doc.nodes.some((n) => n.id === node)) return refuse(`${name} is no longer in “${doc.name}”`);
    if (!kept.length) return refuse('the run kept no values of it');
    const repr = kept.find(([, , isRepr]) => isRepr);
    if (repr) return refuse(`value #${repr[0] + 1} is kept only as its repr (JSON cannot hold it): only JSON values can be pinned`);
    flows.setPinned(target, node, socket, { values: kept.map(([, value]) => value), ...(from ? { run: from } : {}) });
    notice(
      'success',
      `Pinned ${name} · ${socket} to ${kept.length} value(s)${from ? ` of run ${from}` : ''}`,
      `Runs of “${doc.name}” send them in its place, without running ${name}. Unpin in its Settings (or Undo).`,
    );
  }

  /**
   * Open the exact flow a past run used, as a flow (a namesake here asks first: a copy, or
   * replace it — undoably); the tab's next run is the past run's child.
   */
  async function openAsFlow(id: string): Promise<void> {
    const run = await recordOf(id);
    if (!run) return notice('warning', 'That run is no longer kept');
    const opened = await importFlowText(JSON.stringify(run.flow), `run ${id.slice(0, 8)}`, engine, flows);
    if (opened.ok) clonedFrom.set(opened.value, id);
  }

  return {
    openRun, replay, pin, clonedFromOf, started,
    available: !!history, panelOpen, scope, stateFilter, entries, loaded, problem, shown, byId,
    open, refresh, children, recorder, remove, download, importFiles, openAsFlow,
    source, backendAvailable, get: recordOf,
  };
});

/** How the flow as it is now (`current`, none: not open) differs from the one a run ran, node by node. */
export function changesSince(record: ExportedRun, current: FlowDocument | null): Pick<PastRun, 'changes' | 'added'> {
  if (!current) return { changes: {}, added: 0 };
  const now = new Map(current.nodes.map((n) => [n.id, n]));
  const changes: PastRun['changes'] = {};
  for (const node of record.flow.nodes) {
    const then = now.get(node.id);
    if (!then) changes[node.id] = 'removed';
    else if (then.code !== node.code) changes[node.id] = 'changed';
  }
  const ran = new Set(record.flow.nodes.map((n) => n.id));
  return { changes, added: current.nodes.filter((n) => !ran.has(n.id)).length };
}
