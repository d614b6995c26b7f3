/**
 * Vite plugin: emits a TypeScript file as a classic script (not a module) beside the build's
 * entry: types stripped, wrapped in a function so its names stay its own, its `export`
 * keywords dropped (they are there for unit tests). The file must import nothing, since it
 * is not bundled. Used for the embed's loader (studio/src/embed/loader.ts), which must load
 * where a module cannot.
 */
import fs from 'node:fs';
import { transformWithOxc, type Plugin } from 'vite';

export function classicScript(source: string, fileName: string): Plugin {
  return {
    name: 'headrace-classic-script',
    apply: 'build',
    async generateBundle() {
      const text = fs.readFileSync(source, 'utf8');
      if (/^\s*import\s/m.test(text)) this.error(`${source} must import nothing: it is emitted as a classic script, unbundled`);
      const { code } = await transformWithOxc(text, source, { lang: 'ts' });
      const body = code.replace(/^export (?=(async )?function |const |let |class )/gm, '').replace(/^export \{\s*\};?\s*$/gm, '');
      if (/^\s*export\b/m.test(body)) this.error(`${source}: only 'export function/const/class' can be emitted as a classic script`);
      this.emitFile({ type: 'asset', fileName, source: `(function () {\n'use strict';\n${body}})();\n` });
    },
  };
}
