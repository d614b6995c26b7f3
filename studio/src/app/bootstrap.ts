/**
 * Starting the studio: boot the engine in the background (the UI is usable meanwhile),
 * restore the open flows from IndexedDB, start autosave, and open `/?flow=<url>` if given.
 */
import { notice } from '@/app/notices';
import { importFlowFromUrl } from '@/files/flowFile';
import { checkNamesAgainst } from '@/files/sameName';
import type { Autosave } from '@/persistence/autosave';
import { recoverPending } from '@/persistence/autosave';
import { readableVersion } from '@/persistence/flowStorage';
import type { LocalEngine } from '@/runner/Runner';
import { useEngineStore, useFlowsStore, useRunStore, useSavingStore } from '@/stores';
import { storage } from './services';

export async function bootstrap(runner: LocalEngine): Promise<Autosave> {
  const engine = useEngineStore();
  const flows = useFlowsStore();
  const saving = useSavingStore();
  useRunStore();

  void engine.boot(runner);

  const aside = await recoverPending(storage).catch((error) => {
    console.warn('could not recover unsaved edits', error);
    return [] as string[];
  });
  for (const key of aside) {
    const name = (await storage.load(key).catch(() => undefined))?.doc.name ?? key;
    notice('warning', `Recovered unsaved edits as “${name}”`, 'The flow was saved in another tab meanwhile, so they were kept as a separate flow (see Saved flows).');
  }
  const session = await storage.loadSession().catch(() => undefined);
  for (const key of session?.open ?? []) {
    const saved = await storage.load(key).catch(() => undefined);
    if (!saved) continue;
    const readable = readableVersion(saved);
    if (!readable) {
      notice('error', `Cannot open a saved flow (${key})`, 'Its stored copy is damaged and there is no earlier version to fall back to.');
      continue;
    }
    flows.openDocument(readable.version.doc, key, saved.version ?? 0);
    if (readable.fellBack) {
      notice('warning', `Opened the previous version of “${readable.version.doc.name}”`, 'Its latest save could not be read (it is damaged); your next edit saves over it.');
    }
  }
  if (session?.active && flows.open.some((f) => f.key === session.active)) flows.activate(session.active);

  const autosave = saving.start(storage);
  // An imported flow named like a saved one asks first (files/sameName.ts).
  checkNamesAgainst(storage);

  const flowUrl = new URLSearchParams(location.search).get('flow');
  if (flowUrl) {
    await importFlowFromUrl(flowUrl, engine, flows);
    // Opened once: a reload restores it from storage instead of importing it again.
    history.replaceState(null, '', location.pathname);
  }
  // With nothing open (a first visit), the canvas offers examples or an empty flow
  // (app/StartScreen.vue): no "Untitled 1" is created, or saved, before the user chooses.
  return autosave;
}
