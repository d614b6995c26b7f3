/**
 * The packages a flow can require here, for the requirements field's suggestions: the
 * wheels served with the studio (`wheels/manifest.json`) and Pyodide's own packages (the
 * lock file at the package base URL the engine booted with; ours when that is unreachable).
 * Read once, on first need.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useHost } from '@/app/host';
import { CDN_PACKAGE_BASE } from '@/runner/pyodide/packageBase';
import { useEngineStore } from './engine';

export interface AvailablePackage {
  name: string;
  version?: string;
  /** `wheelhouse`: served with the studio; `pyodide`: from Pyodide's distribution. */
  source: 'wheelhouse' | 'pyodide';
}

/** What is read of a `pyodide-lock.json`. */
interface LockList {
  packages?: Record<string, { name: string; version: string; package_type?: string }>;
}

/** Build and bookkeeping packages nobody requires by name (Pyodide's lock lists them). */
const HIDDEN = new Set(['headrace', 'micropip', 'packaging']);

async function json<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

export const usePackagesStore = defineStore('packages', () => {
  const host = useHost();
  const engine = useEngineStore();
  const available = ref<AvailablePackage[]>([]);
  const loaded = ref(false);
  let loading: Promise<void> | null = null;

  async function read(): Promise<void> {
    const base = engine.packageBaseURL();
    // Ours lists the packages of our version (so does the CDN distribution of it: not
    // asked); a base of one's own may list more. The worker loads from both the same way.
    const [manifest, own, theirs] = await Promise.all([
      json<{ wheelhouse?: string[] }>(new URL('wheels/manifest.json', host.runtimeBase).href),
      json<LockList>(new URL('pyodide/pyodide-lock.json', host.runtimeBase).href),
      base === CDN_PACKAGE_BASE ? null : json<LockList>(`${base}pyodide-lock.json`),
    ]);
    const byName = new Map<string, AvailablePackage>();
    for (const name of manifest?.wheelhouse ?? []) if (!HIDDEN.has(name)) byName.set(name, { name, source: 'wheelhouse' });
    for (const entry of [...Object.values(theirs?.packages ?? {}), ...Object.values(own?.packages ?? {})]) {
      // Shared libraries (libopenblas, …) are dependencies, not something to require.
      if (HIDDEN.has(entry.name) || (entry.package_type && entry.package_type !== 'package')) continue;
      if (!byName.has(entry.name)) byName.set(entry.name, { name: entry.name, version: entry.version, source: 'pyodide' });
    }
    available.value = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    loaded.value = true;
  }

  /** Read what is available (once; later calls share the first read). */
  function load(): Promise<void> {
    loading ??= read();
    return loading;
  }

  return { available, loaded, load };
});
