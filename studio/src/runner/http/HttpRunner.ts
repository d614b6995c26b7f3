/**
 * The Runner that hands runs to a backend (`headrace serve`, docs/backend.md): HTTP for
 * commands, one WebSocket per run for its events. It is a Runner only: the static
 * questions (inspect, validate, cron) never run code and stay with the engine in this
 * browser (`StaticEngine`).
 *
 * Each (re)attach makes the server send first a snapshot of the run's view (events that
 * rebuild it), then the run's events as they come: the runner reports `attached` with the
 * first message, before its events, so the store can reset its view first — and only then:
 * a backend that accepts the socket and closes it at once (it no longer has the run) leaves
 * the view as it was.
 */
import type { Hello, Result } from '@/protocol/bridge';
import { PROTOCOL_VERSION, TERMINAL_RUN_PHASES, type EngineEvent, type ExportedRun, type ExportedRunSummary, type HealthRecord, type RunRecord, type ValuesResult } from '@/protocol/events';
import type { BootProgress, EventListener, Following, RunRequest, RunStartHooks, Runner, ValuesRequest, DeliverRequest } from '../Runner';
import { backoffMs, closeAction, errorFromFailedFetch, errorFromResponse, eventsUrl, normaliseBase, splitEvents } from './wire';

/** What the events connection is doing, for the UI. */
export type Connection =
  | { state: 'attached'; run: string; reattach: boolean }
  | { state: 'lost'; run: string; message: string; retryInMs: number }
  | { state: 'closed'; run: string }
  /** The backend no longer has the run (it stopped or restarted): it ended with it. */
  | { state: 'ended'; run: string; message: string }
  | { state: 'failed'; run: string; message: string };

export interface HttpRunnerOptions {
  url: string;
  token: string;
  onConnection?: (connection: Connection) => void;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

interface Attachment {
  socket: WebSocket | null;
  attempts: number;
  attaches: number;
  /** The connection was lost and not yet given back (no message since). */
  lost: boolean;
  retry: ReturnType<typeof setTimeout> | undefined;
}

export class HttpRunner implements Runner {
  readonly kind = 'http' as const;
  readonly base: string;
  private readonly listeners = new Set<EventListener>();
  private held: EngineEvent[][] = [];
  /** The runs followed, each with its events WebSocket and its reconnect state. */
  private readonly attached = new Map<string, Attachment>();
  private readonly fetchImpl: typeof fetch;
  private readonly Socket: typeof WebSocket;
  private readonly onOnline = () => this.reconnectNow();

  constructor(private readonly options: HttpRunnerOptions) {
    this.base = normaliseBase(options.url);
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.Socket = options.WebSocket ?? globalThis.WebSocket;
    globalThis.addEventListener?.('online', this.onOnline);
  }

  /** Check that the server answers and takes the token (`GET /api/health`). */
  async start(onProgress: (progress: BootProgress) => void = () => undefined): Promise<Result<Hello>> {
    onProgress({ step: 'Contacting the backend', fraction: 0 });
    const health = await this.request<HealthRecord>('GET', '/api/health');
    if (!health.ok) return health;
    const { version, protocol } = health.value;
    if (protocol !== PROTOCOL_VERSION) {
      // Events and commands would be misread: say so rather than show a run wrongly.
      const message = `The backend at ${this.base} is Headrace ${version}, which speaks protocol ${String(protocol ?? 'unknown')}; this studio speaks protocol ${PROTOCOL_VERSION}: run the same Headrace version on both.`;
      return { ok: false, error: { type: 'BackendError', message } };
    }
    onProgress({ step: 'Backend ready', fraction: 1 });
    return { ok: true, value: { version, protocol, python: 'CPython (backend)', platform: 'server' } };
  }

  /**
   * `POST /api/runs`: the server checks the flow's requirements against what its operator
   * installed, and picks the run's id; its events follow over a WebSocket.
   */
  async run(request: RunRequest, hooks: RunStartHooks): Promise<Result<{ run: string }>> {
    // Options left undefined are left out (the server's defaults), but an `emit_limit` of
    // null (every value) is sent. Where a browser would install from is not the server's.
    const { flow, trigger, schedules, timezone, report, emit_limit, keep_values, console_lines, origin, parent } = request;
    const body = { flow, trigger, schedules, timezone, report, emit_limit, keep_values, console_lines, origin, parent };
    const started = await this.request<{ run: string }>('POST', '/api/runs', body);
    if (!started.ok) return started;
    hooks.named(started.value.run);
    this.attach(started.value.run);
    return started;
  }

  trigger(run: string, node: string, socket?: string): Promise<Result<Record<string, never>>> {
    return this.request('POST', `/api/runs/${encodeURIComponent(run)}/trigger`, socket ? { node, socket } : { node });
  }

  deliver({ run, node, socket, values }: DeliverRequest): Promise<Result<Record<string, never>>> {
    return this.request('POST', `/api/runs/${encodeURIComponent(run)}/deliver`, { node, socket, values });
  }

  values({ run, node, socket, offset, limit }: ValuesRequest): Promise<Result<ValuesResult>> {
    const query = new URLSearchParams({ node, socket });
    if (offset !== undefined && offset !== null) query.set('offset', String(offset));
    if (limit !== undefined) query.set('limit', String(limit));
    return this.request('GET', `/api/runs/${encodeURIComponent(run)}/values?${query}`);
  }

