/**
 * Autosave: every change to an open flow is written to IndexedDB after a short debounce,
 * and whatever is pending is flushed when the page is hidden (`pagehide`), so closing or
 * reloading the tab loses nothing.
 */
import { watch } from 'vue';
import type { useFlowsStore } from '@/stores/flows';
import type { FlowStorage } from './flowStorage';

type FlowsStore = ReturnType<typeof useFlowsStore>;

export interface Autosave {
  /** Write everything pending now. */
  flush(): Promise<void>;
  stop(): void;
}

export function startAutosave(flows: FlowsStore, storage: FlowStorage, delayMs: () => number): Autosave {
  const dirty = new Set<string>();
  let sessionDirty = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastSerialised = new Map<string, string>();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const writes: Promise<void>[] = [];
    for (const key of dirty) {
      const flow = flows.open.find((f) => f.key === key);
      if (flow) writes.push(storage.save(key, flow.doc));
    }
    dirty.clear();
    if (sessionDirty) {
      sessionDirty = false;
      writes.push(storage.saveSession({ open: flows.open.map((f) => f.key), active: flows.activeKey }));
    }
    return Promise.all(writes).then(() => undefined);
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void flush(), delayMs());
  }

  const stopDocs = watch(
    () => flows.open.map((f) => [f.key, JSON.stringify(f.doc)] as const),
    (current) => {
      const next = new Map(current);
      for (const [key, text] of next) if (lastSerialised.get(key) !== text) dirty.add(key);
      lastSerialised = next;
      if (dirty.size) schedule();
    },
    { immediate: true },
  );
  const stopSession = watch(
    () => [flows.open.map((f) => f.key).join(','), flows.activeKey],
    () => {
      sessionDirty = true;
      schedule();
    },
    { immediate: true },
  );
  const onHide = () => void flush();
  window.addEventListener('pagehide', onHide);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void flush();
  });

  return {
    flush,
    stop() {
      stopDocs();
      stopSession();
      window.removeEventListener('pagehide', onHide);
    },
  };
}
