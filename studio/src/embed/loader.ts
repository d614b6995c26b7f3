/**
 * `embed/headrace-loader.js`: the embed's loader, a classic script (built from this file by
 * studio/build/classicScript.ts). A page on another origin than the embed's host can load
 * a classic script from anywhere, but a module only if that host sends
 * `Access-Control-Allow-Origin`; without it the browser drops the module, no code of ours
 * runs, and the page stays blank. So this script loads `headrace-embed.js` (beside it) as a
 * module, and when that fails finds out why and says so in every `<headrace-flow>` of the
 * page (and on the console), naming the host and the header to send.
 *
 * It must stay self-contained: no imports (it is not bundled).
 */

/** Why the module did not load. */
export type LoadFailure = { kind: 'cors' } | { kind: 'http'; status: number } | { kind: 'network' } | { kind: 'other' };

/** The message shown in the page, for a module at `moduleUrl` that failed to load into a page at `pageOrigin`. */
export function unavailableMessage(moduleUrl: string, pageOrigin: string, failure: LoadFailure): string {
  const url = new URL(moduleUrl);
  const head = `The Headrace embed could not load from ${url.origin}`;
  switch (failure.kind) {
    case 'cors':
      return (
        `${head}: that host must send Access-Control-Allow-Origin (the header "Access-Control-Allow-Origin: *") ` +
        `with the files of ${new URL('./', url).href}. This page is on another origin (${pageOrigin}), and a ` +
        `browser runs a module from another origin only when its host allows it.`
      );
    case 'http':
      return `${head}: ${moduleUrl} answered HTTP ${failure.status} (is the embed folder copied whole, with headrace-embed.js beside headrace-loader.js?).`;
    case 'network':
      return `${head}: ${moduleUrl} could not be fetched (is the host up, and the address right?).`;
    case 'other':
      return `${head}: ${moduleUrl} or one of its files failed to load; the browser's console says which.`;
  }
}

/** Tell a refused cross-origin read (host up, header missing) from an HTTP error or a host that is down. */
async function diagnose(moduleUrl: string): Promise<LoadFailure> {
  try {
    const response = await fetch(moduleUrl, { cache: 'no-store' });
    return response.ok ? { kind: 'other' } : { kind: 'http', status: response.status };
  } catch {
    if (new URL(moduleUrl).origin === location.origin) return { kind: 'network' };
    try {
      // An opaque answer needs no CORS: the host is up, it only refuses to be read.
      await fetch(moduleUrl, { mode: 'no-cors', cache: 'no-store' });
      return { kind: 'cors' };
    } catch {
      return { kind: 'network' };
    }
  }
}

const BOX_STYLE = [
  'box-sizing: border-box',
  'margin: 8px 0',
  'padding: 10px 12px',
  'border: 1px solid #e57373',
  'border-radius: 6px',
  'background: #ffebee',
  'color: #b71c1c',
  'font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
  'white-space: pre-wrap',
  'word-break: break-word',
].join(';');

/** Replace what an undefined `<headrace-flow>` shows with the message (once). */
function showIn(element: Element, message: string): void {
  if (element.hasAttribute('data-headrace-unavailable')) return;
  element.setAttribute('data-headrace-unavailable', '');
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.setAttribute('data-testid', 'embed-unavailable');
  box.setAttribute('style', BOX_STYLE);
  box.textContent = message;
  element.replaceChildren(box);
  element.dispatchEvent(
    new CustomEvent('headrace:error', {
      bubbles: true,
      composed: true,
      detail: { type: 'EmbedUnavailable', message, src: element.getAttribute('src') },
    }),
  );
}

function showEverywhere(message: string): void {
  const all = () => {
    for (const element of document.querySelectorAll('headrace-flow:not(:defined)')) showIn(element, message);
  };
  all();
  // Embeds added later (a docs theme that swaps pages in place) say it too.
  new MutationObserver(all).observe(document.documentElement, { childList: true, subtree: true });
}

function load(moduleUrl: string): void {
  if (customElements.get('headrace-flow')) return;
  const script = document.createElement('script');
  script.type = 'module';
  script.src = moduleUrl;
  script.addEventListener('error', () => {
    void diagnose(moduleUrl).then((failure) => {
      const message = unavailableMessage(moduleUrl, location.origin, failure);
      console.error(message);
      const show = () => showEverywhere(message);
      if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
      else show();
    });
  });
  document.head.append(script);
}

// Run as a script in a page (not when a test imports this file for its functions).
const current = typeof document === 'undefined' ? null : document.currentScript;
if (current instanceof HTMLScriptElement && current.src) load(new URL('headrace-embed.js', current.src).href);
