/**
 * The studio as an offline, installable app: registers the service worker (offline/sw.ts)
 * once Python is up (its first install downloads the whole build, which must not compete
 * with the boot), and picks up a new build on the next visit, whole.
 *
 * A new build's service worker installs in the background while the old one serves the
 * visit. When the studio next starts and finds it waiting, it lets it take over and
 * reloads before anything of the old build has run past this point, then says "a new
 * version was loaded": a visit is never half one build and half another. Another tab
 * still open on the old build is told to reload.
 */
import { Workbox } from 'workbox-window';
import { notice } from './notices';

const UPDATED = 'headrace.updated';
/** The build this browser last ran (localStorage): a visit of another says so once. */
const LAST_BUILD = 'headrace.build';

/** False in development (vite serves modules one by one) and where there are no service workers. */
function available(): boolean {
  return !import.meta.env.DEV && 'serviceWorker' in navigator && window.isSecureContext;
}

/**
 * Whether the studio's active service worker serves another build than this page's (a
 * waiting one may have just taken over: it is then active before it controls the page).
 */
async function copyIsOfAnotherBuild(): Promise<boolean> {
  if (!navigator.serviceWorker.controller) return false; // none yet, or the first install under way
  const worker = (await navigator.serviceWorker.getRegistration())?.active;
  if (!worker) return false;
  const build = await new Promise<string | null>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event: MessageEvent<unknown>) => resolve(typeof event.data === 'string' ? event.data : null);
    setTimeout(() => resolve(null), 1000); // a worker of a build before it could tell
    worker.postMessage({ type: 'BUILD' }, [channel.port2]);
  });
  return build !== null && build !== __HEADRACE_BUILD__;
}

function reloadIntoNewBuild(): void {
  sessionStorage.setItem(UPDATED, '1');
  location.reload();
}

/**
 * At start: if a new build is waiting, let it take over and reload into it; if one took
 * over already (a browser lets a waiting worker in as the last page of the old build goes,
 * which a reload can be, after the old one served the page), reload too — so a visit is
 * one build, whole. True: the page is going. A new build taking over later, once the
 * studio is in use (from another tab), is announced instead (registerOffline).
 */
export async function takeWaitingBuild(): Promise<boolean> {
  // Once a visit: a build that would not take over must not have the page reload for ever.
  if (!available() || sessionStorage.getItem(UPDATED)) return false;
  const registration = await navigator.serviceWorker.getRegistration();
  const waiting = registration?.waiting;
  if (waiting && navigator.serviceWorker.controller) {
    sessionStorage.setItem(UPDATED, '1');
    if (await tookOver(waiting)) {
      location.reload();
      return true;
    }
    // Not in time (a busy machine, or the new worker went redundant): this visit stays
    // on the old build, whole; the new one is taken at the next start, or below if it
    // takes over before anything of this one is in use.
  } else if (await copyIsOfAnotherBuild()) {
    reloadIntoNewBuild();
    return true;
  }
  // Taken over while Python boots: nothing of the old build is in use yet, so reload.
  const early = async () => {
    if (await copyIsOfAnotherBuild()) reloadIntoNewBuild();
  };
  navigator.serviceWorker.addEventListener('controllerchange', early);
  addEventListener('headrace:ready', () => navigator.serviceWorker.removeEventListener('controllerchange', early), { once: true });
  return false;
}

/**
 * Ask a waiting worker to take over and wait until it controls the page (its activation
 * clears the old build's files, which takes seconds on a busy machine), for at most 10 s:
 * true if it did. Reloading before then would load the old build again.
 */
function tookOver(waiting: ServiceWorker): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    // Activated is enough: a reload is then served by it, claimed or not yet.
    const controls = () => navigator.serviceWorker.controller === waiting || waiting.state === 'activated';
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(controls()), { once: true });
    waiting.addEventListener('statechange', () => {
      if (waiting.state === 'activated') resolve(true);
      else if (waiting.state === 'redundant') resolve(false);
    });
    setTimeout(() => resolve(controls()), 10_000);
    waiting.postMessage({ type: 'SKIP_WAITING' });
  });
}

/** Register the service worker, and say so when this visit is a new build's first. */
export function registerOffline(): void {
  // Reloaded into it just now (takeWaitingBuild), or opened after every tab of the old one
  // was closed (the new service worker took over then): either way, a new build's first
  // visit — told by the build this browser ran last, never by the reload alone (a reload
  // the old worker still served would say so of the old build).
  if (!available()) return;
  const last = readLastBuild();
  if (last !== null && last !== __HEADRACE_BUILD__) {
    notice('info', 'A new version of Headrace was loaded', 'Your flows are as you left them.');
  }
  sessionStorage.removeItem(UPDATED);
  writeLastBuild();
  const workbox = new Workbox(new URL('sw.js', document.baseURI).href, { scope: './' });
  // Another tab took the new build while this one is in use: say so, and keep going.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    void copyIsOfAnotherBuild().then((stale) => {
      if (stale) notice('info', 'A new version of Headrace is ready', 'Reload the page to use it (your work is saved).');
    });
  });
  workbox.register().catch((error: unknown) => console.warn(`headrace: no offline copy of the studio: ${String(error)}`));
}

function readLastBuild(): string | null {
  try {
    return localStorage.getItem(LAST_BUILD);
  } catch {
    return null;
  }
}

function writeLastBuild(): void {
  try {
    localStorage.setItem(LAST_BUILD, __HEADRACE_BUILD__);
  } catch {
    // no storage: nothing to compare with next time
  }
}
