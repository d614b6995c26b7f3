import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemorySnapshots, snapshotKey } from '@/persistence/engineSnapshot';
import type { EngineEvent } from '@/protocol/events';
import type { FromWorker, ToWorker } from './messages';
import { PyodideRunner, RESTARTED } from './PyodideRunner';

/** A stand-in for the worker: records what the runner sends, replies by hand. */
class FakeWorker {
  sent: ToWorker[] = [];
  terminated = false;
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  postMessage(message: ToWorker): void {
    this.sent.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(message: FromWorker): void {
    this.onmessage?.({ data: message } as MessageEvent<FromWorker>);
  }
}

function setup() {
  const worker = new FakeWorker();
  const runner = new PyodideRunner({ baseURL: 'http://x/app/', packageBaseURL: 'http://pkgs/', createWorker: () => worker as unknown as Worker });
  return { worker, runner };
}

const HELLO = { version: '1', protocol: 1, python: '3.14', platform: 'emscripten' };
const BOOTED = { from: 'boot', note: null } as const;

describe('PyodideRunner', () => {
  it('boots from our own origin and reports progress, then ready', async () => {
    const { worker, runner } = setup();
    const progress: string[] = [];
    const booted = runner.start((p) => progress.push(p.step));
    expect(worker.sent[0]).toEqual({ type: 'boot', indexURL: 'http://x/app/pyodide/', wheelsURL: 'http://x/app/wheels/', packageBaseURL: 'http://pkgs/', snapshots: false });
    worker.reply({ type: 'progress', step: 'Loading Python', fraction: 0.1 });
    worker.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
    expect(await booted).toEqual({ ok: true, value: HELLO });
    expect(progress).toEqual(['Loading Python']);
    // A later caller gets the same boot and the latest progress.
    const late: string[] = [];
    expect(await runner.start((p) => late.push(p.step))).toEqual({ ok: true, value: HELLO });
    expect(late).toEqual(['Loading Python']);
  });

  it('matches replies to requests by id, in any order', async () => {
    const { worker, runner } = setup();
    const a = runner.inspect({ type: 'data', code: 'a = 1' });
    const b = runner.stop('r1');
    const [ra, rb] = worker.sent as { id: number; command: string }[];
    expect(JSON.parse(ra!.command)).toEqual({ cmd: 'inspect', type: 'data', code: 'a = 1' });
    worker.reply({ type: 'reply', id: rb!.id, result: '{"ok": false, "error": {"type": "BadCommand", "message": "no live run"}}' });
    worker.reply({ type: 'reply', id: ra!.id, result: '{"ok": true, "value": {"sockets": ["a", "error"], "ports": []}}' });
    expect(await b).toEqual({ ok: false, error: { type: 'BadCommand', message: 'no live run' } });
    expect(await a).toEqual({ ok: true, value: { sockets: ['a', 'error'], ports: [] } });
  });

  it('installs a run\'s requirements one by one, then names the run before starting it', async () => {
    const { worker, runner } = setup();
    const told: string[] = [];
    const flow = { headrace: 1 as const, name: 'F', requirements: ['six', 'attrs'], nodes: [], edges: [] };
    const starting = runner.run(
      { flow, trigger: 'sources', indexUrls: ['http://x/app/wheels/simple/'] },
      {
        installing: (r) => told.push(`installing ${r}`),
        installed: (r, result) => told.push(`${r} ${result.ok ? 'ok' : 'failed'}`),
        named: (run) => told.push(`named ${run}`),
      },
    );
    const answer = async (result: unknown) => {
      await Promise.resolve();
      const last = worker.sent.at(-1) as { id: number; command: string };
      worker.reply({ type: 'reply', id: last.id, result: JSON.stringify(result) });
      return JSON.parse(last.command) as Record<string, unknown>;
    };
    expect(await answer({ ok: true, value: { installed: ['six'] } })).toEqual({
      cmd: 'install', requirements: ['six'], index_urls: ['http://x/app/wheels/simple/'], package_base_url: 'http://pkgs/',
    });
    expect((await answer({ ok: true, value: { installed: [] } })).requirements).toEqual(['attrs']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    const run = told.at(-1)!.replace('named ', '');
    expect(run).toMatch(/^run-/);
    // The run's id is the runner's: the engine gets it, the store heard it before the reply.
    const started = await answer({ ok: true, value: { run } });
    expect(started).toMatchObject({ cmd: 'run', run, trigger: 'sources', flow });
    expect(started).not.toHaveProperty('indexUrls');
    expect(await starting).toEqual({ ok: true, value: { run } });
    expect(told).toEqual(['installing six', 'six ok', 'installing attrs', 'attrs ok', `named ${run}`]);
  });

  it('does not start a run whose requirement cannot be installed, and says which', async () => {
    const { worker, runner } = setup();
    const told: string[] = [];
    const starting = runner.run(
      { flow: { headrace: 1, name: 'F', requirements: ['nope'], nodes: [], edges: [] } },
      { installed: (r, result) => told.push(`${r} ${result.ok ? 'ok' : result.error.problem}`), named: (run) => told.push(run) },
    );
    await Promise.resolve();
    const install = worker.sent.at(-1) as { id: number };
    const failure = { ok: false, error: { type: 'RequirementError', message: "No known package with name 'nope'", requirements: ['nope'], problem: 'not_found' } };
    worker.reply({ type: 'reply', id: install.id, result: JSON.stringify(failure) });
    expect(await starting).toEqual(failure);
    expect(told).toEqual(['nope not_found']);
    expect(worker.sent.filter((m) => m.type === 'request')).toHaveLength(1); // no run command
  });

  it('follows only runs that live in its worker', async () => {
    const { worker, runner } = setup();
    runner.subscribe(() => undefined);
    worker.reply({ type: 'events', batch: '[{"event":"run_started","run":"r","flow":"f","nodes":1}]' });
    expect(await runner.follow('r')).toEqual({ ok: true, value: 'live' });
    const gone = await runner.follow('from-before-a-reload');
    expect(gone.ok ? null : gone.error.status).toBe(404);
  });

  it('subscribes once and hands each batch to listeners', () => {
    const { worker, runner } = setup();
    const batches: EngineEvent[][] = [];
    runner.subscribe((events) => batches.push(events));
    runner.subscribe(() => undefined);
    expect(worker.sent.filter((m) => m.type === 'subscribe')).toHaveLength(1);
    worker.reply({ type: 'events', batch: '[{"event":"run_started","run":"r","flow":"f","nodes":1}]' });
    expect(batches).toEqual([[{ event: 'run_started', run: 'r', flow: 'f', nodes: 1 }]]);
  });

  it('turns a crashed worker into error values for everything pending', async () => {
    const { worker, runner } = setup();
    const booted = runner.start(() => undefined);
    worker.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
    const pending = runner.cron({ expression: '* * * * *' });
    worker.onerror?.({ message: 'out of memory' } as ErrorEvent);
    expect(await pending).toEqual({ ok: false, error: { type: 'WorkerError', message: 'out of memory' } });
    expect(await booted).toEqual({ ok: true, value: HELLO });
  });

  it('starts the worker from its own code when it cannot import it (offline), still at an origin of its own', async () => {
    const made: FakeWorker[] = [];
    const readSource = vi.fn(async () => 'self.onmessage = () => {};');
    const runner = new PyodideRunner({
      baseURL: 'http://x/app/',
      workerSource: readSource,
      createWorker: () => {
        made.push(new FakeWorker());
        return made.at(-1) as unknown as Worker;
      },
    });
    void runner.start(() => undefined);
    const pending = runner.cron({ expression: '* * * * *' });
    made[0]!.onerror?.({ message: 'Failed to fetch dynamically imported module' } as ErrorEvent);
    await vi.waitFor(() => expect(made).toHaveLength(2));
    expect(readSource).toHaveBeenCalledTimes(1);
    expect(made[0]!.terminated).toBe(true);
    expect(made[1]!.sent.map((m) => m.type)).toEqual(['boot', 'request']);
    expect(runner.isolation).toBe('opaque');
    made[1]!.reply({ type: 'reply', id: 1, result: JSON.stringify({ ok: true, value: { next: [] } }) });
    expect(await pending).toEqual({ ok: true, value: { next: [] } });
  });

  it('falls back to a same-origin worker when the opaque one cannot load our files', async () => {
    const made: { isolation: string; worker: FakeWorker }[] = [];
    const runner = new PyodideRunner({
      baseURL: 'http://x/app/',
      createWorker: (isolation) => {
        made.push({ isolation, worker: new FakeWorker() });
        return made[made.length - 1]?.worker as unknown as Worker;
      },
    });
    const told: string[] = [];
    runner.onIsolation((isolation) => told.push(isolation));
    const booted = runner.start(() => undefined);
    const pending = runner.cron({ expression: '* * * * *' });
    made[0]?.worker.reply({ type: 'boot_failed', error: { type: 'WorkerError', message: 'Failed to fetch' } });
    expect(made.map((m) => m.isolation)).toEqual(['opaque', 'same-origin']);
    expect(made[0]?.worker.terminated).toBe(true);
    // What the first worker was sent, the second gets.
    expect(made[1]?.worker.sent.map((m) => m.type)).toEqual(['boot', 'request']);
    expect(told).toEqual(['same-origin']);
    expect(runner.isolation).toBe('same-origin');
    made[1]?.worker.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
    made[1]?.worker.reply({ type: 'reply', id: 1, result: JSON.stringify({ ok: true, value: HELLO }) });
    expect(await booted).toEqual({ ok: true, value: HELLO });
    expect(await pending).toEqual({ ok: true, value: HELLO });
  });

  it('checks what the worker posts before acting on it', async () => {
    const { worker, runner } = setup();
    const batches: EngineEvent[][] = [];
    runner.subscribe((events) => batches.push(events));
    const pending = runner.cron({ expression: '* * * * *' });
    const post = (data: unknown) => worker.onmessage?.({ data } as MessageEvent<FromWorker>);
    // Not messages at all, unknown types, wrong field types: dropped.
    for (const junk of [null, 'ready', 42, { type: 'eval', code: 'x' }, { type: 'reply', id: '1', result: '{}' }, { type: 'progress', step: 1 }]) post(junk);
    // Events without a tag or a run are dropped from their batch; unparsable batches entirely.
    post({ type: 'events', batch: '[{"event":"emit","run":"r"}, {"run":"r"}, 7, {"event":"x"}]' });
    post({ type: 'events', batch: '[{"event":' });
    expect(batches).toEqual([[{ event: 'emit', run: 'r' }], []]);
    // A reply that is not a Result becomes an error value.
    post({ type: 'reply', id: 1, result: '{"value": 1}' });
    expect(await pending).toEqual({ ok: false, error: { type: 'WorkerError', message: 'the engine sent a malformed reply' } });
  });

  describe('Stop, when Python never yields', () => {
    /** A runner with a live run `r` whose worker replies only when told to. */
    function busy(options: { interruptible: boolean }) {
      const workers: FakeWorker[] = [];
      const runner = new PyodideRunner({
        baseURL: 'http://x/app/',
        createWorker: () => {
          workers.push(new FakeWorker());
          return workers[workers.length - 1] as unknown as Worker;
        },
        stopGraceMs: 5,
        interruptGraceMs: 5,
        ...options,
      });
      const batches: EngineEvent[][] = [];
      runner.subscribe((events) => batches.push(events));
      void runner.start(() => undefined);
      workers[0]?.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
      workers[0]?.reply({ type: 'events', batch: '[{"event":"run_started","run":"r","flow":"f","nodes":1}]' });
      return { runner, workers, batches };
    }

    it('needs nothing more when the engine answers in time', async () => {
      const { runner, workers } = busy({ interruptible: false });
      const stopping = runner.stop('r');
      const request = workers[0]?.sent.find((m) => m.type === 'request');
      workers[0]?.reply({ type: 'reply', id: request?.type === 'request' ? request.id : -1, result: '{"ok":true,"value":{}}' });
      expect(await stopping).toEqual({ ok: true, value: {} });
      expect(workers).toHaveLength(1);
      expect(workers[0]?.terminated).toBe(false);
    });

    it('restarts the worker and reports its runs stopped, when it cannot be interrupted', async () => {
      const { runner, workers, batches } = busy({ interruptible: false });
      const states: string[] = [];
      runner.onRestart((state) => states.push(state));
      expect(await runner.stop('r')).toEqual({ ok: true, value: {} });
      expect(workers[0]?.terminated).toBe(true);
      expect(batches.at(-1)).toEqual([{ event: 'run_stopped', run: 'r', reason: 'stopped', message: RESTARTED }]);
      // A new worker boots from the same place and gets the event subscription back.
      const fresh = workers[1];
      expect(fresh?.sent[0]).toMatchObject({ type: 'boot', indexURL: 'http://x/app/pyodide/' });
      expect(states).toEqual(['restarting']);
      fresh?.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(states).toEqual(['restarting', 'ready']);
      expect(fresh?.sent.map((m) => m.type)).toEqual(['boot', 'subscribe']);
      // Events of the old worker that arrive late are ignored.
      workers[0]?.reply({ type: 'events', batch: '[{"event":"run_started","run":"old","flow":"f","nodes":1}]' });
      expect(batches.flat().some((e) => e.run === 'old')).toBe(false);
    });

    it('writes the files the user picked into a restarted worker again', async () => {
      const { runner, workers } = busy({ interruptible: false });
      const data = new TextEncoder().encode('a,b\n1,2\n').buffer;
      const put = runner.putFile('sales.csv', data);
      const sent = workers[0]?.sent.find((m) => m.type === 'file');
      expect(sent).toMatchObject({ type: 'file', name: 'sales.csv' });
      workers[0]?.reply({ type: 'reply', id: sent?.type === 'file' ? sent.id : -1, result: '{"ok":true,"value":{"path":"files/sales.csv"}}' });
      expect(await put).toEqual({ ok: true, value: { path: 'files/sales.csv' } });
      await runner.stop('r');
      workers[1]?.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
      await new Promise((resolve) => setTimeout(resolve, 0));
      const again = workers[1]?.sent.find((m) => m.type === 'file');
      expect(again?.type === 'file' && new TextDecoder().decode(again.data)).toBe('a,b\n1,2\n');
    });

    it('interrupts Python through the shared buffer first, where the page is isolated', async () => {
      const { runner, workers } = busy({ interruptible: true });
      const boot = workers[0]?.sent.find((m) => m.type === 'boot');
      const buffer = boot?.type === 'boot' ? boot.interrupt : undefined;
      expect(buffer?.constructor.name).toBe('Int32Array');
      const stopping = runner.stop('r');
      await new Promise((resolve) => setTimeout(resolve, 8));
      expect(buffer?.[0]).toBe(2);
      // The interrupted engine processes the stop.
      const request = workers[0]?.sent.find((m) => m.type === 'request');
      workers[0]?.reply({ type: 'reply', id: request?.type === 'request' ? request.id : -1, result: '{"ok":true,"value":{}}' });
      expect(await stopping).toEqual({ ok: true, value: {} });
      expect(buffer?.[0]).toBe(0);
      expect(workers).toHaveLength(1);
    });
  });

  describe('the memory snapshot this browser keeps', () => {
    const ENGINE = 'engine-1';
    afterEach(() => vi.unstubAllGlobals());

    /** A runner whose build's manifest names ENGINE, with `store` for its snapshots. */
    function withStore(store: MemorySnapshots) {
      vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ engine: ENGINE, boot: [] }))));
      const workers: FakeWorker[] = [];
      const runner = new PyodideRunner({
        baseURL: 'http://x/app/',
        snapshots: store,
        createWorker: () => {
          workers.push(new FakeWorker());
          return workers.at(-1) as unknown as Worker;
        },
      });
      return { workers, runner };
    }

