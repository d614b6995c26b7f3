import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IndexedDbSnapshots, snapshotKey } from './engineSnapshot';

describe('the engine snapshot kept in IndexedDB', () => {
  afterEach(() => vi.restoreAllMocks());

  // (Keeping and reading back is tested in Chromium, tests/e2e/test_boot_snapshot.py:
  // fake-indexeddb does not keep Blobs.)

  it('drops one kept for another build or browser, unread', async () => {
    const store = new IndexedDbSnapshots();
    await store.save('old-build', new ArrayBuffer(8));
    expect(await store.load('new-build')).toBeNull();
    expect(await store.load('old-build')).toBeNull(); // gone, not just skipped
  });

  it('a store that cannot be written is a boot without a snapshot, not an error', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new IndexedDbSnapshots();
    // A store that refuses writes stands in for a full quota.
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await expect(store.save('k', new ArrayBuffer(8))).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not be kept'));
  });

  it('keys name the build, the stack switching the browser has, and the browser', () => {
    const key = snapshotKey('abc');
    expect(key.startsWith('abc jspi=')).toBe(true);
    expect(key).toContain(navigator.userAgent);
    expect(snapshotKey('abd')).not.toEqual(key);
  });
});
