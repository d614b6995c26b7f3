/**
 * User preferences, kept in localStorage (small, synchronous, per browser), including the
 * run target and the backend's token (stored locally, never written into a flow).
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { useHost } from '@/app/host';
import { BackendRunMemory, browserStorage } from '@/persistence/backendRuns';

const STORAGE_KEY = 'headrace.settings';

export type Theme = 'auto' | 'light' | 'dark';
export const THEMES: readonly Theme[] = ['auto', 'light', 'dark'];

export interface Settings {
  /** Debounce before an edit is written to IndexedDB. */
  autosaveDelayMs: number;
  /** Console lines kept per node. */
  consoleLines: number;
  /** Values each socket keeps during a run, newest first (Results and the debug list page through them). */
  keepValues: number;
  /** Keep each run in the run history (IndexedDB; the Runs panel). */
  keepRunHistory: boolean;
  /** The debug sidebar is open, and shows print() lines too. */
  debugOpen: boolean;
  debugPrints: boolean;
  /** Install a flow's requirements from PyPI too when the browser is online. */
  usePackageIndex: boolean;
  /** The index (PEP 503 "simple" URL) asked after the studio's own wheels, when online. */
  packageIndexUrl: string;
  /** Where Pyodide's own packages load from ('' = the default: packageBase.ts); read at boot. */
  packageBaseUrl: string;
  showMinimap: boolean;
  /** Light or dark, or `auto`: as the system says (`prefers-color-scheme`). */
  theme: Theme;
  bottomPanelOpen: boolean;
  /** The messages panel's height in pixels, while open (its top edge drags). */
  bottomPanelHeight: number;
  /** Where Run Flow runs: in this tab (Pyodide) or on a `headrace serve` backend. */
  runTarget: 'browser' | 'backend';
  backendUrl: string;
  /** The backend's token. Kept here, in this browser's localStorage, never in a flow file. */
  backendToken: string;
}

const DEFAULTS: Settings = {
  autosaveDelayMs: 400,
  consoleLines: 500,
  keepValues: 100,
  keepRunHistory: true,
  debugOpen: false,
  debugPrints: false,
  usePackageIndex: true,
  packageIndexUrl: 'https://pypi.org/simple',
  packageBaseUrl: '',
  showMinimap: true,
  theme: 'auto',
  bottomPanelOpen: true,
  bottomPanelHeight: 170,
  runTarget: 'browser',
  backendUrl: 'http://127.0.0.1:8000',
  backendToken: '',
};

function load(): Settings {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    const loaded = { ...DEFAULTS, ...(raw ? (JSON.parse(raw) as Partial<Settings>) : {}) };
    if (!THEMES.includes(loaded.theme)) loaded.theme = DEFAULTS.theme;
    // Once kept here; the run state keeps it now (persistence/backendRuns.ts): hand it over.
    const older = loaded as Partial<Record<'backendRuns', unknown>>;
    if (older.backendRuns !== undefined) new BackendRunMemory(browserStorage()).adopt(older.backendRuns);
    delete older.backendRuns;
    return loaded;
  } catch {
    return { ...DEFAULTS };
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const persist = useHost().persistSettings;
  const settings = ref<Settings>(persist ? load() : { ...DEFAULTS });
  if (persist) watch(
    settings,
    (value) => {
      try {
        globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch {
        // private mode or quota: preferences just don't persist
      }
    },
    { deep: true },
  );
  return { settings };
});
