/**
 * The host page's colour scheme, for embeds that set no `theme`: docs themes say light or
 * dark in a few well-known places, and the embed follows them as they change.
 *
 * Read in this order, the first that says something wins:
 * 1. Material for MkDocs: `data-md-color-scheme` on `<body>` (or `<html>`): `slate` is dark.
 * 2. Furo (Sphinx): `<body data-theme="dark|light|auto">`; `auto` follows the reader's system.
 * 3. PyData Sphinx theme and others: `<html data-theme="dark|light">`; Bootstrap 5.3:
 *    `<html data-bs-theme="dark|light">`.
 * 4. A `dark` class on `<html>` or `<body>` (VitePress, Tailwind's class strategy).
 * 5. The page's own background, when it paints one: dark if its luminance is low. This
 *    catches pages that switch with `@media (prefers-color-scheme: dark)` in their CSS.
 * 6. Otherwise the page is the browser's default canvas, which is dark only when the page
 *    declares `color-scheme: dark` (or `light dark` with the reader's system dark).
 *
 * Why not `prefers-color-scheme` alone: a page with no dark mode stays white on a dark
 * system, and an embed that went dark there would be the only dark thing on it.
 */

export type Scheme = 'light' | 'dark';

/** What a page says about its scheme: attribute values as read (`null`: absent). */
export interface SchemeSignals {
  mdColorScheme: string | null;
  bodyTheme: string | null;
  htmlTheme: string | null;
  bsTheme: string | null;
  darkClass: boolean;
  /** The page's background colour as computed (`rgb(…)`/`rgba(…)`), body's if opaque, else html's. */
  background: string | null;
  /** The root's computed `color-scheme` (`normal`, `light`, `dark`, `light dark`). */
  colorScheme: string | null;
  /** `matchMedia('(prefers-color-scheme: dark)').matches`. */
  prefersDark: boolean;
}

/** The attributes whose changes can change the answer (for a MutationObserver). */
export const SCHEME_ATTRIBUTES = ['data-md-color-scheme', 'data-theme', 'data-bs-theme', 'class', 'style'];

function named(value: string | null, prefersDark: boolean): Scheme | null {
  switch (value?.trim().toLowerCase()) {
    case 'dark':
      return 'dark';
    case 'light':
      return 'light';
    case 'auto':
    case 'system':
      return prefersDark ? 'dark' : 'light';
    default:
      return null;
  }
}

/** Parse `rgb(r, g, b)` / `rgba(r, g, b, a)` (or the space-separated form); `null` if transparent or unknown. */
function opaqueRgb(color: string | null): [number, number, number] | null {
  const parts = color?.match(/rgba?\(([^)]*)\)/)?.[1]?.split(/[\s,/]+/).filter(Boolean).map(Number);
  if (!parts || parts.length < 3 || parts.some(Number.isNaN)) return null;
  if (parts.length > 3 && (parts[3] ?? 1) < 0.5) return null;
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

/** Relative luminance (WCAG) of an sRGB colour, 0 (black) to 1 (white). */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The scheme a page's signals say, by the order in this module's comment. */
export function schemeOf(s: SchemeSignals): Scheme {
  if (s.mdColorScheme !== null) return s.mdColorScheme === 'slate' ? 'dark' : 'light';
  const said = named(s.bodyTheme, s.prefersDark) ?? named(s.htmlTheme, s.prefersDark) ?? named(s.bsTheme, s.prefersDark);
  if (said) return said;
  if (s.darkClass) return 'dark';
  const rgb = opaqueRgb(s.background);
  if (rgb) return luminance(rgb) < 0.2 ? 'dark' : 'light';
  const declared = (s.colorScheme ?? '').split(/\s+/);
  if (declared.includes('dark')) return declared.includes('light') && !s.prefersDark ? 'light' : 'dark';
  return 'light';
}

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Read the signals from a live document. */
export function readSignals(doc: Document): SchemeSignals {
  const html = doc.documentElement;
  const body = doc.body as HTMLElement | null;
  const view = doc.defaultView;
  const bodyBg = body && view ? view.getComputedStyle(body).backgroundColor : null;
  const htmlStyle = view?.getComputedStyle(html);
  return {
    mdColorScheme: body?.getAttribute('data-md-color-scheme') ?? html.getAttribute('data-md-color-scheme'),
    bodyTheme: body?.getAttribute('data-theme') ?? null,
    htmlTheme: html.getAttribute('data-theme'),
    bsTheme: html.getAttribute('data-bs-theme'),
    darkClass: html.classList.contains('dark') || !!body?.classList.contains('dark'),
    background: opaqueRgb(bodyBg) ? bodyBg : (htmlStyle?.backgroundColor ?? null),
    colorScheme: htmlStyle?.colorScheme ?? null,
    prefersDark: !!view?.matchMedia?.(DARK_QUERY).matches,
  };
}

type Listener = (scheme: Scheme) => void;
const listeners = new Set<Listener>();
let current: Scheme | null = null;
let stopWatching: (() => void) | null = null;

function update(): void {
  const next = schemeOf(readSignals(document));
  if (next === current) return;
  current = next;
  for (const listener of listeners) listener(next);
}

function watch(): () => void {
  // Read now, and again once the page has settled: a background that changes with a CSS
  // transition, or a stylesheet that loads late, has its final colour only then.
  let late = 0;
  const changed = () => {
    update();
    window.clearTimeout(late);
    late = window.setTimeout(update, 400);
  };
  const observer = new MutationObserver(changed);
  const options = { attributes: true, attributeFilter: SCHEME_ATTRIBUTES };
  observer.observe(document.documentElement, options);
  if (document.body) observer.observe(document.body, options);
  const media = window.matchMedia(DARK_QUERY);
  media.addEventListener('change', changed);
  window.addEventListener('load', changed);
  changed();
  return () => {
    observer.disconnect();
    media.removeEventListener('change', changed);
    window.removeEventListener('load', changed);
    window.clearTimeout(late);
  };
}

/**
 * Call `listener` with the page's scheme now and whenever it changes, until the returned
 * function is called. One observer serves every embed of the page.
 */
export function followHostScheme(listener: Listener): () => void {
  update();
  listeners.add(listener);
  if (!stopWatching) stopWatching = watch();
  listener(current ?? schemeOf(readSignals(document)));
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && stopWatching) {
      stopWatching();
      stopWatching = null;
    }
  };
}
