/**
 * Files for the engine's worker, which runs at an origin of its own and so has no cache
 * and no service worker answering for it:
 * - the site's own files (Pyodide, the wheels) from the service worker's precache, when
 *   the worker cannot fetch them (offline) — only ever from the cache;
 * - packages (a flow's requirements, Pyodide's own packages) from the hosts the studio is
 *   set to install from: fetched here, without credentials, and kept, so a flow that
 *   installed a package once installs it again offline.
 * Never anything else: the worker runs flow code, which must not get this page to fetch
 * for it with the studio's origin and cookies.
 */

/** A file the page hands to the engine's worker. `status` 0: none (offline, and not kept). */
export interface CachedFile {
  status: number;
  bytes: ArrayBuffer | null;
  contentType: string;
}

/** Where packages fetched for the worker are kept (not the precache: a build's update leaves them). */
export const PACKAGE_CACHE = 'headrace-packages';

const NONE: CachedFile = { status: 0, bytes: null, contentType: '' };

async function toFile(response: Response, method: string): Promise<CachedFile> {
  const bytes = method === 'HEAD' ? null : await response.arrayBuffer();
  return { status: response.status, bytes, contentType: response.headers.get('Content-Type') ?? 'application/octet-stream' };
}

/**
 * One of the site's own files from the precache (stored with `?__WB_REVISION__=…`). The
 * precache holds the whole build, so a file it lacks is not the site's: 404, as the site
 * would answer (micropip then asks its next index). Without a precache: no answer.
 */
export async function cachedFile(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<CachedFile> {
  if (typeof caches === 'undefined') return NONE;
  const response = await caches.match(url, { ignoreSearch: true });
  if (response?.ok) return toFile(response, method);
  const precached = (await caches.keys()).some((name) => name.startsWith('workbox-precache'));
  return precached ? { status: 404, bytes: method === 'HEAD' ? null : new ArrayBuffer(0), contentType: 'text/plain' } : NONE;
}

/**
 * A package host's file: the network first (and the answer kept when it is a file), then
 * the kept copy. `method` is GET or HEAD (micropip asks an index with HEAD whether it is there).
 */
export async function packageFile(url: string, method: 'GET' | 'HEAD'): Promise<CachedFile> {
  const cache = typeof caches === 'undefined' ? null : await caches.open(PACKAGE_CACHE).catch(() => null);
  try {
    const response = await fetch(url, { method, credentials: 'omit', mode: 'cors', redirect: 'follow' });
    if (cache && method === 'GET' && response.ok) {
      // A full quota costs only the offline copy of this one file.
      await cache.put(url, response.clone()).catch((error: unknown) => console.warn(`headrace: ${url} not kept for offline use: ${String(error)}`));
    }
    return await toFile(response, method);
  } catch {
    const kept = await cache?.match(url);
    return kept ? toFile(kept, method) : NONE;
  }
}
