/**
 * Collects engine events (JSON texts) and hands them on in batches: at most one flush per
 * interval, and none at all until a consumer subscribed — events a run produces before the
 * UI listens are kept, not lost.
 *
 * Python that runs for long without yielding (a loop printing a million lines) never lets
 * the interval's timer fire, so `push` itself flushes once the interval has passed or the
 * batch has grown to `maxBytes`: the UI sees progress while it happens, and never gets one
 * huge batch it would take hundreds of milliseconds to parse.
 */

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

const realTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

export class EventBuffer {
  private pending: string[] = [];
  private bytes = 0;
  private lastFlush = -Infinity;
  private handle: unknown = null;
  private sink: ((batch: string, count: number) => void) | null = null;

  constructor(
    private readonly intervalMs = 16,
    private readonly timer: Timer = realTimer,
    private readonly maxBytes = 256 * 1024,
  ) {}

  /** Add one event (its JSON text). */
  push(eventJson: string): void {
    this.pending.push(eventJson);
    this.bytes += eventJson.length;
    if (this.sink && (this.bytes >= this.maxBytes || this.timer.now() - this.lastFlush >= this.intervalMs * 4)) this.flush();
    else this.schedule();
  }

  /** Start delivering; anything buffered so far goes out on the next flush. */
  subscribe(sink: (batch: string, count: number) => void): void {
    this.sink = sink;
    this.lastFlush = this.timer.now();
    this.schedule();
  }

  /** Deliver everything now (e.g. before a reply that the UI will act on). */
  flush(): void {
    if (this.handle !== null) {
      this.timer.clear(this.handle);
      this.handle = null;
    }
    if (!this.sink || this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.bytes = 0;
    this.lastFlush = this.timer.now();
    this.sink(`[${events.join(',')}]`, events.length);
  }

  get size(): number {
    return this.pending.length;
  }

  private schedule(): void {
    if (!this.sink || this.handle !== null || this.pending.length === 0) return;
    this.handle = this.timer.set(() => {
      this.handle = null;
      this.flush();
    }, this.intervalMs);
  }
}
