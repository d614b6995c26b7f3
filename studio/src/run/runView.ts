/**
 * What the canvas and panels show about a run: the engine's view, folded from its view
 * stream. The fold mirrors `headrace.view.RunView` (py/headrace/view.py) step for step —
 * the fixtures in ./fixtures/views.json are folded by both and must agree — and adds what
 * only the studio shows: messages, and the sockets that emitted in the latest batch.
 *
 * Plain data and a reducer that mutates in place: the run store keeps views outside Vue's
 * deep reactivity and triggers one re-render per frame, so a flow emitting 100k values
 * costs what its view changes cost, not what its values cost.
 */
import {
  TERMINAL_RUN_PHASES,
  type ConsoleText,
  type EngineEvent,
  type ErrorRecord,
  type NodeError,
  type RunPhase,
  type ViewChanged,
  type ViewData,
  type ViewNode,
  type ViewSchedule,
} from '@/protocol/events';

export type { ViewNode, ViewSchedule };

export type MessageLevel = 'info' | 'warning' | 'error';

export interface RunMessage {
  id: number;
  level: MessageLevel;
  text: string;
  node?: string;
  traceback?: string;
  at: number;
  /**
   * Messages of one kind in a row (`idle`, after each schedule fire) are one line, updated:
   * `kind` says which, `repeats` how many it stands for.
   */
  kind?: 'idle';
  repeats?: number;
}

export interface RunView extends ViewData {
  /** Milliseconds from the run's start to its latest idle. */
  elapsedMs: number | null;
  messages: RunMessage[];
  /** `node.socket` keys that emitted since the store last took them (edges from them animate). */
  pulsed: string[];
}

export const MAX_MESSAGES = 1000;
/** Errors kept per node (the count is exact): `headrace.view.ERRORS_KEPT`. */
export const ERRORS_KEPT = 50;

export function emptyView(run: string | null = null, phase: RunPhase = 'starting'): RunView {
  return {
    run, flow: null, phase, reason: null, message: null, emitted: 0, errors: 0, unrouted_errors: 0,
    nodes: {}, elapsedMs: null, messages: [], pulsed: [],
  };
}

export function nodeView(view: RunView, id: string): ViewNode {
  return (view.nodes[id] ??= {
    state: 'idle', functions: {}, sockets: {}, console: [], console_dropped: 0, errors: 0, error_list: [], schedules: {},
  });
}

function scheduleView(node: ViewNode, socket: string): ViewSchedule {
  return (node.schedules[socket] ??= { next_at: null, next_ms: null, fires: 0, late_fires: 0, skipped: 0, last: null });
}

export function isOver(view: RunView): boolean {
  return TERMINAL_RUN_PHASES.includes(view.phase);
}

let messageIds = 0;

export function addMessage(view: RunView, message: Omit<RunMessage, 'id' | 'at' | 'repeats'>): void {
  const last = view.messages.at(-1);
  if (message.kind && last?.kind === message.kind) {
    // A fresh id: the line changed (the messages panel redraws on the last id).
    Object.assign(last, message, { id: ++messageIds, at: Date.now(), repeats: (last.repeats ?? 1) + 1 });
    return;
  }
  view.messages.push({ ...message, id: ++messageIds, at: Date.now() });
  if (view.messages.length > MAX_MESSAGES) view.messages.splice(0, view.messages.length - MAX_MESSAGES);
}

/** Change a message already shown (a package's "Installing x…" line when it is done). */
export function updateMessage(view: RunMessage[] | RunView, id: number, change: Pick<RunMessage, 'level' | 'text'>): void {
  const messages = Array.isArray(view) ? view : view.messages;
  const message = messages.find((m) => m.id === id);
  // A fresh id: the line changed (the messages panel redraws on the last id).
  if (message) Object.assign(message, change, { id: ++messageIds, at: Date.now() });
}

/** Make the node's console the engine's (see `_mirror_console` in view.py). */
function mirrorConsole(node: ViewNode, first: number, lines: ConsoleText[], nowDropped: number): void {
  const kept = node.console;
  let dropped = node.console_dropped;
  if (first < dropped || first > dropped + kept.length) {
    // The change does not continue what is kept (lines went by untold): start again from it.
    kept.length = 0;
    dropped = first;
  } else {
    kept.length = Math.min(kept.length, first - dropped);
  }
  for (const line of lines) kept.push(line);
  if (nowDropped > dropped) {
    kept.splice(0, nowDropped - dropped);
    dropped = nowDropped;
  }
  node.console_dropped = dropped;
}

/** Keep an error once (it comes as a `node_error` event, then maybe again in a view change). */
function addError(node: ViewNode, error: ErrorRecord): boolean {
  const kept = node.error_list;
  const last = kept[kept.length - 1];
  if (last && last.index >= error.index) return false;
  const { index, socket, type, message, traceback, routed } = error;
  kept.push({ index, socket, type, message, traceback, routed });
  if (kept.length > ERRORS_KEPT) kept.splice(0, kept.length - ERRORS_KEPT);
  node.errors = Math.max(node.errors, error.index);
  return true;
}

