import { describe, expect, it } from 'vitest';
import { BackendRunMemory } from './backendRuns';

function storage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('BackendRunMemory', () => {
  it('remembers a run per tab, for the backend it was started on', () => {
    const memory = new BackendRunMemory(storage());
    memory.remember('f-1', 'r-1', 'http://a');
    expect(memory.remembered('f-1', 'http://a')).toBe('r-1');
    expect(memory.remembered('f-1', 'http://b')).toBeNull();
    expect(memory.remembered('f-2', 'http://a')).toBeNull();
  });

  it('is shared through storage by every page of this browser', () => {
    const shared = storage();
    new BackendRunMemory(shared).remember('f-1', 'r-1', 'http://a');
    expect(new BackendRunMemory(shared).remembered('f-1', 'http://a')).toBe('r-1');
  });

  it('forgets a run only when it is the one remembered', () => {
    const memory = new BackendRunMemory(storage());
    memory.remember('f-1', 'r-2', 'http://a');
    memory.forget('f-1', 'r-1');
    expect(memory.remembered('f-1', 'http://a')).toBe('r-2');
    memory.forget('f-1', 'r-2');
    expect(memory.remembered('f-1', 'http://a')).toBeNull();
  });

  it('keeps runs for the page only without storage, and shrugs off unreadable storage', () => {
    const memory = new BackendRunMemory(null);
    memory.remember('f-1', 'r-1', 'http://a');
    expect(memory.remembered('f-1', 'http://a')).toBe('r-1');
    const broken = storage();
    broken.items.set('headrace.backend-runs', '{not json');
    expect(new BackendRunMemory(broken).remembered('f-1', 'http://a')).toBeNull();
  });

  it('takes over runs remembered where settings once kept them; its own win, malformed ones are skipped', () => {
    const memory = new BackendRunMemory(storage());
    memory.remember('f-2', 'r-new', 'http://a');
    memory.adopt({ 'f-1': { run: 'r-1', url: 'http://a' }, 'f-2': { run: 'r-old', url: 'http://a' }, 'f-3': { run: 7 }, 'f-4': null });
    expect(memory.remembered('f-1', 'http://a')).toBe('r-1');
    expect(memory.remembered('f-2', 'http://a')).toBe('r-new');
    expect(memory.remembered('f-3', 'http://a')).toBeNull();
    memory.adopt('not an object');
    expect(memory.remembered('f-1', 'http://a')).toBe('r-1');
  });
});
