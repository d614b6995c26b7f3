import { beforeEach, describe, expect, it } from 'vitest';
import { bootFakeEngine, twoNodes } from './testing';

describe('flows store: groups', () => {
  beforeEach(bootFakeEngine);

  it('groups the selection as one undoable edit, and changes a group by edits', async () => {
    const { flows, data, script } = await twoNodes();
    flows.selection = [data, script];
    const id = flows.groupSelection()!;
    expect(flows.doc!.ui!.groups).toMatchObject([{ id, items: [data, script] }]);
    flows.renameGroup(id, 'Inputs');
    flows.colourGroup(id, '#ff0000');
    flows.collapseGroup(id, true);
    expect(flows.doc!.ui!.groups![0]).toMatchObject({ label: 'Inputs', color: '#ff0000', collapsed: true });
    flows.collapseGroup(id, false);
    expect(flows.doc!.ui!.groups![0]).not.toHaveProperty('collapsed'); // expanded is the default, not written
    flows.undo();
    expect(flows.doc!.ui!.groups![0]!.collapsed).toBe(true);
    flows.undo();
    flows.undo();
    flows.undo();
    expect(flows.doc!.ui!.groups![0]!.label).not.toBe('Inputs');
    flows.undo();
    expect(flows.doc!.ui!.groups).toBeUndefined();
  });

  it('groups nothing when nothing is selected', async () => {
    const { flows } = await twoNodes();
    flows.selection = [];
    expect(flows.groupSelection()).toBeNull();
  });

  it('selects a group\'s members, or adds them to the selection and takes them out again', async () => {
    const { flows, data, script } = await twoNodes();
    const note = flows.addNote({ x: 0, y: 200 });
    flows.selection = [data, script];
    const id = flows.groupSelection()!;
    flows.selection = [note];
    flows.selectedEdge = 'some edge';
    expect(flows.selectGroup(id)).toEqual([data, script]);
    expect(flows.selectedEdge).toBeNull();
    flows.selection = [note];
    expect(flows.selectGroup(id, true)).toEqual([note, data, script]);
    expect(flows.selectGroup(id, true)).toEqual([note]);
    expect(flows.selectGroup('no such group')).toEqual([note]);
  });

  it('ungroups one group by id, or every group the selection fills', async () => {
    const { flows, data, script } = await twoNodes();
    flows.selection = [data];
    const first = flows.groupSelection()!;
    flows.selection = [script];
    flows.groupSelection();
    flows.ungroupItems(first);
    expect(flows.doc!.ui!.groups!.map((g) => g.items)).toEqual([[script]]);
    flows.selection = [data, script];
    flows.ungroupItems();
    expect(flows.doc!.ui!.groups).toBeUndefined();
  });
});
