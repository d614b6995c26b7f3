/**
 * Vite plugin: serves `studio/generated/` (Pyodide's core files and our wheels, gathered by
 * `studio/scripts/prepare-python.mjs`) at the site root in development, and copies it into
 * the build. Kept apart from `public/` because it is generated and large.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

const CONTENT_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.html': 'text/html',
  '.zip': 'application/zip',
  '.whl': 'application/octet-stream',
};

/** Serve and ship the generated Python assets found in `dir`. */
export function pythonAssets(dir: string): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'headrace-python-assets',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        if (!url.startsWith('/pyodide/') && !url.startsWith('/wheels/')) return next();
        let file = path.join(dir, url);
        if (!file.startsWith(dir)) return next();
        if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
        if (!fs.existsSync(file)) return next();
        res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
        fs.createReadStream(file).pipe(res);
      });
    },
    writeBundle() {
      if (!fs.existsSync(dir)) {
        this.error(`${dir} is missing: run node studio/scripts/prepare-python.mjs first`);
      }
      for (const sub of ['pyodide', 'wheels']) {
        fs.cpSync(path.join(dir, sub), path.join(config.build.outDir, sub), { recursive: true });
      }
    },
  };
}
