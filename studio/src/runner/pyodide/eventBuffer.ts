/**
 * The engine's event batches on their way out of the worker. The bridge hands over one
 * batch (a JSON array text) per publish point of a run — the end of a slice of work, idle,
 * stop, a node starting to run — so the engine already paces them; the worker posts each
 * at once, synchronously, from inside the bridge's callback. That is what keeps the page
 * live while Python holds the worker's thread: a node that starts and then spins has been
 * posted as running before it spins, where a timer would never have fired.
 *
 * Until the UI subscribes, batches are held (joined into one on subscribe), not lost.
 */

export class EventBuffer {
  private held: string[] = [];
  private sink: ((batch: string) => void) | null = null;

  /** One batch from the bridge: a JSON array of events. */
  push(batch: string): void {
    if (this.sink) this.sink(batch);
    else this.held.push(batch);
  }

  /** Start delivering; what was held goes out now, as one batch. */
  subscribe(sink: (batch: string) => void): void {
    this.sink = sink;
    if (this.held.length) sink(joinBatches(this.held.splice(0)));
  }

  /** Batches held until a subscriber comes. */
  get size(): number {
    return this.held.length;
  }
}

/** `[a,b]` and `[c]` as `[a,b,c]`, without parsing them. */
export function joinBatches(batches: string[]): string {
  const inner = batches.map((b) => b.trim().slice(1, -1)).filter((b) => b.trim() !== '');
  return `[${inner.join(',')}]`;
}
