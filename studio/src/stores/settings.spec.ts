import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { BackendRunMemory } from '@/persistence/backendRuns';
import { useSettingsStore } from './settings';
import { freshStores } from './testing/freshStores';

const KEY = 'headrace.settings';
const stored = () => JSON.parse(localStorage.getItem(KEY) ?? 'null') as Record<string, unknown> | null;

describe('settings store', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => localStorage.clear());

  it('starts from the defaults when nothing is stored', () => {
    freshStores({ persistSettings: true });
    const { settings } = useSettingsStore();
    expect(settings).toMatchObject({ runTarget: 'browser', theme: 'auto', keepValues: 100, backendToken: '' });
  });

  it('reads what is stored over the defaults; an unknown theme falls back', () => {
    localStorage.setItem(KEY, JSON.stringify({ runTarget: 'backend', theme: 'neon', consoleLines: 20 }));
    freshStores({ persistSettings: true });
    const { settings } = useSettingsStore();
    expect(settings).toMatchObject({ runTarget: 'backend', theme: 'auto', consoleLines: 20, keepValues: 100 });
  });

  it('hands the backend runs it once kept to the run state, so a live run is still re-attached to', () => {
    localStorage.setItem(KEY, JSON.stringify({ backendRuns: { f: { run: 'r', url: 'u' } } }));
    freshStores({ persistSettings: true });
    expect(useSettingsStore().settings).not.toHaveProperty('backendRuns');
    expect(new BackendRunMemory(localStorage).remembered('f', 'u')).toBe('r');
  });

  it('writes every change to localStorage', async () => {
    freshStores({ persistSettings: true });
    const store = useSettingsStore();
    store.settings.backendToken = 'secret';
    await nextTick();
    expect(stored()).toMatchObject({ backendToken: 'secret' });
  });

  it('shrugs off what cannot be read', () => {
    localStorage.setItem(KEY, '{not json');
    freshStores({ persistSettings: true });
    expect(useSettingsStore().settings.theme).toBe('auto');
  });

  it('neither reads nor writes storage for a host that keeps no preferences (an embed)', async () => {
    localStorage.setItem(KEY, JSON.stringify({ backendToken: 'the studio\'s' }));
    freshStores({ persistSettings: false });
    const store = useSettingsStore();
    expect(store.settings.backendToken).toBe('');
    store.settings.theme = 'dark';
    await nextTick();
    expect(stored()).toEqual({ backendToken: 'the studio\'s' });
  });
});