    const offered = async (worker: FakeWorker) => {
      await vi.waitFor(() => expect(worker.sent.some((m) => m.type === 'snapshot')).toBe(true));
      return worker.sent.find((m) => m.type === 'snapshot');
    };

    it('hands the worker the snapshot kept for this build, after the boot message', async () => {
      const store = new MemorySnapshots();
      const bytes = new Uint8Array([1, 2, 3]).buffer;
      await store.save(snapshotKey(ENGINE), bytes);
      const { workers, runner } = withStore(store);
      void runner.start(() => undefined);
      expect(workers[0]!.sent[0]).toMatchObject({ type: 'boot', snapshots: true });
      const offer = await offered(workers[0]!);
      expect(offer).toMatchObject({ type: 'snapshot', key: snapshotKey(ENGINE) });
      expect(offer?.type === 'snapshot' && offer.bytes && [...new Uint8Array(await offer.bytes.arrayBuffer())]).toEqual([...new Uint8Array(bytes)]);
    });

    it('offers none for another build, and keeps the one the worker makes before it is ready', async () => {
      const store = new MemorySnapshots();
      await store.save(snapshotKey('engine-0'), new ArrayBuffer(4));
      const { workers, runner } = withStore(store);
      const booted = runner.start(() => undefined);
      const offer = await offered(workers[0]!);
      expect(offer).toEqual({ type: 'snapshot', key: snapshotKey(ENGINE), bytes: null });
      const made = new Uint8Array([9]).buffer;
      workers[0]!.reply({ type: 'snapshot_made', key: snapshotKey(ENGINE), bytes: made });
      workers[0]!.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
      await booted;
      const kept = await store.load(snapshotKey(ENGINE));
      expect(kept && [...new Uint8Array(await kept.arrayBuffer())]).toEqual([9]);
    });

