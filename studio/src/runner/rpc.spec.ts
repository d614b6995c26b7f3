import { describe, expect, it } from 'vitest';
import { Rpc } from './rpc';

describe('rpc', () => {
  it('gives each request a fresh id and resolves it with its own reply, in any order', async () => {
    const rpc = new Rpc();
    const sent: number[] = [];
    const first = rpc.request<string>((id) => sent.push(id));
    const second = rpc.request<string>((id) => sent.push(id));
    expect(new Set(sent).size).toBe(2);
    expect(rpc.waiting).toBe(2);
    rpc.answer(sent[1]!, { ok: true, value: 'two' });
    rpc.answer(sent[0]!, { ok: true, value: 'one' });
    expect(await first).toEqual({ ok: true, value: 'one' });
    expect(await second).toEqual({ ok: true, value: 'two' });
    expect(rpc.waiting).toBe(0);
  });

  it('drops a reply nothing waits for: an unknown id, or one answered already', async () => {
    const rpc = new Rpc();
    let id = 0;
    const reply = rpc.request<number>((sent) => (id = sent));
    expect(rpc.answer(id + 100, { ok: true, value: 0 })).toBe(false);
    expect(rpc.answer(id, { ok: true, value: 1 })).toBe(true);
    expect(rpc.answer(id, { ok: true, value: 2 })).toBe(false);
    expect(await reply).toEqual({ ok: true, value: 1 });
  });

  it('settles every unanswered request with the error when the other end is gone', async () => {
    const rpc = new Rpc();
    const replies = [rpc.request(() => undefined), rpc.request(() => undefined)];
    rpc.failAll({ type: 'WorkerError', message: 'the engine worker crashed' });
    for (const reply of await Promise.all(replies)) {
      expect(reply).toEqual({ ok: false, error: { type: 'WorkerError', message: 'the engine worker crashed' } });
    }
    expect(rpc.waiting).toBe(0);
  });
});
