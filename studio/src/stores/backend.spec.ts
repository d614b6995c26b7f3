import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '@/protocol/events';
import { useBackendStore, type Connection } from './backend';
import { useSettingsStore } from './settings';
import { freshStores } from './testing/freshStores';

/** Just enough of a WebSocket to say the events connection opened. */
class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  close(): void {}
}

describe('backend store', () => {
  beforeEach(() => {
    freshStores();
    FakeSocket.made = [];
  });
  afterEach(() => vi.unstubAllGlobals());

  it('makes one runner for the URL and token in settings, and a new one when they change', () => {
    const settings = useSettingsStore();
    const backend = useBackendStore();
    const first = backend.runner();
    expect(backend.runner()).toBe(first);
    settings.settings.backendUrl = `${settings.settings.backendUrl}/`; // the same backend
    expect(backend.runner()).toBe(first);
    const dispose = vi.spyOn(first, 'dispose');
    settings.settings.backendToken = 'another';
    expect(backend.runner()).not.toBe(first);
    expect(dispose).toHaveBeenCalledOnce();
  });

  it('names the backend by its URL without a trailing slash', () => {
    useSettingsStore().settings.backendUrl = ' http://server.test:8000/// ';
    expect(useBackendStore().url()).toBe('http://server.test:8000');
  });

  it('tests whether the backend answers and takes the token', async () => {
    const fetch = vi.fn(async (url: string, init?: RequestInit) =>
      new Headers(init?.headers).get('Authorization') === 'Bearer right'
        ? new Response(JSON.stringify({ ok: true, version: '9.9', protocol: PROTOCOL_VERSION, runs: 0, max_runs: 4 }), { status: 200 })
        : new Response(JSON.stringify({ detail: 'bad token' }), { status: 401 }),
    );
    vi.stubGlobal('fetch', fetch);
    const settings = useSettingsStore();
    settings.settings.backendUrl = 'http://server.test';
    settings.settings.backendToken = 'right';
    const backend = useBackendStore();
    expect(await backend.test()).toMatchObject({ ok: true, value: { version: '9.9', platform: 'server' } });
    expect(fetch.mock.calls[0]![0]).toBe('http://server.test/api/health');
    settings.settings.backendToken = 'wrong';
    expect(await backend.test()).toMatchObject({ ok: false, error: { type: 'BackendError', status: 401 } });
  });

  it('tells its listeners, and shows, what the events connection of a run does', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    // Each run asked about is live on the server: following it opens its events socket.
    vi.stubGlobal('fetch', vi.fn(async (url: string) => new Response(JSON.stringify({ run: url.split('/').at(-1), phase: 'running', state: 'running' }), { status: 200 })));
    const backend = useBackendStore();
    const heard: Connection[] = [];
    const stop = backend.onConnection((c) => heard.push(c));
    expect(await backend.runner().follow('r-1')).toEqual({ ok: true, value: 'live' });
    FakeSocket.made[0]!.onmessage?.({ data: '' });
    expect(heard).toEqual([{ state: 'attached', run: 'r-1', reattach: false }]);
    expect(backend.connection).toEqual({ state: 'attached', run: 'r-1', reattach: false });
    stop();
    await backend.runner().follow('r-2');
    FakeSocket.made[1]!.onmessage?.({ data: '' });
    expect(heard).toHaveLength(1);
    expect(backend.connection).toMatchObject({ run: 'r-2' });
    backend.runner().dispose();
  });
});
