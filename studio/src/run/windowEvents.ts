/**
 * CustomEvents for automation, extensions and host pages (documented in studio/README.md
 * and docs/embedding.md): headrace:ready, headrace:emit {node, socket, value},
 * headrace:error {node, socket, type, message}, headrace:idle {run, emitted, errors}. The
 * studio dispatches them on `window`; an embed on its element, where they bubble out of
 * its shadow root (composed) so a page can listen on the element or on `document`.
 */
import type { EngineEvent } from '@/protocol/events';

export function fire(target: EventTarget, name: string, detail: unknown): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

export function dispatchWindowEvents(events: EngineEvent[], currentRun: string | null, target: EventTarget = window): void {
  for (const ev of events) {
    if (ev.run !== currentRun) continue;
    switch (ev.event) {
      case 'emit':
        fire(target, 'headrace:emit', { node: ev.node, socket: ev.socket, value: ev.value, repr: ev.repr, seq: ev.seq });
        break;
      case 'node_error':
        fire(target, 'headrace:error', { node: ev.node, socket: ev.socket, type: ev.type, message: ev.message });
        break;
      case 'run_idle':
        fire(target, 'headrace:idle', { run: ev.run, emitted: ev.emitted, errors: ev.errors, unrouted_errors: ev.unrouted_errors });
        break;
      default:
        break;
    }
  }
}
