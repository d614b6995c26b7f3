/**
 * The site's own files from its offline cache (the service worker's precache, sw.ts), for
 * the engine's worker, which has no cache of its own. Only ever from the cache: the
 * worker runs flow code, which must not get this page to fetch for it.
 */

/** A file the page hands to the engine's worker: its bytes and Content-Type. */
export interface CachedFile {
  bytes: ArrayBuffer;
  contentType: string;
}

export async function cachedFile(url: string): Promise<CachedFile | null> {
  if (typeof caches === 'undefined') return null;
  // Precached files are stored with a revision in their query (`?__WB_REVISION__=…`).
  const response = await caches.match(url, { ignoreSearch: true });
  if (!response?.ok) return null;
  return { bytes: await response.arrayBuffer(), contentType: response.headers.get('Content-Type') ?? 'application/octet-stream' };
}
