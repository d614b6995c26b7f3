/**
 * Where Pyodide's own packages (numpy, pandas, … — the ones its lock file lists) are loaded
 * from: the package base URL. The first of these that is set wins:
 *
 * 1. `?packages=<url>` on the studio's address (for one visit, or a link to share);
 * 2. the studio setting "Pyodide packages from" (localStorage, with the other settings);
 * 3. `VITE_PYODIDE_PACKAGES` at build time (a site that mirrors the distribution);
 * 4. the CDN distribution of the Pyodide version we ship.
 *
 * Files the studio serves itself (in its own `pyodide/` folder) are used before any of
 * these: see the worker's `packageLock`. Read once, when the engine boots: a change
 * applies from the next reload.
 */
import { version as PYODIDE_VERSION } from 'pyodide/package.json';

export const CDN_PACKAGE_BASE = `https://cdn.jsdelivr.net/pyodide/v${PYODIDE_VERSION}/full/`;
const SETTINGS_KEY = 'headrace.settings';

/** A base URL as a folder (a trailing slash), resolved against `relativeTo`; null if unusable. */
export function asFolder(url: string | null | undefined, relativeTo: string): string | null {
  if (!url?.trim()) return null;
  try {
    const href = new URL(url.trim(), relativeTo).href;
    return href.endsWith('/') ? href : `${href}/`;
  } catch {
    return null;
  }
}

/** The setting as stored, read without the settings store (the engine boots before it). */
function storedSetting(): string | null {
  try {
    const raw = globalThis.localStorage?.getItem(SETTINGS_KEY);
    const value = raw ? (JSON.parse(raw) as { packageBaseUrl?: unknown }).packageBaseUrl : null;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** The package base URL this page boots with (see the module's comment for the order). */
export function packageBaseUrl(
  location: { href: string; search: string } = globalThis.location,
  stored: string | null = storedSetting(),
  built: string | undefined = import.meta.env?.VITE_PYODIDE_PACKAGES as string | undefined,
): string {
  const fromQuery = new URLSearchParams(location.search).get('packages');
  return asFolder(fromQuery, location.href) ?? asFolder(stored, location.href) ?? asFolder(built, location.href) ?? CDN_PACKAGE_BASE;
}
