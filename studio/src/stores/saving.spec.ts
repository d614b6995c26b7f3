import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { onNotice, type Notice } from '@/app/notices';
import { FlowStorage } from '@/persistence/flowStorage';
import { useFlowsStore } from './flows';
import { useSavingStore } from './saving';
import { freshStores } from './testing/freshStores';

describe('saving store', () => {
  let saved: { key: string; version: number }[];
  let notices: Notice[];
  let stopListening: () => void;
  let storage: FlowStorage;

  beforeEach(() => {
    const host = freshStores();
    saved = [];
    host.events.addEventListener('headrace:saved', (e) => saved.push((e as CustomEvent).detail));
    notices = [];
    stopListening = onNotice((n) => notices.push(n));
    storage = new FlowStorage(`test-${Math.random()}`);
  });
  afterEach(() => stopListening());

  /** A flow saved once by this tab, then saved again by another tab, then edited here. */
  async function conflicted(): Promise<string> {
    const flows = useFlowsStore();
    const saving = useSavingStore();
    const key = flows.newFlow();
    saving.start(storage);
    await saving.flush();
    const mine = flows.active!.doc;
    await storage.save(key, { ...JSON.parse(JSON.stringify(mine)), name: 'Theirs' }, { base: 1, writer: 'other-tab' });
    flows.rename(key, 'Mine');
    await nextTick();
    await saving.flush();
    return key;
  }

  it('starts autosave once, and says when IndexedDB has an edit', async () => {
    const flows = useFlowsStore();
    const saving = useSavingStore();
    const key = flows.newFlow();
    const autosave = saving.start(storage);
    expect(saving.start(storage)).toBe(autosave);
    await saving.flush();
    expect(flows.active!.save.state).toBe('saved');
    expect(saved).toMatchObject([{ key, version: 1 }]);
    expect((await storage.load(key))?.doc.name).toBe('Untitled 1');
  });

  it('holds a save by another tab as a conflict, overwriting nothing', async () => {
    const key = await conflicted();
    const saving = useSavingStore();
    expect(saving.conflicts[key]?.doc.name).toBe('Theirs');
    expect(useFlowsStore().active!.save.state).toBe('conflict');
    expect((await storage.load(key))?.doc.name).toBe('Theirs');
    expect(notices.map((n) => n.kind)).toEqual(['warning']);
  });

  it('keeps mine: writes this tab\'s version over the other\'s', async () => {
    const key = await conflicted();
    const saving = useSavingStore();
    await saving.keepMine(key);
    expect(saving.conflicts).toEqual({});
    expect(await storage.load(key)).toMatchObject({ version: 3, doc: { name: 'Mine' } });
    expect(useFlowsStore().active!.save.state).toBe('saved');
  });

  it('loads theirs: this tab takes the other\'s version', async () => {
    const key = await conflicted();
    useSavingStore().loadTheirs(key);
    const flow = useFlowsStore().active!;
    expect([flow.doc.name, flow.savedVersion, flow.save.state]).toEqual(['Theirs', 2, 'saved']);
  });

  it('keeps both: theirs here, and mine as a new flow', async () => {
    const key = await conflicted();
    useSavingStore().keepBoth(key);
    const flows = useFlowsStore();
    expect(flows.open.map((f) => f.doc.name)).toEqual(['Theirs', 'Mine (my copy)']);
    expect(flows.open[0]!.key).toBe(key);
  });

  it('says when a write fails, and leaves the edit unsaved', async () => {
    const full = {
      save: async () => ({ ok: false, reason: 'quota', message: 'QuotaExceededError' }),
      saveSession: async () => undefined,
    } as unknown as FlowStorage;
    const flows = useFlowsStore();
    const saving = useSavingStore();
    flows.newFlow();
    saving.start(full);
    await saving.flush();
    expect(flows.active!.save.state).toBe('failed');
    expect(notices.map((n) => [n.kind, n.detail?.startsWith('The browser storage for this site is full.')])).toEqual([['error', true]]);
  });
});
