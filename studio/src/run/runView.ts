/**
 * What the canvas and panels show about a run, folded from engine events. Plain data and
 * a pure reducer: the run store keeps it in a shallowRef and triggers once per batch, so a
 * flow emitting 100k values costs one re-render per batch, not one per value.
 */
import type { EngineEvent, Held, NodeError, NodeState } from '@/protocol/events';

export interface LastValue {
  value: unknown;
  repr: boolean;
  seq: number;
}

export interface ConsoleLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A scheduled socket (the cron issue): its next fire and how often it fired. */
export interface ScheduleView {
  /** The next fire (in the flow's zone / epoch ms); null once the run stopped. */
  nextAt: string | null;
  nextMs: number | null;
  fires: number;
  lateFires: number;
  /** Due slots the misfire policy dropped (`misfire: "skip"`). */
  skipped: number;
  /** The latest fire or skip: whether it was over a second late, by how much, and how many slots were due. */
  last: { late: boolean; lateness_ms: number; missed: number; fired: boolean } | null;
}

export interface NodeRunView {
  state: NodeState;
  schedules: Record<string, ScheduleView>;
  functions: Record<string, Held>;
  /** Values emitted per socket. */
  emits: Record<string, number>;
  last: Record<string, LastValue>;
  /** The latest lines of output (at most the console limit), each ending in \n but the last. */
  console: ConsoleLine[];
  /** Lines dropped from the front of `console` to keep it within its limit. */
  consoleDropped: number;
  errors: NodeError[];
}

export type MessageLevel = 'info' | 'warning' | 'error';

export interface RunMessage {
  id: number;
  level: MessageLevel;
  text: string;
  node?: string;
  traceback?: string;
  at: number;
}

export type RunPhase = 'none' | 'installing' | 'starting' | 'running' | 'idle' | 'stopped' | 'failed';

export interface RunView {
  run: string | null;
  phase: RunPhase;
  nodes: Record<string, NodeRunView>;
  messages: RunMessage[];
  emitted: number;
  errors: number;
  elapsedMs: number | null;
  /** `node.socket` keys that emitted in the latest batch (edges from them animate). */
  pulsed: string[];
}

export const MAX_MESSAGES = 1000;

export function emptyView(run: string | null = null, phase: RunPhase = 'none'): RunView {
  return { run, phase, nodes: {}, messages: [], emitted: 0, errors: 0, elapsedMs: null, pulsed: [] };
}

export function nodeView(view: RunView, id: string): NodeRunView {
  return (view.nodes[id] ??= { state: 'idle', schedules: {}, functions: {}, emits: {}, last: {}, console: [], consoleDropped: 0, errors: [] });
}

function scheduleView(node: NodeRunView, socket: string): ScheduleView {
  return (node.schedules[socket] ??= { nextAt: null, nextMs: null, fires: 0, lateFires: 0, skipped: 0, last: null });
}

let messageIds = 0;

export function addMessage(view: RunView, message: Omit<RunMessage, 'id' | 'at'>): void {
  view.messages.push({ ...message, id: ++messageIds, at: Date.now() });
  if (view.messages.length > MAX_MESSAGES) view.messages.splice(0, view.messages.length - MAX_MESSAGES);
}

/** A line longer than this is cut, saying by how much (one print of a huge string). */
export const MAX_LINE = 10_000;

function capLine(line: ConsoleLine): void {
  if (line.text.length <= MAX_LINE) return;
  const cut = line.text.length - MAX_LINE;
  line.text = `${line.text.slice(0, MAX_LINE)}… [${cut.toLocaleString('en')} more characters]${line.text.endsWith('\n') ? '\n' : ''}`;
}

/**
 * Append console text line by line, merging a partial line with what follows; keeps the
 * last `limit` lines and counts the ones dropped (a flood of a million prints costs the
 * UI `limit` lines, and says how many it is not showing).
 */
