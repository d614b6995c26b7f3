/**
 * Starting the studio: boot the engine in the background (the UI is usable meanwhile),
 * restore the open flows from IndexedDB, start autosave, and open `/?flow=<url>` if given.
 */
import { importFlowFromUrl } from '@/files/flowFile';
import { recoverPending, startAutosave, type Autosave } from '@/persistence/autosave';
import type { Runner } from '@/runner/Runner';
import { useEngineStore } from '@/stores/engine';
import { useFlowsStore } from '@/stores/flows';
import { useRunStore } from '@/stores/run';
import { useSettingsStore } from '@/stores/settings';
import { storage } from './services';

export async function bootstrap(runner: Runner): Promise<Autosave> {
  const engine = useEngineStore();
  const flows = useFlowsStore();
  const settings = useSettingsStore();
  useRunStore();

  void engine.$boot(runner);

  await recoverPending(storage).catch((error) => console.warn('could not recover unsaved edits', error));
  const session = await storage.loadSession().catch(() => undefined);
  for (const key of session?.open ?? []) {
    const saved = await storage.load(key).catch(() => undefined);
    if (saved) flows.$open(saved.doc, key);
  }
  if (session?.active && flows.open.some((f) => f.key === session.active)) flows.activate(session.active);

  const autosave = startAutosave(flows, storage, () => settings.settings.autosaveDelayMs);

  const flowUrl = new URLSearchParams(location.search).get('flow');
  if (flowUrl) {
    await importFlowFromUrl(flowUrl, engine, flows);
    // Opened once: a reload restores it from storage instead of importing it again.
    history.replaceState(null, '', location.pathname);
  }
  if (flows.open.length === 0) flows.newFlow();
  return autosave;
}