function applyView(view: RunView, ev: ViewChanged, pulsed: Set<string>, names: (id: string) => string): void {
  if (!isOver(view)) view.phase = ev.phase;
  view.emitted = ev.emitted;
  view.errors = ev.errors;
  view.unrouted_errors = ev.unrouted_errors;
  for (const [id, change] of Object.entries(ev.nodes)) {
    const node = nodeView(view, id);
    node.state = change.state;
    node.functions = change.functions;
    for (const [socket, value] of Object.entries(change.sockets)) {
      node.sockets[socket] = value;
      pulsed.add(`${id}.${socket}`);
    }
    mirrorConsole(node, change.console_from, change.console, change.console_dropped);
    node.errors = change.errors;
    if (change.schedules) node.schedules = structuredClone(change.schedules); // (a snapshot's)
    // Errors past the per-node event limit arrive only as the newest: say them too.
    if (change.last_error && addError(node, change.last_error)) errorMessage(view, id, change.last_error, names);
  }
}

function errorMessage(view: RunView, node: string, error: ErrorRecord, names: (id: string) => string): void {
  const where = error.socket ? `${names(node)} (${error.socket})` : names(node);
  addMessage(view, {
    level: error.routed ? 'warning' : 'error',
    text: `${where}: ${error.type}: ${error.message}${error.routed ? ' (routed to the error socket)' : ''}`,
    node,
    traceback: error.traceback,
  });
}

/**
 * Fold a batch of events into the view; events of other runs are ignored, and so are the
 * per-value events of an event stream (`emit`, `output`, `node_state`): a view stream
 * carries what they would tell in `view` events.
 */
export function applyEvents(view: RunView, events: EngineEvent[], names: (id: string) => string): void {
  const pulsed = new Set<string>(view.pulsed);
  for (const ev of events) {
    if (view.run === null) view.run = ev.run;
    else if (ev.run !== view.run) continue;
    switch (ev.event) {
      case 'view':
        applyView(view, ev, pulsed, names);
        break;
      case 'node_error': {
        const record: ErrorRecord & Partial<NodeError> = ev;
        if (addError(nodeView(view, ev.node), record)) errorMessage(view, ev.node, ev, names);
        break;
      }
      case 'run_started':
        view.flow = ev.flow;
        if (!isOver(view)) view.phase = 'running';
        addMessage(view, { level: 'info', text: `Run started: ${ev.nodes} node(s)` });
        break;
      case 'run_idle':
        view.elapsedMs = ev.elapsed_ms;
        view.emitted = ev.emitted;
        view.errors = ev.errors;
        view.unrouted_errors = ev.unrouted_errors;
        if (!isOver(view)) view.phase = 'idle';
        addMessage(view, {
          level: ev.unrouted_errors ? 'error' : 'info',
          kind: 'idle',
          text: `Idle: ${ev.emitted.toLocaleString('en')} value(s), ${ev.errors} error(s), ${formatMs(ev.elapsed_ms)} after the run started`,
        });
        break;
      case 'run_stopped':
        view.reason = ev.reason;
        view.message = ev.message ?? null;
        view.phase = ev.reason === 'failed' ? 'failed' : 'stopped';
        // Nothing runs any more: what was running was cut short; badges stop counting down.
        for (const node of Object.values(view.nodes)) {
          if (node.state === 'running') node.state = 'stopped';
          for (const schedule of Object.values(node.schedules)) Object.assign(schedule, { next_at: null, next_ms: null });
        }
        addMessage(view, {
          level: ev.reason === 'failed' ? 'error' : ev.message ? 'warning' : 'info',
          text:
            ev.reason === 'failed'
              ? `Run failed: ${ev.message ?? 'engine failure'}`
              : `Run ${ev.reason}${ev.message ? `: ${ev.message}` : ''}`,
        });
        break;
      case 'schedule_next': {
        const schedule = scheduleView(nodeView(view, ev.node), ev.socket);
        schedule.next_at = ev.at;
        schedule.next_ms = ev.at_ms;
        break;
      }
      case 'schedule_fire': {
        const schedule = scheduleView(nodeView(view, ev.node), ev.socket);
        if (ev.fired) {
          schedule.fires = ev.count;
          if (ev.late) schedule.late_fires += 1;
        } else {
          schedule.skipped += ev.missed;
        }
        schedule.last = { late: ev.late, lateness_ms: ev.lateness_ms, missed: ev.missed, fired: ev.fired };
        if (!ev.fired) {
          addMessage(view, {
            level: 'warning',
            text: `${names(ev.node)}.${ev.socket}: skipped ${ev.missed} missed slot(s) (misfire: skip)`,
            node: ev.node,
          });
        } else if (ev.late) {
          addMessage(view, {
            level: 'warning',
            text: `${names(ev.node)}.${ev.socket}: fired ${Math.round(ev.lateness_ms)} ms late${ev.missed > 1 ? ` (${ev.missed} slots due at once)` : ''}`,
            node: ev.node,
          });
        }
        break;
      }
      case 'emit':
      case 'output':
      case 'node_state':
        break;
      default: {
        const unknown: never = ev;
        console.warn('unknown engine event', unknown);
      }
    }
  }
  view.pulsed = [...pulsed];
}

/** The part of a view both folds keep (what `RunView.to_json()` gives in Python). */
export function viewData(view: RunView): ViewData {
  const { run, flow, phase, reason, message, emitted, errors, unrouted_errors, nodes } = view;
  return { run, flow, phase, reason, message, emitted, errors, unrouted_errors, nodes };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
