/**
 * The embed's styles live in its shadow root, so they neither leak into the host page nor
 * take the page's styles in. Two things a shadow root cannot scope are handled here:
 * - `:root` rules (Quasar's and ours define CSS variables there) are rewritten to `:host`;
 * - `@font-face` is ignored inside a shadow root, so the icon font is declared once in the
 *   document, under a family name of our own that no host page uses;
 * - the studio's dark mode keys on `body.body--dark`, outside the shadow root: its rules
 *   are rewritten to key on the scheme the embed shows (`.hr-root[data-scheme='dark']`).
 * Each stylesheet is parsed once per page and adopted by every embed.
 */
import iconsCss from '@quasar/extras/material-icons/material-icons.css?inline';
import quasarCss from 'quasar/dist/quasar.prod.css?inline';
import darkCss from '@/app/dark.css?inline';
import studioCss from '@/app/studio.css?inline';
import embedCss from './embed.css?inline';

const ICON_FAMILY = "'Headrace Material Icons'";
// Quoted or not: the minifier drops the quotes.
const MATERIAL_ICONS = /(['"]?)Material Icons\1/g;
const FONT_FACE = /@font-face\s*{[^}]*}/g;
const STUDIO_DARK = /body\.body--dark\b/g;

let sheets: CSSStyleSheet[] | null = null;

function scoped(css: string): CSSStyleSheet {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(
    css
      .replace(/:root\b/g, ':host')
      .replace(FONT_FACE, '')
      .replace(MATERIAL_ICONS, ICON_FAMILY)
      .replace(STUDIO_DARK, ".hr-root[data-scheme='dark']"),
  );
  return sheet;
}

function declareIconFont(): void {
  if (document.querySelector('style[data-headrace-fonts]')) return;
  const style = document.createElement('style');
  style.dataset.headraceFonts = '';
  style.textContent = (iconsCss.match(FONT_FACE) ?? []).join('\n').replace(MATERIAL_ICONS, ICON_FAMILY);
  document.head.append(style);
}

/** Give `root` the embed's styles. */
export function adoptStyles(root: ShadowRoot): void {
  if (!sheets) {
    declareIconFont();
    sheets = [quasarCss, iconsCss, studioCss, darkCss, embedCss].map(scoped);
  }
  root.adoptedStyleSheets = [...sheets];
}
