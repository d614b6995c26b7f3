/**
 * The code editor's colours: CodeMirror's own (light) or One Dark, swapped in place
 * through a compartment when the studio's dark mode changes.
 */
import { Compartment, type Extension } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';

export const codeMirrorTheme = new Compartment();

export function themeFor(dark: boolean): Extension {
  return dark ? oneDark : [];
}
