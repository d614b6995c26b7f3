import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { quasar, transformAssetUrls } from '@quasar/vite-plugin';
import { defineConfig } from 'vitest/config';
import { pythonAssets } from './studio/build/pythonAssets.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The studio lives in studio/; the build is plain static files in dist/ at the repo root.
export default defineConfig({
  root: here('./studio'),
  // Relative asset URLs: dist/ can be hosted under any path by any static server.
  base: './',
  publicDir: here('./public'),
  plugins: [
    vue({ template: { transformAssetUrls } }),
    quasar({ sassVariables: false }),
    pythonAssets(here('./studio/generated')),
  ],
  resolve: { alias: { '@': here('./studio/src') } },
  worker: { format: 'es' },
  // Pyodide locates its own files at run time; pre-bundling it breaks that.
  optimizeDeps: { exclude: ['pyodide'] },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
  },
  test: {
    root: here('./studio'),
    environment: 'happy-dom',
    include: ['src/**/*.spec.ts'],
  },
});
