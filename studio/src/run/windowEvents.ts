/**
 * CustomEvents for automation, extensions and host pages (documented in studio/README.md
 * and docs/embedding.md): headrace:ready, headrace:emit {node, socket, value, repr, seq,
 * run}, headrace:error {node, socket, type, message, run}, headrace:idle {run, emitted,
 * errors, unrouted_errors}, headrace:left-out {run, left_out, sockets}. The studio
 * dispatches them on `window`; an embed on its element, where they bubble out of its
 * shadow root (composed) so a page can listen on the element or on `document`.
 *
 * headrace:emit goes out for the first values of each socket in a run (the engine reports
 * that many one by one: EMIT_LIMIT in the run store), so a long run does not pay per value;
 * headrace:left-out then says, before each headrace:idle, how many were left out.
 */
import type { EngineEvent } from '@/protocol/events';
import type { RunView } from './runView';

export function fire(target: EventTarget, name: string, detail: unknown): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

export function dispatchWindowEvents(events: EngineEvent[], currentRun: string | null, target: EventTarget = window): void {
  for (const ev of events) {
    if (ev.run !== currentRun) continue;
    switch (ev.event) {
      case 'emit':
        fire(target, 'headrace:emit', { node: ev.node, socket: ev.socket, value: ev.value, repr: ev.repr, seq: ev.seq, run: ev.run });
        break;
      case 'node_error':
        fire(target, 'headrace:error', { node: ev.node, socket: ev.socket, type: ev.type, message: ev.message, run: ev.run });
        break;
      case 'run_idle':
        fire(target, 'headrace:idle', { run: ev.run, emitted: ev.emitted, errors: ev.errors, unrouted_errors: ev.unrouted_errors });
        break;
      default:
        break;
    }
  }
}

/** Per `node.socket`, values that left the socket without a headrace:emit; their sum. */
export interface LeftOut {
  run: string;
  left_out: number;
  sockets: Record<string, number>;
}

/**
 * Dispatch headrace:left-out when more values went by without a headrace:emit than `last`
 * said (call it before the run's headrace:idle). Returns what it said.
 */
export function leftOut(view: RunView, limit: number, last: LeftOut | null, target: EventTarget = window): LeftOut | null {
  if (!view.run) return last;
  const sockets: Record<string, number> = {};
  let total = 0;
  for (const [node, nodeView] of Object.entries(view.nodes)) {
    for (const [socket, kept] of Object.entries(nodeView.sockets)) {
      if (socket === 'error' || kept.count <= limit) continue;
      sockets[`${node}.${socket}`] = kept.count - limit;
      total += kept.count - limit;
    }
  }
  if (total === 0 || total === last?.left_out) return last;
  const now: LeftOut = { run: view.run, left_out: total, sockets };
  fire(target, 'headrace:left-out', now);
  return now;
}
