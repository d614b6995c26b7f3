import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { quasar, transformAssetUrls } from '@quasar/vite-plugin';
import { VitePWA } from 'vite-plugin-pwa';
import { defineConfig } from 'vitest/config';
import { classicScript } from './studio/build/classicScript.ts';
import { examples } from './studio/build/examples.ts';
import { pythonAssets } from './studio/build/pythonAssets.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // The engine's worker has an origin of its own (away from the studio's storage) and
  // loads our files as cross-origin reads: see studio/src/runner/pyodide/PyodideRunner.ts.
  'Access-Control-Allow-Origin': '*',
};

/**
 * The studio's service worker (Workbox, through vite-plugin-pwa: docs/design.md, "Offline")
 * precaching the whole build but the embed's folder, and its web app manifest.
 */
function offlineApp() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/offline',
    filename: 'sw.ts',
    injectRegister: false, // app/offline.ts registers it, once Python is up
    manifest: {
      name: 'Headrace',
      short_name: 'Headrace',
      description: 'Python dataflows in the browser: draw a flow, run it, see every value.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#ffffff',
      theme_color: '#1a237e',
      icons: [
        { src: 'icons/headrace-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icons/headrace-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    injectManifest: {
      globPatterns: ['**/*.{html,js,mjs,css,svg,png,woff,woff2,json,wasm,zip,whl}'],
      // The embed is copied to docs sites as a folder of its own.
      globIgnores: ['embed/**'],
      // Pyodide's runtime is 9 MiB.
      maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
    },
  });
}

const BUILD_ID = process.env.HEADRACE_BUILD_ID ?? new Date().toISOString();

// Two builds of one code base, both plain static files:
// - the studio (default mode): studio/index.html → dist/;
// - the embed (`--mode embed`): one ES module defining <headrace-flow>, in a folder that
//   holds everything it needs (its chunks, Pyodide, the wheels) → dist/embed/, so a docs
//   author can copy that one folder. It runs after the studio build, which empties dist/.
export default defineConfig(({ mode }) => {
  const embed = mode === 'embed';
  return {
    root: here('./studio'),
    // Relative asset URLs: dist/ can be hosted under any path by any static server.
    base: './',
    publicDir: embed ? false : here('./public'),
    plugins: [
      vue({ template: { transformAssetUrls } }),
      quasar({ sassVariables: false }),
      pythonAssets(here('./studio/generated')),
      // The example flows, for the Examples menu and `?flow=examples/<file>.json`.
      ...(embed ? [] : [examples(here('./templates/flows'))]),
      // The embed's loader: a classic script, which loads where a module cannot (embedding.md).
      ...(embed ? [classicScript(here('./studio/src/embed/loader.ts'), 'headrace-loader.js')] : []),
      // The studio offline and installable: studio/src/offline/sw.ts, app/offline.ts.
      ...(embed ? [] : [offlineApp()]),
    ],
    resolve: { alias: { '@': here('./studio/src') } },
    // Names the build: the studio says so when a visit is the first of a new one (app/offline.ts).
    define: { __HEADRACE_BUILD__: JSON.stringify(BUILD_ID) },
    worker: { format: 'es' },
    // Cross-origin isolation: Stop can then interrupt busy Python through a shared buffer
    // instead of restarting it; CORS for the engine's opaque-origin worker (docs/security.md).
    server: { headers: ISOLATION_HEADERS },
    preview: { headers: ISOLATION_HEADERS },
    // Pyodide locates its own files at run time; pre-bundling it breaks that.
    optimizeDeps: { exclude: ['pyodide'] },
    build: embed
      ? {
          outDir: here('./dist/embed'),
          emptyOutDir: true,
          target: 'es2022',
          chunkSizeWarningLimit: 1500,
          // The embed's styles are strings adopted by its shadow root; the icon font
          // inside them must not be a URL relative to whichever page hosts the embed.
          assetsInlineLimit: (file: string) => (/\.woff2?$/.test(file) ? true : undefined),
          rollupOptions: {
            input: here('./studio/src/embed/main.ts'),
            output: {
              entryFileNames: 'headrace-embed.js',
              chunkFileNames: 'chunks/[name]-[hash].js',
              assetFileNames: 'assets/[name]-[hash][extname]',
            },
            // A library entry: keep its (empty) exports, don't strip it as unused.
            preserveEntrySignatures: 'strict' as const,
          },
        }
      : {
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
  };
});
