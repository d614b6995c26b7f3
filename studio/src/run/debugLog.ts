/**
 * The debug sidebar's list: the values of a whole flow as they pass, its errors, and (when
 * asked) its print() lines, newest last — what Node-RED users look at first.
 *
 * It is fed the same view events as the run view, so it costs what they cost: a socket
 * that emits many values between two view events gets one entry, for the newest, saying
 * how many went by since its previous entry (each is still in the socket's ring for a
 * while, and the sidebar pages through them on demand). Bounded: the oldest entries go.
 * One log per flow, kept across its runs (as Node-RED keeps its list across deploys).
 */
import type { ConsoleText, EngineEvent, ValuePreview } from '@/protocol/events';

export const MAX_ENTRIES = 1000;

interface EntryBase {
  id: number;
  /** When the studio heard of it (ms since the epoch), and as the list shows it. */
  at: number;
  time: string;
  node: string;
}

export interface ValueEntry extends EntryBase {
  kind: 'value';
  socket: string;
  /** The value's index among the socket's values (from 0): what `values` pages by. */
  index: number;
  /** Values of this socket that went by between the previous entry and this one. */
  between: number;
  preview: ValuePreview;
}

export interface PrintEntry extends EntryBase {
  kind: 'print';
  stream: ConsoleText['stream'];
  text: string;
}

export interface ErrorEntry extends EntryBase {
  kind: 'error';
  socket: string | null;
  text: string;
}

export type DebugEntry = ValueEntry | PrintEntry | ErrorEntry;

let ids = 0;

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** HH:MM:SS.mmm in local time (formatted once per entry: Intl is slow for a list redrawn per frame). */
export function clockTime(at: number): string {
  const d = new Date(at);
  const ms = d.getMilliseconds();
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}`;
}

export class DebugLog {
  entries: DebugEntry[] = [];
  /** Entries that arrived while paused (not kept). */
  missed = 0;
  paused = false;
  private readonly counts = new Map<string, number>();
  /** Per node, the number of the next console line not yet listed. */
  private readonly lines = new Map<string, number>();
  private errorIndex = new Map<string, number>();

  /** Take what a batch of a run's events tells. */
  add(events: EngineEvent[], now = Date.now()): void {
    const time = clockTime(now);
    for (const ev of events) {
      if (ev.event === 'view') {
        for (const [node, change] of Object.entries(ev.nodes)) {
          for (const [socket, view] of Object.entries(change.sockets)) {
            const key = `${node}.${socket}`;
            const before = this.counts.get(key) ?? 0;
            this.counts.set(key, view.count);
            if (socket === 'error' || !view.last || view.count <= before) continue;
            this.push({ id: ++ids, at: now, time, kind: 'value', node, socket, index: view.count - 1, between: view.count - before - 1, preview: view.last });
          }
          this.addLines(node, change.console_from, change.console, now, time);
          if (change.last_error) this.addError(node, change.last_error.index, change.last_error.socket, `${change.last_error.type}: ${change.last_error.message}`, now, time);
        }
      } else if (ev.event === 'node_error') {
        this.addError(ev.node, ev.index, ev.socket, `${ev.type}: ${ev.message}`, now, time);
      }
    }
  }

  /** A new run of the flow starts: what its events count from starts again. */
  newRun(): void {
    this.counts.clear();
    this.lines.clear();
    this.errorIndex = new Map();
  }

  clear(): void {
    this.entries = [];
    this.missed = 0;
  }

  private addLines(node: string, first: number, lines: ConsoleText[], now: number, time: string): void {
    let next = Math.max(this.lines.get(node) ?? 0, first);
    for (let number = first; number < first + lines.length; number++) {
      const line = lines[number - first] as ConsoleText;
      // A partial line is listed once it is whole (it is sent again, grown, until then).
      if (number < next || !line.text.endsWith('\n')) continue;
      this.push({ id: ++ids, at: now, time, kind: 'print', node, stream: line.stream, text: line.text.slice(0, -1) });
      next = number + 1;
    }
    this.lines.set(node, next);
  }

  private addError(node: string, index: number, socket: string | null, text: string, now: number, time: string): void {
    if ((this.errorIndex.get(node) ?? 0) >= index) return;
    this.errorIndex.set(node, index);
    this.push({ id: ++ids, at: now, time, kind: 'error', node, socket, text });
  }

  private push(entry: DebugEntry): void {
    if (this.paused) {
      this.missed += 1;
      return;
    }
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }
}
