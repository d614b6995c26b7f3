/**
 * Saving the open flows: autosave (persistence/autosave.ts) wired to the UI. Each tab's
 * save state lives on its OpenFlow; this store holds what needs the user: conflicts with
 * another tab's save (keep mine, load theirs, keep both) and failed writes (export).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useHost } from '@/app/host';
import { notice } from '@/app/notices';
import { startAutosave, type Autosave } from '@/persistence/autosave';
import type { FlowStorage, SavedFlow } from '@/persistence/flowStorage';
import type { FlowDocument } from '@/protocol/flow';
import { fire } from '@/run/windowEvents';
import { useFlowsStore } from './flows';
import { useSettingsStore } from './settings';

export const useSavingStore = defineStore('saving', () => {
  const host = useHost();
  const flows = useFlowsStore();
  const settings = useSettingsStore();
  /** Flows another tab saved since this tab read them, with what it stored. */
  const conflicts = ref<Record<string, SavedFlow>>({});
  let autosave: Autosave | null = null;

  const nameOf = (key: string) => flows.open.find((f) => f.key === key)?.doc.name ?? key;

  function start(storage: FlowStorage): Autosave {
    // Past runs shown in tabs are views of the run history, not flows: never saved, nor reopened.
    const kept = {
      get open() {
        return flows.open.filter((f) => !f.pastRun);
      },
      get activeKey() {
        return flows.active?.pastRun ? (kept.open[0]?.key ?? null) : flows.activeKey;
      },
    };
    autosave ??= startAutosave(kept, storage, () => settings.settings.autosaveDelayMs, {
      saved: (key, version, doc) => fire(host.events, 'headrace:saved', { key, version, doc }),
      conflict: (key, stored) => {
        conflicts.value[key] = stored;
        notice('warning', `“${nameOf(key)}” was saved in another tab`, 'Nothing was overwritten. Choose which version to keep, in the toolbar.');
      },
      failed: (key, reason, message) =>
        notice(
          'error',
          `Not saved: “${nameOf(key)}”`,
          `${reason === 'quota' ? 'The browser storage for this site is full.' : message} Your edits are still open here: export the flow to keep them.`,
        ),
    });
    return autosave;
  }

  function settle(key: string): SavedFlow | undefined {
    const stored = conflicts.value[key];
    delete conflicts.value[key];
    return stored;
  }

  /** Keep this tab's version: write it over the other tab's. */
  async function keepMine(key: string): Promise<void> {
    settle(key);
    const flow = flows.open.find((f) => f.key === key);
    if (flow) flow.save = { state: 'unsaved' };
    await autosave?.overwrite(key);
  }

  /** Take the other tab's version; this tab's edits are dropped. */
  function loadTheirs(key: string): void {
    const stored = settle(key);
    if (stored) flows.replaceFromStorage(key, stored.doc, stored.version);
  }

  /** Take the other tab's version here, and keep this tab's edits as a new flow. */
  function keepBoth(key: string): void {
    const flow = flows.open.find((f) => f.key === key);
    const stored = settle(key);
    if (!flow || !stored) return;
    const mine = JSON.parse(JSON.stringify(flow.doc)) as FlowDocument;
    flows.replaceFromStorage(key, stored.doc, stored.version);
    flows.openDocument({ ...mine, name: `${mine.name} (my copy)` });
  }

  function flush(): Promise<void> {
    return autosave?.flush() ?? Promise.resolve();
  }

  return { conflicts, start, keepMine, loadTheirs, keepBoth, flush };
});
