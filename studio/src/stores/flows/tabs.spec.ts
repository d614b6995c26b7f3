import { beforeEach, describe, expect, it } from 'vitest';
import { emptyFlow } from '@/flow/model';
import { useHistoryStore } from '../history';
import { useFlowsStore } from '../flows';
import { bootFakeEngine, twoNodes } from './testing';

describe('flows store: tabs', () => {
  beforeEach(bootFakeEngine);

  it('keeps tabs apart: new, duplicate, rename, close', async () => {
    const { flows } = await twoNodes();
    const first = flows.activeKey!;
    const copy = flows.duplicate(first)!;
    expect(flows.activeKey).toBe(copy);
    flows.rename(copy, 'Copy');
    expect(flows.doc?.name).toBe('Copy');
    expect(flows.open.find((f) => f.key === first)?.doc.name).toBe('Untitled 1');
    flows.close(copy);
    expect(flows.activeKey).toBe(first);
  });

  it('opens a document as a copy in a new tab, active with nothing selected', async () => {
    const { flows, data } = await twoNodes();
    flows.selection = [data];
    flows.editing = data;
    const doc = emptyFlow('Stored');
    const key = flows.openDocument(doc, 'f-stored', 4);
    expect(flows.activeKey).toBe(key);
    expect([flows.selection, flows.editing, flows.selectedEdge]).toEqual([[], null, null]);
    expect(flows.active).toMatchObject({ key: 'f-stored', savedVersion: 4, save: { state: 'saved' }, revision: 0 });
    expect(flows.doc).not.toBe(doc);
    expect(useFlowsStore().newFlow()).not.toBe(key);
    expect(flows.active!.save.state).toBe('new');
  });

  it('puts a stored version in place of a tab\'s document, with no step to undo', async () => {
    const { flows } = await twoNodes();
    const key = flows.activeKey!;
    flows.replaceFromStorage(key, emptyFlow('Theirs'), 7);
    expect(flows.active).toMatchObject({ doc: { name: 'Theirs', nodes: [] }, savedVersion: 7, save: { state: 'saved' } });
    expect(useHistoryStore().canUndo).toBe(false);
  });

  it('activates the next tab when the active one closes, and none after the last', () => {
    const flows = useFlowsStore();
    const a = flows.newFlow();
    const b = flows.newFlow();
    const c = flows.newFlow();
    flows.activate(b);
    flows.close(b);
    expect(flows.activeKey).toBe(c);
    flows.close(c);
    expect(flows.activeKey).toBe(a);
    flows.close(a);
    expect([flows.activeKey, flows.doc]).toEqual([null, null]);
  });
});