  /** `DELETE /api/runs/{id}`: the server stops the run's process, escalating as it must. */
  async stop(run: string): Promise<Result<Record<string, never>>> {
    const stopped = await this.request('DELETE', `/api/runs/${encodeURIComponent(run)}`);
    return stopped.ok ? { ok: true, value: {} } : stopped;
  }

  /** A remembered run: followed again from its start when the server still runs it. */
  async follow(run: string): Promise<Result<Following>> {
    const info = await this.runInfo(run);
    if (!info.ok) return info;
    if (TERMINAL_RUN_PHASES.includes(info.value.phase)) return { ok: true, value: 'over' };
    this.attach(run);
    return { ok: true, value: 'live' };
  }

  /** `GET /api/runs/{id}`: whether a remembered run is still there, and its state. */
  private runInfo(run: string): Promise<Result<RunRecord>> {
    return this.request<RunRecord>('GET', `/api/runs/${encodeURIComponent(run)}`);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    for (const batch of this.held.splice(0)) listener(batch);
    return () => this.listeners.delete(listener);
  }

  /**
   * Follow a run's events: the server first sends the run's state, then what comes. Runs
   * of several flow tabs are followed at once, one WebSocket each.
   */
  private attach(run: string): void {
    this.detach(run);
    this.attached.set(run, { socket: null, attempts: 0, attaches: 0, lost: false, retry: undefined });
    this.open(run);
  }

  /** Stop following a run, or every run (the runs themselves go on on the server). */
  detach(run?: string): void {
    for (const [id, attachment] of [...this.attached]) {
      if (run !== undefined && id !== run) continue;
      clearTimeout(attachment.retry);
      const socket = attachment.socket;
      this.attached.delete(id);
      if (socket) {
        socket.onclose = null;
        socket.onmessage = null;
        socket.close();
      }
    }
  }

  dispose(): void {
    this.detach();
    globalThis.removeEventListener?.('online', this.onOnline);
    this.listeners.clear();
  }

  private open(run: string): void {
    const attachment = this.attached.get(run);
    if (!attachment) return;
    const socket = new this.Socket(eventsUrl(this.base, run, this.options.token));
    attachment.socket = socket;
    let first = true;
    socket.onopen = () => {
      attachment.attempts = 0;
    };
    socket.onmessage = (ev: MessageEvent) => {
      if (first) {
        first = false;
        attachment.lost = false;
        this.options.onConnection?.({ state: 'attached', run, reattach: attachment.attaches++ > 0 });
      }
      if (typeof ev.data === 'string') this.publish(splitEvents(ev.data));
    };
    socket.onclose = (ev: CloseEvent) => {
      if (attachment.socket !== socket || this.attached.get(run) !== attachment) return;
      attachment.socket = null;
      const { action, message } = closeAction(ev.code, attachment.lost);
      if (action === 'done' || action === 'ended' || action === 'fail') {
        this.attached.delete(run);
        if (action === 'done') this.options.onConnection?.({ state: 'closed', run });
        else this.options.onConnection?.({ state: action === 'ended' ? 'ended' : 'failed', run, message });
      } else if (action === 'reattach') {
        this.open(run);
      } else {
        attachment.lost = true;
        const wait = backoffMs(attachment.attempts++);
        this.options.onConnection?.({ state: 'lost', run, message, retryInMs: wait });
        attachment.retry = setTimeout(() => this.open(run), wait);
      }
    };
  }

  private reconnectNow(): void {
    for (const [run, attachment] of this.attached) {
      if (attachment.socket) continue;
      clearTimeout(attachment.retry);
      this.open(run);
    }
  }

  private publish(events: EngineEvent[]): void {
    if (events.length === 0) return;
    if (this.listeners.size === 0) this.held.push(events);
    for (const listener of this.listeners) listener(events);
  }

  // -- the server's run history (`/api/history`: every run it recorded, its own and
  // those of schedules no studio watched), for the Runs panel ---------------------

  /** The runs the server recorded, newest first. */
  async history(limit = 200): Promise<Result<ExportedRunSummary[]>> {
    const listed = await this.request<{ runs: ExportedRunSummary[] }>('GET', `/api/history?limit=${limit}`);
    return listed.ok ? { ok: true, value: listed.value.runs } : listed;
  }

  /** One recorded run, whole (its flow, view and kept values). */
  historyRun(id: string): Promise<Result<ExportedRun>> {
    return this.request('GET', `/api/history/${encodeURIComponent(id)}/export`);
  }

  deleteHistoryRun(id: string): Promise<Result<{ deleted: string }>> {
    return this.request('DELETE', `/api/history/${encodeURIComponent(id)}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return { ok: false, error: errorFromFailedFetch(this.base, await this.reachable()) };
    }
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    if (!response.ok) return { ok: false, error: errorFromResponse(this.base, response.status, parsed) };
    return { ok: true, value: parsed as T };
  }

  /** Does anything answer at the base URL? An opaque no-cors request ignores CORS. */
  private async reachable(): Promise<boolean> {
    try {
      await this.fetchImpl(`${this.base}/api/health`, { mode: 'no-cors' });
      return true;
    } catch {
      return false;
    }
  }
}

