/**
 * Running flows: Run Flow, per-node triggers, Stop, and the run's view (node states, emit
 * counts, last values, consoles, messages). Talks to the engine through the engine store's
 * Runner; events arrive in batches and are folded by run/runView.ts.
 */
import { defineStore } from 'pinia';
import { computed, shallowRef, triggerRef } from 'vue';
import { notice } from '@/app/notices';
import type { FlowDocument } from '@/protocol/flow';
import type { EngineEvent } from '@/protocol/events';
import { addMessage, applyEvents, emptyView, type RunView } from '@/run/runView';
import { dispatchWindowEvents } from '@/run/windowEvents';
import { useEngineStore } from './engine';
import { useFlowsStore } from './flows';
import { useSettingsStore } from './settings';

const PYPI_SIMPLE = 'https://pypi.org/simple';

/** Our own wheelhouse as a micropip index URL (braces must stay literal, so no URL()). */
export function wheelhouseIndexUrl(base: string): string {
  return `${new URL('wheels/', base).href}simple/{package_name}/index.html`;
}

let runCounter = 0;

export const useRunStore = defineStore('run', () => {
  const engine = useEngineStore();
  const flows = useFlowsStore();
  const settings = useSettingsStore();

  /** The run's view; mutated in place, triggered once per batch. */
  const view = shallowRef<RunView>(emptyView());
  /** Which tab the current run belongs to. */
  const flowKey = shallowRef<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  const phase = computed(() => view.value.phase);
  const alive = computed(() => ['installing', 'starting', 'running', 'idle'].includes(view.value.phase));
  const busy = computed(() => ['installing', 'starting', 'running'].includes(view.value.phase));

  function nodeName(id: string): string {
    return flows.doc?.nodes.find((n) => n.id === id)?.name ?? id;
  }

  function touch(): void {
    triggerRef(view);
  }

  function onEvents(events: EngineEvent[]): void {
    applyEvents(view.value, events, nodeName, settings.settings.consoleLines);
    touch();
    dispatchWindowEvents(events, view.value.run);
  }

  function listen(): void {
    unsubscribe ??= engine.runner().subscribe(onEvents);
  }

  async function install(doc: FlowDocument): Promise<boolean> {
    if (doc.requirements.length === 0) return true;
    view.value.phase = 'installing';
    addMessage(view.value, { level: 'info', text: `Installing ${doc.requirements.join(', ')}…` });
    touch();
    const indexUrls = [wheelhouseIndexUrl(document.baseURI)];
    if (settings.settings.usePackageIndex && navigator.onLine) indexUrls.push(PYPI_SIMPLE);
    const result = await engine.runner().call('install', { requirements: doc.requirements, index_urls: indexUrls });
    if (!result.ok) {
      view.value.phase = 'failed';
      addMessage(view.value, { level: 'error', text: `Could not install requirements: ${result.error.message}` });
      touch();
      notice('error', 'Could not install requirements', result.error.message);
      return false;
    }
    addMessage(view.value, { level: 'info', text: `Installed ${result.value.installed.join(', ') || 'nothing new'}` });
    touch();
    return true;
  }

  /** Start a run of the active flow; `trigger: 'none'` starts it without firing sources. */
  async function start(trigger: 'sources' | 'none'): Promise<string | null> {
    const doc = flows.doc;
    if (!doc || !flows.activeKey) return null;
    if (engine.status !== 'ready') {
      notice('warning', 'Python is still loading');
      return null;
    }
    if (alive.value) await stop();
    listen();
    const run = `run-${++runCounter}-${Date.now().toString(36)}`;
    view.value = emptyView(run, 'starting');
    flowKey.value = flows.activeKey;
    touch();
    const snapshot = JSON.parse(JSON.stringify(doc)) as FlowDocument;
    if (!(await install(snapshot))) return null;
    view.value.phase = 'starting';
    // Schedules fire in the user's own time zone unless the flow names one.
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const result = await engine.runner().call('run', { flow: snapshot, run, trigger, timezone });
    if (!result.ok) {
      view.value.phase = 'failed';
      addMessage(view.value, { level: 'error', text: `${result.error.type}: ${result.error.message}` });
      touch();
      notice('error', 'The flow cannot run', result.error.message);
      return null;
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
    if (!run) return;
    const result = await engine.runner().call('trigger', socket ? { run, node, socket } : { run, node });
    if (!result.ok) notice('error', `Could not run ${nodeName(node)}`, result.error.message);
  }

  async function stop(): Promise<void> {
    const run = view.value.run;
    if (!run || !alive.value) return;
    const result = await engine.runner().call('stop', { run });
    if (!result.ok && view.value.run === run) {
      addMessage(view.value, { level: 'warning', text: `Stop: ${result.error.message}` });
      view.value.phase = 'stopped';
      touch();
    }
  }

  function clearMessages(): void {
    view.value.messages = [];
    touch();
  }

  return { view, flowKey, phase, alive, busy, runFlow, runNode, stop, clearMessages };
});
