import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION, type EngineEvent } from '@/protocol/events';
import { HttpRunner, type Connection } from './HttpRunner';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close(): void {
    this.closed = true;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function runner(fetchImpl: typeof fetch, connections: Connection[] = []): HttpRunner {
  return new HttpRunner({
    url: 'http://127.0.0.1:8000/',
    token: 'tok',
    fetch: fetchImpl,
    WebSocket: FakeSocket as unknown as typeof WebSocket,
    onConnection: (c) => connections.push(c),
  });
}

/** A server on which every run asked about is live. */
const live = (async (url: string) =>
  json(200, { run: decodeURIComponent(url.split('/').at(-1)!), phase: 'running', state: 'running' })) as unknown as typeof fetch;

const started: EngineEvent = { event: 'run_started', run: 'r1', flow: 'F', nodes: 1 };
const emit: EngineEvent = { event: 'emit', run: 'r1', node: 'n', socket: 's', value: 1, repr: false, seq: 1 };

afterEach(() => {
  FakeSocket.all = [];
  vi.useRealTimers();
});

describe('HttpRunner', () => {
  it('connects to a backend of its protocol, and refuses one of another, naming both', async () => {
    const health = (protocol: number) =>
      vi.fn(async () => json(200, { ok: true, version: '9.9.9', protocol, runs: 0, max_runs: 4 })) as unknown as typeof fetch;
    expect(await runner(health(PROTOCOL_VERSION)).start()).toEqual({
      ok: true,
      value: { version: '9.9.9', protocol: PROTOCOL_VERSION, python: 'CPython (backend)', platform: 'server' },
    });
    const other = await runner(health(PROTOCOL_VERSION + 1)).start();
    expect(other.ok).toBe(false);
    if (!other.ok) {
      expect(other.error.type).toBe('BackendError');
      expect(other.error.message).toContain(`speaks protocol ${PROTOCOL_VERSION + 1}; this studio speaks protocol ${PROTOCOL_VERSION}`);
    }
  });

  it('starts a run with the bearer token and follows its events, a batch per line', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetchImpl = vi.fn(async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return json(201, { run: 'r1' });
    }) as unknown as typeof fetch;
    const connections: Connection[] = [];
    const r = runner(fetchImpl, connections);
    const seen: EngineEvent[][] = [];
    r.subscribe((events) => seen.push(events));
    const named: string[] = [];
    const result = await r.run(
      { flow: { headrace: 1, name: 'F', requirements: [], nodes: [], edges: [] }, timezone: 'UTC', schedules: false, indexUrls: ['http://wheels/'] },
      { named: (run) => named.push(run) },
    );
    expect(result).toEqual({ ok: true, value: { run: 'r1' } });
    expect(named).toEqual(['r1']);
    const [url, init] = calls[0]!;
    expect(url).toBe('http://127.0.0.1:8000/api/runs');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    // The server picks the run id, and installs nothing: neither is part of its body.
    expect(JSON.parse(String(init?.body))).toEqual({ flow: { headrace: 1, name: 'F', requirements: [], nodes: [], edges: [] }, timezone: 'UTC', schedules: false });
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:8000/api/runs/r1/events?token=tok');
    socket.onopen?.();
    socket.onmessage?.({ data: `${JSON.stringify([started])}\n${JSON.stringify([emit, emit])}` });
    expect(seen).toEqual([[started, emit, emit]]);
    expect(connections).toEqual([{ state: 'attached', run: 'r1', reattach: false }]);
    socket.onclose?.({ code: 1000 });
    expect(connections.at(-1)).toEqual({ state: 'closed', run: 'r1' });
  });

  it('passes the run options the studio gives, null included, and leaves out the rest', async () => {
    const bodies: unknown[] = [];
    const fetchImpl = vi.fn(async (_url: string, init?: RequestInit) => {
      bodies.push(JSON.parse(String(init?.body)));
      return json(201, { run: 'r1' });
    }) as unknown as typeof fetch;
    const r = runner(fetchImpl);
    const flow = { headrace: 1 as const, name: 'F', requirements: [], nodes: [], edges: [] };
    const hooks = { named: () => undefined };
    await r.run({ flow, report: 'view', emit_limit: null, keep_values: 50, console_lines: 200 }, hooks);
    await r.run({ flow, report: 'events' }, hooks);
    expect(bodies).toEqual([
      { flow, report: 'view', emit_limit: null, keep_values: 50, console_lines: 200 },
      { flow, report: 'events' },
    ]);
  });

  it('pages a socket\'s kept values over GET /api/runs/{id}/values', async () => {
    const urls: string[] = [];
    const page = { count: 30, first: 20, values: [{ index: 25, value: { a: 1 }, repr: false }] };
    const fetchImpl = vi.fn(async (url: string, init?: RequestInit) => {
      urls.push(`${init?.method} ${url}`);
      return url.includes('/r2/') ? json(409, { error: { type: 'Stopped', message: 'run r2 has stopped: its values went with its process' } }) : json(200, page);
    }) as unknown as typeof fetch;
    const r = runner(fetchImpl);
    expect(await r.values({ run: 'r 1', node: 'n', socket: 's&t', offset: 25, limit: 1 })).toEqual({ ok: true, value: page });
    await r.values({ run: 'r1', node: 'n', socket: 's', offset: null });
    const stopped = await r.values({ run: 'r2', node: 'n', socket: 's' });
    expect(stopped.ok ? null : stopped.error).toMatchObject({ status: 409, message: expect.stringContaining('its values went with its process') });
    expect(urls).toEqual([
      'GET http://127.0.0.1:8000/api/runs/r%201/values?node=n&socket=s%26t&offset=25&limit=1',
      'GET http://127.0.0.1:8000/api/runs/r1/values?node=n&socket=s',
      'GET http://127.0.0.1:8000/api/runs/r2/values?node=n&socket=s',
    ]);
  });

  it('follows the runs of several tabs at once, each on its own socket', async () => {
    const connections: Connection[] = [];
    const seen: unknown[] = [];
    const r = runner(live, connections);
    r.subscribe((events) => seen.push(...events.map((e) => e.run)));
    const before = FakeSocket.all.length;
    expect(await r.follow('a')).toEqual({ ok: true, value: 'live' });
    await r.follow('b');
    const [a, b] = FakeSocket.all.slice(before);
    a!.onopen?.();
    b!.onopen?.();
    a!.onmessage?.({ data: JSON.stringify([{ event: 'run_started', run: 'a', flow: 'f', nodes: 1 }]) });
    b!.onmessage?.({ data: JSON.stringify([{ event: 'run_started', run: 'b', flow: 'f', nodes: 1 }]) });
    expect(seen).toEqual(['a', 'b']);
    r.detach('a');
    expect(a!.closed).toBe(true);
    expect(b!.closed).toBe(false);
    b!.onclose?.({ code: 1000 });
    expect(connections.at(-1)).toEqual({ state: 'closed', run: 'b' });
  });

  it('reconnects with backoff after a lost connection and says it is a re-attach', async () => {
    vi.useFakeTimers();
    const connections: Connection[] = [];
    const r = runner(live, connections);
    await r.follow('r1');
    FakeSocket.all[0]!.onopen?.();
    FakeSocket.all[0]!.onmessage?.({ data: JSON.stringify([started]) });
    FakeSocket.all[0]!.onclose?.({ code: 1006 });
    expect(connections.at(-1)).toMatchObject({ state: 'lost', retryInMs: 500 });
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.onclose?.({ code: 1006 });
    expect(connections.at(-1)).toMatchObject({ state: 'lost', retryInMs: 1000 });
    vi.advanceTimersByTime(1000);
    FakeSocket.all[2]!.onopen?.();
    expect(connections.at(-1)).toMatchObject({ state: 'lost' }); // attached with its first message, the snapshot
    FakeSocket.all[2]!.onmessage?.({ data: JSON.stringify([started]) });
    expect(connections.at(-1)).toEqual({ state: 'attached', run: 'r1', reattach: true });
    // Too slow: attach again at once.
    FakeSocket.all[2]!.onclose?.({ code: 1013 });
    expect(FakeSocket.all).toHaveLength(4);
    // A wrong token ends it.
    FakeSocket.all[3]!.onclose?.({ code: 4401 });
    expect(connections.at(-1)).toMatchObject({ state: 'failed', message: expect.stringContaining('token') });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('words a wrong token, an unreachable server and a blocked origin', async () => {
    const denied = runner((async () => json(401, { error: { type: 'Unauthorized', message: 'no' } })) as unknown as typeof fetch);
    const hello = await denied.start(() => undefined);
    expect(hello.ok ? null : hello.error).toMatchObject({ type: 'BackendError', status: 401 });

    const down = runner((async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    const stop = await down.stop('r1');
    expect(stop.ok ? '' : stop.error.message).toBe('Cannot reach the backend at http://127.0.0.1:8000: is `headrace serve` running?');

    const cors = runner((async (_url: string, init?: RequestInit) => {
      if (init?.mode === 'no-cors') return new Response(null);
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    const trigger = await cors.trigger('r1', 'n');
    expect(trigger.ok ? '' : trigger.error.message).toContain('is running but refuses this page\'s origin');
  });

  it('says once, plainly, that a run ended with a backend that went away, and shows no re-attach', async () => {
    vi.useFakeTimers();
    const connections: Connection[] = [];
    const seen: EngineEvent[][] = [];
    const r = runner(live, connections);
    r.subscribe((events) => seen.push(events));
    await r.follow('r1');
    FakeSocket.all[0]!.onopen?.();
    FakeSocket.all[0]!.onmessage?.({ data: JSON.stringify([started]) });
    FakeSocket.all[0]!.onclose?.({ code: 1006 }); // the server died
    vi.advanceTimersByTime(500);
    // It came back, without the run: it accepts the socket, then closes it.
    FakeSocket.all[1]!.onopen?.();
    FakeSocket.all[1]!.onclose?.({ code: 4404 });
    expect(connections.map((c) => c.state)).toEqual(['attached', 'lost', 'ended']);
    expect(connections.at(-1)).toEqual({ state: 'ended', run: 'r1', message: 'the backend stopped, and its run with it' });
    expect(seen).toEqual([[started]]);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('follows a remembered run only while the server still runs it', async () => {
    const answers: Record<string, Response> = {
      over: json(200, { run: 'over', phase: 'failed', state: 'stopped' }),
      gone: json(404, { error: { type: 'NotFound', message: "no run 'gone'" } }),
    };
    const r = runner((async (url: string) => answers[url.split('/').at(-1)!]!) as unknown as typeof fetch);
    const before = FakeSocket.all.length;
    expect(await r.follow('over')).toEqual({ ok: true, value: 'over' });
    const gone = await r.follow('gone');
    expect(gone.ok ? null : gone.error.status).toBe(404);
    expect(FakeSocket.all).toHaveLength(before); // nothing to follow: no socket
  });
});
