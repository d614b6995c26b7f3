/**
 * One tab fires a flow's schedules: a Web Lock named after the flow, held for the run's
 * life. A tab that cannot take it at once runs the flow without schedules. Without the
 * Web Locks API (an insecure context) every tab fires its own.
 */

export interface ScheduleLock {
  /** Whether this tab holds the lock (and so fires the schedules). */
  held: boolean;
  release(): void;
}

export function scheduleLockName(flowKey: string): string {
  return `headrace-schedules:${flowKey}`;
}

export function acquireScheduleLock(flowKey: string, locks: LockManager | undefined = globalThis.navigator?.locks): Promise<ScheduleLock> {
  if (!locks) return Promise.resolve({ held: true, release: () => undefined });
  return new Promise((resolve) => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    locks
      .request(scheduleLockName(flowKey), { ifAvailable: true }, async (lock) => {
        resolve({ held: lock !== null, release });
        if (lock) await released; // held until the run ends
      })
      .catch(() => resolve({ held: true, release }));
  });
}
