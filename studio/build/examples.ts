/**
 * Vite plugin: ships the example flows of `templates/flows/` as `examples/<file>.json`,
 * with `examples/index.json` listing them (file, name, description) for the studio's
 * Examples menu and start screen; served at the same paths in development. The flows
 * are declared once, in `templates/flows/`: the index is read from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

/** Examples listed first, in this order (a first flow, then one per idea); the rest follow by name. */
const FIRST = ['hello', 'csv-summary', 'join', 'enrich', 'error-routing', 'http-fetch', 'schedule', 'cron-timer'];

export interface ExampleEntry {
  /** The file name in `examples/`, e.g. `hello.json`. */
  file: string;
  name: string;
  description: string;
}

/** The index of the example flows in `dir`, in menu order. */
export function exampleIndex(dir: string): ExampleEntry[] {
  const rank = (stem: string) => (FIRST.includes(stem) ? FIRST.indexOf(stem) : FIRST.length);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => {
      const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { name: string; description?: string };
      return { file, name: doc.name, description: doc.description ?? '' };
    })
    .sort((a, b) => rank(a.file.slice(0, -5)) - rank(b.file.slice(0, -5)) || a.name.localeCompare(b.name));
}

export function examples(dir: string): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'headrace-examples',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        const match = /^\/examples\/([\w.-]+\.json)$/.exec(url);
        if (!match?.[1]) return next();
        const file = path.join(dir, match[1]);
        const body = match[1] === 'index.json' ? JSON.stringify(exampleIndex(dir)) : fs.existsSync(file) ? fs.readFileSync(file) : null;
        if (body === null) return next();
        res.setHeader('Content-Type', 'application/json');
        res.end(body);
      });
    },
    writeBundle() {
      const out = path.join(config.build.outDir, 'examples');
      fs.mkdirSync(out, { recursive: true });
      const index = exampleIndex(dir);
      for (const { file } of index) fs.copyFileSync(path.join(dir, file), path.join(out, file));
      fs.writeFileSync(path.join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
    },
  };
}
