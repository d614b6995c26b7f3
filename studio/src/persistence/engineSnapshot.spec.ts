import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbSnapshots, snapshotKey } from './engineSnapshot';

describe('the engine snapshot kept in IndexedDB', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives back what was kept under the same key, across page loads', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4]).buffer;
    await new IndexedDbSnapshots().save('k1', bytes);
    const read = await new IndexedDbSnapshots().load('k1');
    expect(read && [...new Uint8Array(read)]).toEqual([1, 2, 3, 4]);
  });

  it('drops one kept for another build or browser, unread', async () => {
    const store = new IndexedDbSnapshots();
    await store.save('old-build', new ArrayBuffer(8));
    expect(await store.load('new-build')).toBeNull();
    expect(await store.load('old-build')).toBeNull(); // gone, not just skipped
  });

  it('a store that cannot be written is a boot without a snapshot, not an error', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new IndexedDbSnapshots();
    // A value IndexedDB cannot clone stands in for a full quota: the write fails.
    await expect(store.save('k', (() => undefined) as unknown as ArrayBuffer)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not be kept'));
  });

  it('keys name the build, the stack switching the browser has, and the browser', () => {
    const key = snapshotKey('abc');
    expect(key.startsWith('abc jspi=')).toBe(true);
    expect(key).toContain(navigator.userAgent);
    expect(snapshotKey('abd')).not.toEqual(key);
  });
});
