import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { emptyFlow } from '@/flow/model';
import { recoverPending } from './autosave';
import { FlowStorage } from './flowStorage';

describe('FlowStorage', () => {
  it('saves, lists newest first, and removes flows; keeps the session', async () => {
    const storage = new FlowStorage(`test-${Math.random()}`);
    await storage.save('a', emptyFlow('A'), 1);
    await storage.save('b', emptyFlow('B'), 2);
    expect((await storage.list()).map((f) => f.doc.name)).toEqual(['B', 'A']);
    await storage.remove('a');
    expect((await storage.list()).map((f) => f.key)).toEqual(['b']);
    await storage.saveSession({ open: ['b'], active: 'b' });
    expect(await storage.loadSession()).toEqual({ open: ['b'], active: 'b' });
  });

  it('recovers the synchronous copy left by pagehide when it is newer', async () => {
    const storage = new FlowStorage(`test-${Math.random()}`);
    await storage.save('a', emptyFlow('Old'), 1);
    const backup = new Map<string, string>();
    const fakeLocalStorage = {
      getItem: (k: string) => backup.get(k) ?? null,
      setItem: (k: string, v: string) => void backup.set(k, v),
      removeItem: (k: string) => void backup.delete(k),
    } as unknown as Storage;
    fakeLocalStorage.setItem(
      'headrace.pending-save',
      JSON.stringify({ savedAt: 5, flows: [{ key: 'a', doc: emptyFlow('New') }], session: { open: ['a'], active: 'a' } }),
    );
    await recoverPending(storage, fakeLocalStorage);
    expect((await storage.load('a'))?.doc.name).toBe('New');
    expect(await storage.loadSession()).toEqual({ open: ['a'], active: 'a' });
    expect(backup.size).toBe(0);
  });
});
