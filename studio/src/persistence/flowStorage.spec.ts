import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { emptyFlow } from '@/flow/model';
import type { FlowDocument } from '@/protocol/flow';
import { recoverPending } from './autosave';
import { FlowStorage, readableVersion } from './flowStorage';

const fresh = () => new FlowStorage(`test-${Math.random()}`);

function fakeLocalStorage(): Storage {
  const backup = new Map<string, string>();
  return {
    getItem: (k: string) => backup.get(k) ?? null,
    setItem: (k: string, v: string) => void backup.set(k, v),
    removeItem: (k: string) => void backup.delete(k),
    get length() {
      return backup.size;
    },
  } as unknown as Storage;
}

describe('FlowStorage', () => {
  it('saves, lists newest first, and removes flows; keeps the session', async () => {
    const storage = fresh();
    await storage.save('a', emptyFlow('A'), { savedAt: 1 });
    await storage.save('b', emptyFlow('B'), { savedAt: 2 });
    expect((await storage.list()).map((f) => f.doc.name)).toEqual(['B', 'A']);
    await storage.remove('a');
    expect((await storage.list()).map((f) => f.key)).toEqual(['b']);
    await storage.saveSession({ open: ['b'], active: 'b' });
    expect(await storage.loadSession()).toEqual({ open: ['b'], active: 'b' });
  });

  it('numbers versions and refuses a write based on a version that moved on', async () => {
    const storage = fresh();
    expect(await storage.save('a', emptyFlow('v1'))).toEqual({ ok: true, version: 1 });
    expect(await storage.save('a', emptyFlow('v2'), { base: 1 })).toEqual({ ok: true, version: 2 });
    // A second tab still based on version 1:
    const stale = await storage.save('a', emptyFlow('other tab'), { base: 1 });
    expect(stale.ok).toBe(false);
    if (!stale.ok && stale.reason === 'conflict') expect(stale.stored.doc.name).toBe('v2');
    expect((await storage.load('a'))?.doc.name).toBe('v2');
    // Without a base (the user chose "keep mine"), it writes.
    expect(await storage.save('a', emptyFlow('mine'))).toEqual({ ok: true, version: 3 });
  });

  it('falls back to the previous version when the latest is damaged', async () => {
    const storage = fresh();
    await storage.save('a', emptyFlow('good'));
    await storage.save('a', { headrace: 1, name: 'broken', nodes: 'oops' } as unknown as FlowDocument, { base: 1 });
    const record = await storage.load('a');
    expect(record && readableVersion(record)).toMatchObject({ fellBack: true, version: { version: 1, doc: { name: 'good' } } });
    // The next save keeps the last good version as its previous, not the damaged one.
    await storage.save('a', emptyFlow('fixed'), { base: 2 });
    expect((await storage.load('a'))?.previous?.doc.name).toBe('good');
  });

  it('reports a full quota as such, and stores nothing', async () => {
    const storage = fresh();
    await storage.save('a', emptyFlow('kept'));
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    try {
      expect(await storage.save('a', emptyFlow('lost'), { base: 1 })).toEqual({
        ok: false,
        reason: 'quota',
        message: 'the browser storage for this site is full',
      });
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect((await storage.load('a'))?.doc.name).toBe('kept');
  });

  it('recovers the synchronous copy left by pagehide when it is newer', async () => {
    const storage = fresh();
    await storage.save('a', emptyFlow('Old'), { savedAt: 1 });
    const backup = fakeLocalStorage();
    backup.setItem(
      'headrace.pending-save',
      JSON.stringify({ savedAt: 5, flows: [{ key: 'a', doc: emptyFlow('New'), base: 1 }], session: { open: ['a'], active: 'a' } }),
    );
    expect(await recoverPending(storage, backup)).toEqual([]);
    expect((await storage.load('a'))?.doc.name).toBe('New');
    expect(await storage.loadSession()).toEqual({ open: ['a'], active: 'a' });
    expect(backup.length).toBe(0);
  });

  it('keeps a recovered copy aside when another tab saved the flow since', async () => {
    const storage = fresh();
    await storage.save('a', emptyFlow('v1'), { savedAt: 1 });
    await storage.save('a', emptyFlow('other tab'), { base: 1, savedAt: 2 });
    const backup = fakeLocalStorage();
    backup.setItem(
      'headrace.pending-save',
      JSON.stringify({ savedAt: 5, flows: [{ key: 'a', doc: emptyFlow('mine'), base: 1 }], session: { open: ['a'], active: 'a' } }),
    );
    const aside = await recoverPending(storage, backup);
    expect(aside).toHaveLength(1);
    expect((await storage.load('a'))?.doc.name).toBe('other tab');
    expect((await storage.load(aside[0] ?? ''))?.doc.name).toBe('mine (recovered)');
  });
});