function appendConsole(node: NodeRunView, stream: ConsoleLine['stream'], text: string, limit: number): void {
  const lines = node.console;
  const parts = text.split(/(?<=\n)/);
  // Only the last `limit` lines of a flood can stay: skip the rest without building them.
  const skip = Math.max(0, parts.length - limit - 1);
  if (skip > 0) {
    // Everything shown so far is pushed out by this text's own lines.
    node.consoleDropped += lines.length + skip;
    lines.length = 0;
  }
  for (let i = skip; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const last = lines[lines.length - 1];
    if (last && last.stream === stream && !last.text.endsWith('\n')) last.text += part;
    else lines.push({ stream, text: part });
    capLine(lines[lines.length - 1] as ConsoleLine);
  }
  if (lines.length > limit) {
    node.consoleDropped += lines.length - limit;
    lines.splice(0, lines.length - limit);
  }
}

/** Fold a batch of events into the view; events of other runs are ignored. */
export function applyEvents(view: RunView, events: EngineEvent[], names: (id: string) => string, consoleLimit = 500): void {
  const pulsed = new Set<string>();
  for (const ev of events) {
    if (ev.run !== view.run) continue;
    switch (ev.event) {
      case 'run_started':
        view.phase = 'running';
        addMessage(view, { level: 'info', text: `Run started: ${ev.nodes} node(s)` });
        break;
      case 'node_state': {
        const node = nodeView(view, ev.node);
        node.state = ev.state;
        node.functions = ev.functions;
        if (ev.state === 'running') view.phase = 'running';
        break;
      }
      case 'emit': {
        const node = nodeView(view, ev.node);
        node.emits[ev.socket] = (node.emits[ev.socket] ?? 0) + 1;
        node.last[ev.socket] = { value: ev.value, repr: ev.repr, seq: ev.seq };
        view.emitted += 1;
        pulsed.add(`${ev.node}.${ev.socket}`);
        break;
      }
      case 'output':
        appendConsole(nodeView(view, ev.node), ev.stream, ev.text, consoleLimit);
        break;
      case 'node_error': {
        const node = nodeView(view, ev.node);
        node.errors.push(ev);
        if (node.errors.length > 50) node.errors.shift();
        view.errors += 1;
        const where = ev.socket ? `${names(ev.node)} (${ev.socket})` : names(ev.node);
        addMessage(view, {
          level: ev.routed ? 'warning' : 'error',
          text: `${where}: ${ev.type}: ${ev.message}${ev.routed ? ' (routed to the error socket)' : ''}`,
          node: ev.node,
          traceback: ev.traceback,
        });
        break;
      }
      case 'run_idle':
        view.phase = 'idle';
        view.elapsedMs = ev.elapsed_ms;
        addMessage(view, {
          level: ev.unrouted_errors ? 'error' : 'info',
          text: `Idle: ${ev.emitted} value(s), ${ev.errors} error(s) in ${Math.round(ev.elapsed_ms)} ms`,
        });
        break;
      case 'run_stopped':
        view.phase = ev.reason === 'failed' ? 'failed' : 'stopped';
        // A stopped run has no next fire: badges stop counting down; nothing runs any more.
        for (const node of Object.values(view.nodes)) {
          if (node.state === 'running') node.state = 'idle';
          for (const schedule of Object.values(node.schedules)) Object.assign(schedule, { nextAt: null, nextMs: null });
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
        schedule.nextAt = ev.at;
        schedule.nextMs = ev.at_ms;
        break;
      }
      case 'schedule_fire': {
        const schedule = scheduleView(nodeView(view, ev.node), ev.socket);
        if (ev.fired) schedule.fires = ev.count;
        else schedule.skipped += ev.missed;
        schedule.last = { late: ev.late, lateness_ms: ev.lateness_ms, missed: ev.missed, fired: ev.fired };
        if (!ev.fired) {
          addMessage(view, {
            level: 'warning',
            text: `${names(ev.node)}.${ev.socket}: skipped ${ev.missed} missed slot(s) (misfire: skip)`,
            node: ev.node,
          });
        } else if (ev.late) {
          schedule.lateFires += 1;
          addMessage(view, {
            level: 'warning',
            text: `${names(ev.node)}.${ev.socket}: fired ${Math.round(ev.lateness_ms)} ms late${ev.missed > 1 ? ` (${ev.missed} slots due at once)` : ''}`,
            node: ev.node,
          });
        }
        break;
      }
      default: {
        const unknown: never = ev;
        console.warn('unknown engine event', unknown);
      }
    }
  }
  view.pulsed = [...pulsed];
}
