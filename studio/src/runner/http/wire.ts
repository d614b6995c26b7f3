/**
 * The pure parts of talking to `headrace serve` (docs/backend.md): URLs, the events
 * WebSocket's framing (one batch of events per line, a JSON array), HTTP errors and close
 * codes turned into messages a user can act on, and the reconnect backoff.
 */
import type { BridgeError } from '@/protocol/bridge';
import type { EngineEvent, ErrorInfo, ServerErrorKind } from '@/protocol/events';

/** `http://host:8000/` → `http://host:8000` (routes are appended as `/api/...`). */
export function normaliseBase(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** The events WebSocket of a run: ws(s) for http(s), the token in the query (browsers cannot set headers). */
export function eventsUrl(base: string, run: string, token: string): string {
  const url = new URL(`${normaliseBase(base)}/api/runs/${encodeURIComponent(run)}/events`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  return url.href;
}

/**
 * One WebSocket message holds one or more batches, one per line: each a JSON array of
 * events (a publish point of the run, or the snapshot a late viewer starts from). A line
 * that is a single event object is taken as a batch of one.
 */
export function splitEvents(message: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  for (const line of message.split('\n')) {
    if (!line.trim()) continue;
    const batch = JSON.parse(line) as EngineEvent[] | EngineEvent;
    if (Array.isArray(batch)) {
      // Not push(...batch): a batch can hold more events than a call takes arguments.
      for (const event of batch) events.push(event);
    } else {
      events.push(batch);
    }
  }
  return events;
}

function backendError(message: string, status?: number, extra: Partial<BridgeError> = {}): BridgeError {
  return { type: 'BackendError', message, ...(status === undefined ? {} : { status }), ...extra };
}

/**
 * An HTTP error answer as a user-facing error. Flow and requirement errors keep the
 * engine's type and fields (the run store words them like a browser run's).
 */
export function errorFromResponse(base: string, status: number, body: unknown): BridgeError {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  // The server's own kinds, or the bridge's for what the engine refused (the contract's two lists).
  const type = typeof error?.type === 'string' ? (error.type as ErrorInfo['type'] | ServerErrorKind) : undefined;
  switch (status) {
    case 401:
      return backendError(`The backend at ${base} refused the token (401): paste the token \`headrace serve\` printed into the run target settings.`, 401);
    case 403:
      // The server names what it refused (this page's origin, or the name it was called by)
      // and the option that allows it; a browser shows us its answer only for the latter.
      if (error && typeof error.message === 'string') return backendError(`The backend at ${base} refused the request (403): ${message}.`, 403);
      return backendError(`The backend at ${base} refused this page's origin (403): start it with --allow-origin ${pageOrigin()}.`, 403);
    case 413:
      return backendError(`The flow is too large for the backend: ${message}`, 413);
    case 429:
      return backendError(`The backend is busy: ${message}`, 429);
    default:
      if ((type === 'FlowError' || type === 'RequirementError' || type === 'BadCommand') && error) {
        return { ...(error as Partial<BridgeError>), type, message, status } as BridgeError;
      }
      return backendError(`The backend answered ${status}: ${message}`, status);
  }
}

function pageOrigin(): string {
  return globalThis.location?.origin ?? 'ORIGIN';
}

/**
 * A fetch that rejected (a TypeError): nothing answered, or the browser hid the answer
 * because the server does not allow this origin (CORS: its preflight got 403). `reachable`
 * tells them apart: an opaque no-cors request to the same server succeeded.
 */
export function errorFromFailedFetch(base: string, reachable: boolean): BridgeError {
  if (reachable) {
    const origin = pageOrigin();
    return backendError(
      `The backend at ${base} is running but refuses this page's origin, ${origin}: start it with \`headrace serve --allow-origin ${origin}\` (the option can be given more than once).`,
    );
  }
  return backendError(`Cannot reach the backend at ${base}: is \`headrace serve\` running?`);
}

/** `ended`: the run is gone from the backend; what was shown of it stays. */
export type CloseAction = 'done' | 'reattach' | 'reconnect' | 'fail' | 'ended';

/**
 * What to do when the events WebSocket closes (docs/backend.md close codes). `afterLoss`:
 * the connection had been lost and this is a reconnect, so a backend that no longer knows
 * the run is one that stopped (or restarted) meanwhile, and its runs ended with it.
 */
export function closeAction(code: number, afterLoss = false): { action: CloseAction; message: string } {
  switch (code) {
    case 1000:
      return { action: 'done', message: 'the run has stopped' };
    case 1013:
      return { action: 'reattach', message: 'the studio fell behind the run: re-attaching' };
    case 4401:
      return { action: 'fail', message: 'the backend refused the token for the run\'s events (4401)' };
    case 4404:
      return afterLoss
        ? { action: 'ended', message: 'the backend stopped, and its run with it' }
        : { action: 'ended', message: 'the backend no longer has this run (it stopped or restarted since)' };
    case 1008:
      return { action: 'fail', message: 'the backend refused this page\'s origin (see --allow-origin)' };
    default:
      return { action: 'reconnect', message: `lost the connection to the backend (code ${code})` };
  }
}

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling up to 10 s. */
export function backoffMs(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
}
