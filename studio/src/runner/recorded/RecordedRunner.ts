/**
 * A past run, as a Runner: what the run store asks of a run that is over — a page of a
 * socket's values — answered from its record in the run history (an `ExportedRun`), so a
 * past run opened on the canvas shows its values, charts and tables as it did live. It
 * runs nothing: a past run is only looked at (a replay is a new run of the flow as it is now).
 */
import type { Hello, Result } from '@/protocol/bridge';
import type { ExportedRun, KeptValue, ValuesResult } from '@/protocol/events';
import type { BootProgress, EventListener, Following, Runner, RunRequest, RunStartHooks, ValuesRequest } from '../Runner';

const PAST = 'A past run runs nothing: open the flow it ran (Runs ▸ Open the flow it ran), or replay one of its values';

function refused<T>(): Promise<Result<T>> {
  return Promise.resolve({ ok: false, error: { type: 'BadCommand', message: PAST } });
}

export class RecordedRunner implements Runner {
  readonly kind = 'pyodide' as const;
  private readonly kept = new Map<string, ExportedRun['values'][number]['values']>();

  constructor(readonly record: ExportedRun) {
    for (const v of record.values) this.kept.set(`${v.node}\u0000${v.socket}`, v.values);
  }

  start(_onProgress: (progress: BootProgress) => void): Promise<Result<Hello>> {
    return refused();
  }

  run(_request: RunRequest, _hooks: RunStartHooks): Promise<Result<{ run: string }>> {
    return refused();
  }

  trigger(): Promise<Result<Record<string, never>>> {
    return refused();
  }

  deliver(): Promise<Result<Record<string, never>>> {
    return refused();
  }

  /** A page of what the socket kept when the run was recorded (the newest `keep values`). */
  values(request: ValuesRequest): Promise<Result<ValuesResult>> {
    const values = this.kept.get(`${request.node}\u0000${request.socket}`) ?? [];
    const count = this.record.view?.nodes[request.node]?.sockets[request.socket]?.count ?? values.length;
    const first = values[0]?.[0] ?? count;
    const from = request.offset ?? first;
    const page: KeptValue[] = values
      .filter(([index]) => index >= from)
      .slice(0, request.limit ?? 100)
      .map(([index, value, repr]) => ({ index, value, repr, display: null }));
    return Promise.resolve({ ok: true, value: { count, first, values: page } });
  }

  stop(): Promise<Result<Record<string, never>>> {
    return Promise.resolve({ ok: true, value: {} });
  }

  follow(): Promise<Result<Following>> {
    return Promise.resolve({ ok: true, value: 'over' });
  }

  detach(): void {}

  subscribe(_listener: EventListener): () => void {
    return () => undefined;
  }

  dispose(): void {}
}
