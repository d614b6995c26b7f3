/// <reference lib="webworker" />
/**
 * The studio's service worker: after one visit the studio opens and runs flows with the
 * network off. Workbox precaches the whole build — the app, Pyodide, the wheels, the
 * examples — as one versioned set (vite-plugin-pwa writes the list, with a revision per
 * file, into this worker at build time), so the pages it serves are always of one build:
 * a new build installs beside the old one and takes over only when the studio reloads
 * into it (app/offline.ts), never in the middle of a visit.
 *
 * The engine's worker runs at an origin of its own and is no client of this worker: what
 * it cannot fetch offline, the page reads from these caches and hands over (runner/pyodide).
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

// `?flow=…` and the like name what to open, not another file; `/` is index.html.
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });
cleanupOutdatedCaches();

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const type = (event.data as { type?: unknown } | null)?.type;
  // The studio asks for this when it starts and finds a new build waiting (app/offline.ts).
  if (type === 'SKIP_WAITING') void self.skipWaiting();
  // Which build this worker serves: a page of another reloads into it, or says one is ready.
  if (type === 'BUILD') event.ports[0]?.postMessage(__HEADRACE_BUILD__);
});
// The first install takes the open page at once: it was loaded from the network, of this build.
clientsClaim();
