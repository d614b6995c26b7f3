import { beforeEach, describe, expect, it } from 'vitest';
import type { Patch } from '@/history/patches';
import { useHistoryStore } from './history';
import { freshStores } from './testing/freshStores';

const set = (value: number): Patch => ({ op: 'replace', path: ['value'], value });
const step = (label: string, to: number, from: number, mergeKey?: string) => ({ label, redo: [set(to)], undo: [set(from)], mergeKey });

describe('history store', () => {
  beforeEach(() => {
    freshStores();
  });

  it('undoes and redoes in order, per flow, and a new edit clears what could be redone', () => {
    const history = useHistoryStore();
    history.record('a', step('one', 1, 0), 0);
    history.record('a', step('two', 2, 1), 10_000);
    history.record('b', step('other', 9, 0), 20_000);
    expect(history.popUndo('a')?.label).toBe('two');
    expect(history.popUndo('a')?.label).toBe('one');
    expect(history.popUndo('a')).toBeUndefined();
    expect(history.popRedo('a')?.label).toBe('one');
    history.record('a', step('three', 3, 1), 30_000);
    expect(history.popRedo('a')).toBeUndefined();
    expect(history.popUndo('b')?.label).toBe('other');
  });

  it('merges edits with one key made close together into one step', () => {
    const history = useHistoryStore();
    history.record('a', step('Edit code', 1, 0, 'code:n'), 0);
    history.record('a', step('Edit code', 2, 1, 'code:n'), 1000);
    history.record('a', step('Edit code', 3, 2, 'code:n'), 5000); // too late to merge
    const late = history.popUndo('a')!;
    expect(late.redo).toEqual([set(3)]);
    const merged = history.popUndo('a')!;
    expect(merged.redo).toEqual([set(1), set(2)]);
    expect(merged.undo).toEqual([set(1), set(0)]);
  });

  it('never merges into a step that was redone', () => {
    const history = useHistoryStore();
    history.record('a', step('Edit code', 1, 0, 'code:n'), 0);
    history.popUndo('a');
    history.popRedo('a');
    history.record('a', step('Edit code', 2, 1, 'code:n'), 100);
    expect(history.stacks.a!.undo).toHaveLength(2);
  });

  it('ignores edits that change nothing, and keeps at most 500 steps', () => {
    const history = useHistoryStore();
    history.record('a', { label: 'nothing', redo: [], undo: [] });
    expect(history.stacks.a).toBeUndefined();
    for (let i = 0; i < 510; i++) history.record('a', step(`s${i}`, i + 1, i), i * 10_000);
    expect(history.stacks.a!.undo).toHaveLength(500);
    expect(history.stacks.a!.undo[0]!.label).toBe('s10');
  });

  it('says what the active flow can undo and redo, and forgets a closed flow', () => {
    const history = useHistoryStore();
    history.record('a', step('Add node', 1, 0), 0);
    expect(history.canUndo).toBe(false); // no flow is active
    history.activeKey = 'a';
    expect([history.canUndo, history.canRedo, history.undoLabel, history.redoLabel]).toEqual([true, false, 'Add node', null]);
    history.popUndo('a');
    expect([history.canUndo, history.canRedo, history.undoLabel, history.redoLabel]).toEqual([false, true, null, 'Add node']);
    history.forget('a');
    expect([history.canUndo, history.canRedo]).toEqual([false, false]);
  });
});
