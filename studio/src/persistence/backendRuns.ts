/**
 * Which backend run each flow tab has live, so that a reloaded studio (or a second one in
 * this browser) re-attaches to it. Part of the run state, not a preference: it is kept
 * under a key of its own, read afresh on each question because another studio page may
 * have written it. A run is remembered with the backend it was started on: a different
 * backend configured since does not have it.
 */

const STORAGE_KEY = 'headrace.backend-runs';

/** One remembered run: its id, and the backend (normalised URL) that runs it. */
export interface RememberedRun {
  run: string;
  url: string;
}

type RunStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** This browser's localStorage, or null where there is none or it may not be touched. */
export function browserStorage(): RunStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // a sandboxed frame: reading the property throws
  }
}

export class BackendRunMemory {
  /** Used when there is no storage (the embed keeps nothing in its host's localStorage). */
  private inMemory: Record<string, RememberedRun> = {};

  /** `storage`: where to keep the runs (localStorage); null keeps them for this page only. */
  constructor(private readonly storage: RunStorage | null) {}

  private read(): Record<string, RememberedRun> {
    if (!this.storage) return this.inMemory;
    try {
      const raw = this.storage.getItem(STORAGE_KEY);
      return raw ? (JSON.parse(raw) as Record<string, RememberedRun>) : {};
    } catch {
      return {};
    }
  }

  private write(runs: Record<string, RememberedRun>): void {
    if (!this.storage) {
      this.inMemory = runs;
      return;
    }
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(runs));
    } catch {
      // private mode or quota: the run just won't be re-attached after a reload
    }
  }

  /** Tab `flowKey` has backend run `run` live on the backend at `url`. */
  remember(flowKey: string, run: string, url: string): void {
    this.write({ ...this.read(), [flowKey]: { run, url } });
  }

  /** The tab's run is over (only if it is `run`, when given: a newer one stays remembered). */
  forget(flowKey: string, run?: string): void {
    const runs = this.read();
    const known = runs[flowKey];
    if (!known || (run && known.run !== run)) return;
    const { [flowKey]: _gone, ...rest } = runs;
    this.write(rest);
  }

  /**
   * Take over runs remembered where they once were kept (user settings), so that a studio
   * updated while a backend run is live still re-attaches to it; runs known here win.
   */
  adopt(older: unknown): void {
    if (typeof older !== 'object' || older === null) return;
    const valid = Object.entries(older).filter(
      (entry): entry is [string, RememberedRun] =>
        typeof entry[1] === 'object' && entry[1] !== null && typeof entry[1].run === 'string' && typeof entry[1].url === 'string',
    );
    if (valid.length) this.write({ ...Object.fromEntries(valid.map(([key, { run, url }]) => [key, { run, url }])), ...this.read() });
  }

  /** The live run remembered for a tab, if it was started on the backend at `url`. */
  remembered(flowKey: string, url: string): string | null {
    const known = this.read()[flowKey];
    return known && known.url === url ? known.run : null;
  }
}
