/**
 * User preferences, kept in localStorage (small, synchronous, per browser).
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

const STORAGE_KEY = 'headrace.settings';

export interface Settings {
  /** Debounce before an edit is written to IndexedDB. */
  autosaveDelayMs: number;
  /** Console lines kept per node. */
  consoleLines: number;
  /** Install a flow's requirements from PyPI too when the browser is online. */
  usePackageIndex: boolean;
  showMinimap: boolean;
  bottomPanelOpen: boolean;
}

const DEFAULTS: Settings = {
  autosaveDelayMs: 400,
  consoleLines: 500,
  usePackageIndex: true,
  showMinimap: true,
  bottomPanelOpen: true,
};

function load(): Settings {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    return { ...DEFAULTS, ...(raw ? (JSON.parse(raw) as Partial<Settings>) : {}) };
  } catch {
    return { ...DEFAULTS };
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const settings = ref<Settings>(load());
  watch(
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
