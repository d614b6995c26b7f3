import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onNotice, type Notice } from '@/app/notices';
import { useEngineStore } from './engine';
import { FakeRunner, HELLO } from './testing/fakeRunner';
import { freshStores } from './testing/freshStores';

describe('engine store', () => {
  let readyWith: unknown[];
  let notices: Notice[];
  let stopListening: () => void;

  beforeEach(() => {
    readyWith = [];
    freshStores({ engineReady: (hello) => readyWith.push(hello) });
    notices = [];
    stopListening = onNotice((n) => notices.push(n));
  });
  afterEach(() => stopListening());

  it('boots its runner once, and says so', async () => {
    const runner = new FakeRunner();
    const engine = useEngineStore();
    const booting = engine.boot(runner);
    expect(engine.status).toBe('loading');
    const other = new FakeRunner();
    const again = engine.boot(other);
    expect(await booting).toEqual({ ok: true, value: HELLO });
    expect(await again).toEqual({ ok: true, value: HELLO });
    expect(other.starts).toBe(0);
    expect([engine.status, engine.hello, engine.step, engine.fraction]).toEqual(['ready', HELLO, 'Booting', 0.5]);
    expect(engine.bootMs).not.toBeNull();
    expect(runner.starts).toBe(1);
    expect(readyWith).toEqual([HELLO]);
    expect(engine.runner()).toBe(runner);
  });

  it('says when Python cannot be loaded', async () => {
    const runner = new FakeRunner();
    runner.hello = { ok: false, error: { type: 'WorkerError', message: 'no wasm' } };
    const engine = useEngineStore();
    await engine.boot(runner);
    expect([engine.status, engine.error?.message]).toEqual(['failed', 'no wasm']);
    expect(notices.map((n) => n.kind)).toEqual(['error']);
    expect(readyWith).toEqual([]);
  });

  it('answers questions only once booted', async () => {
    const engine = useEngineStore();
    expect(() => engine.runner()).toThrow(/no runner/);
    expect(await engine.whenReady()).toMatchObject({ ok: false, error: { type: 'WorkerError' } });
    expect(await engine.inspect('data', 'x = 1')).toMatchObject({ ok: false, error: { type: 'WorkerError' } });
  });

  it('inspects each code once: concurrent and later asks share the answer', async () => {
    const runner = new FakeRunner();
    runner.handlers.inspect = () => ({ ok: true, value: { sockets: ['x', 'error'], ports: [] } });
    const engine = useEngineStore();
    await engine.boot(runner);
    const [a, b] = await Promise.all([engine.inspect('data', 'x = 1'), engine.inspect('data', 'x = 1')]);
    await engine.inspect('data', 'x = 1');
    expect(a).toEqual({ ok: true, shape: { sockets: ['x', 'error'], ports: [] } });
    expect(b).toEqual(a);
    expect(runner.callsOf('inspect')).toEqual([{ type: 'data', code: 'x = 1' }]);
    expect(engine.cachedShape('data', 'x = 1')).toEqual(a);
    expect(engine.cachedShape('script', 'x = 1')).toBeUndefined();
  });

  it('keeps a code it cannot read as an error, and a validated flow\'s shapes', async () => {
    const runner = new FakeRunner();
    const engine = useEngineStore();
    await engine.boot(runner);
    expect(await engine.inspect('script', 'def (')).toMatchObject({ ok: false, error: { type: 'BadCommand' } });
    const flow = { version: 1, name: 'A', nodes: [{ id: 'n', type: 'data' as const, name: 'N', code: 'y = 2' }], edges: [] };
    runner.handlers.validate = () => ({ ok: true, value: { flow, nodes: { n: { sockets: ['y', 'error'], ports: [] } } } });
    expect((await engine.validate('{}')).ok).toBe(true);
    expect(engine.cachedShape('data', 'y = 2')).toEqual({ ok: true, shape: { sockets: ['y', 'error'], ports: [] } });
  });

  it('asks the engine about crons and hands it files', async () => {
    const runner = new FakeRunner();
    runner.handlers.cron = () => ({ ok: true, value: { description: 'every minute', next: [] } });
    const engine = useEngineStore();
    await engine.boot(runner);
    await engine.describeCron('* * * * *', 'UTC');
    expect(runner.callsOf('cron')).toEqual([{ expression: '* * * * *', timezone: 'UTC', count: 3 }]);
    expect(await engine.putFile('a.csv', new ArrayBuffer(2))).toEqual({ ok: true, value: { path: 'files/a.csv' } });
    expect(runner.files.has('a.csv')).toBe(true);
  });

  it('follows a restart of Python, and warns when flows run without isolation', async () => {
    const runner = new FakeRunner();
    const engine = useEngineStore();
    await engine.boot(runner);
    runner.restart('restarting');
    expect([engine.status, engine.step]).toEqual(['loading', 'Restarting Python']);
    runner.restart('ready');
    expect(engine.status).toBe('ready');
    expect(engine.isolated).toBe(true);
    runner.isolation('same-origin');
    expect(engine.isolated).toBe(false);
    expect(notices.map((n) => n.kind)).toEqual(['warning']);
  });
});
