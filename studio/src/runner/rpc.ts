/**
 * Requests that get one reply each, over a channel that carries ids (a worker's
 * `postMessage`): the id counter and the table of unanswered requests, in one place.
 * A reply for an id never sent, or sent twice, is dropped; when the other end goes away,
 * every unanswered request settles with the error given, so no caller waits for ever.
 */
import type { BridgeError, Result } from '@/protocol/bridge';

export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Result<unknown>) => void>();

  /** Send with a fresh id (`send(id)` posts the message); resolves with its reply. */
  request<T>(send: (id: number) => void): Promise<Result<T>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (result: Result<unknown>) => void);
      send(id);
    });
  }

  /** The reply to request `id`; false when nothing waits for it. */
  answer(id: number, result: Result<unknown>): boolean {
    const resolve = this.pending.get(id);
    if (!resolve) return false;
    this.pending.delete(id);
    resolve(result);
    return true;
  }

  /** Settle every unanswered request with `error` (the other end is gone). */
  failAll(error: BridgeError): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const resolve of waiting) resolve({ ok: false, error });
  }

  /** How many requests wait for a reply. */
  get waiting(): number {
    return this.pending.size;
  }
}