    it('never keeps a snapshot posted once flow code can run, or under another key', async () => {
      const store = new MemorySnapshots();
      const { workers, runner } = withStore(store);
      const booted = runner.start(() => undefined);
      await offered(workers[0]!);
      workers[0]!.reply({ type: 'snapshot_made', key: 'forged', bytes: new ArrayBuffer(1) });
      workers[0]!.reply({ type: 'ready', hello: HELLO, booted: BOOTED });
      await booted;
      // Node code in the worker can post messages: a "snapshot" after ready is its making.
      workers[0]!.reply({ type: 'snapshot_made', key: snapshotKey(ENGINE), bytes: new ArrayBuffer(2) });
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(await store.load(snapshotKey(ENGINE))).toBeNull();
      expect(await store.load('forged')).toBeNull();
    });

    it('drops a kept snapshot that would not restore, and says how Python came up', async () => {
      const store = new MemorySnapshots();
      await store.save(snapshotKey(ENGINE), new ArrayBuffer(4));
      const { workers, runner } = withStore(store);
      const booted = runner.start(() => undefined);
      await offered(workers[0]!);
      const note = 'Python was booted, not restored from its snapshot (Snapshot build id mismatch)';
      workers[0]!.reply({ type: 'ready', hello: HELLO, booted: { from: 'boot', note } });
      await booted;
      expect(runner.bootedFrom).toEqual({ from: 'boot', note });
      await vi.waitFor(async () => expect(await store.load(snapshotKey(ENGINE))).toBeNull());
    });

    it('boots without a snapshot when the build names no engine', async () => {
      const store = new MemorySnapshots();
      const { workers, runner } = withStore(store);
      vi.stubGlobal('fetch', vi.fn(async () => new Response('{}')));
      void runner.start(() => undefined);
      expect(await offered(workers[0]!)).toEqual({ type: 'snapshot', key: null, bytes: null });
    });
  });
});
