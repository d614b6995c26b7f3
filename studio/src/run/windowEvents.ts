/**
 * CustomEvents on `window` for automation and extensions (documented in studio/README.md):
 * headrace:ready, headrace:emit {node, socket, value}, headrace:error {node, socket, type,
 * message}, headrace:idle {run, emitted, errors}.
 */
import type { EngineEvent } from '@/protocol/events';

export function dispatchWindowEvents(events: EngineEvent[], currentRun: string | null, target: EventTarget = window): void {
  for (const ev of events) {
    if (ev.run !== currentRun) continue;
    switch (ev.event) {
      case 'emit':
        target.dispatchEvent(
          new CustomEvent('headrace:emit', { detail: { node: ev.node, socket: ev.socket, value: ev.value, repr: ev.repr, seq: ev.seq } }),
        );
        break;
      case 'node_error':
        target.dispatchEvent(
          new CustomEvent('headrace:error', { detail: { node: ev.node, socket: ev.socket, type: ev.type, message: ev.message } }),
        );
        break;
      case 'run_idle':
        target.dispatchEvent(
          new CustomEvent('headrace:idle', { detail: { run: ev.run, emitted: ev.emitted, errors: ev.errors, unrouted_errors: ev.unrouted_errors } }),
        );
        break;
      default:
        break;
    }
  }
}
