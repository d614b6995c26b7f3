import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@/protocol/flow';
import { COLLAPSED, GROUP_HEADER, GROUP_PAD, groupBox, groupState, hiddenItems, makeGroup, pruneGroups, ungroup } from './groups';
import { emptyFlow, extractFragment, pasteFragment, removeItems } from './model';

function threeNodes(): FlowDocument {
  const doc = emptyFlow('f');
  doc.nodes = ['a', 'b', 'c'].map((id) => ({ id, type: 'data', name: id.toUpperCase(), code: `${id} = 1` }));
  doc.edges = [{ from: { node: 'a', socket: 'a' }, to: { node: 'b', port: 'b.x' } }];
  doc.ui = { nodes: { a: { x: 0, y: 0 }, b: { x: 300, y: 0 }, c: { x: 0, y: 300 } }, notes: [{ id: 'note1', text: 'n', x: 10, y: 500 }] };
  return doc;
}

describe('groups', () => {
  it('groups existing items only, with a fresh id, label and colour', () => {
    const doc = threeNodes();
    const id = makeGroup(doc, ['a', 'b', 'ghost', 'a']);
    expect(id).toBe('group1');
    expect(doc.ui?.groups).toEqual([{ id: 'group1', label: 'Group 1', color: expect.any(String), items: ['a', 'b'] }]);
    expect(makeGroup(doc, ['ghost'])).toBeNull();
    const second = makeGroup(doc, ['c', 'note1'], '  Inputs ');
    expect(second).toBe('group2');
    expect(doc.ui?.groups?.[1]?.label).toBe('Inputs');
    expect(doc.ui?.groups?.[1]?.color).not.toBe(doc.ui?.groups?.[0]?.color);
  });

  it('takes items out of their old group; a group left empty goes', () => {
    const doc = threeNodes();
    makeGroup(doc, ['a']);
    makeGroup(doc, ['b']);
    makeGroup(doc, ['a', 'c']);
    const groupOf = (id: string) => doc.ui?.groups?.find((g) => g.items.includes(id))?.id;
    expect(groupOf('a')).toBe(groupOf('c'));
    expect(doc.ui?.groups?.map((g) => g.items)).toEqual([['b'], ['a', 'c']]);
    // group1 (emptied) was dropped, so the next one may take its id again.
    expect(doc.ui?.groups?.map((g) => g.id)).toEqual(['group2', 'group1']);
  });

  it('ungroups without touching the members', () => {
    const doc = threeNodes();
    const id = makeGroup(doc, ['a', 'b'])!;
    ungroup(doc, id);
    expect(doc.ui?.groups).toBeUndefined();
    expect(doc.nodes).toHaveLength(3);
    expect(doc.ui?.nodes?.a).toEqual({ x: 0, y: 0 });
  });

  it('forgets deleted members, and the group when none is left', () => {
    const doc = threeNodes();
    makeGroup(doc, ['a', 'b']);
    makeGroup(doc, ['c']);
    removeItems(doc, new Set(['a', 'c']));
    expect(doc.ui?.groups?.map((g) => g.items)).toEqual([['b']]);
    removeItems(doc, new Set(['b']));
    expect(doc.ui?.groups).toBeUndefined();
    pruneGroups(doc); // nothing left to prune: no error
  });

  it('frames its members, or stands collapsed where they begin', () => {
    const doc = threeNodes();
    const id = makeGroup(doc, ['a', 'b'])!;
    const rect = (x: string) => ({ ...doc.ui!.nodes![x]!, width: 200, height: 100 });
    const group = doc.ui!.groups![0]!;
    expect(groupBox(group, rect)).toEqual({
      x: -GROUP_PAD,
      y: -GROUP_PAD - GROUP_HEADER,
      width: 500 + 2 * GROUP_PAD,
      height: 100 + 2 * GROUP_PAD + GROUP_HEADER,
    });
    group.collapsed = true;
    expect(groupBox(group, rect)).toEqual({ x: 0, y: 0, ...COLLAPSED });
    expect([...hiddenItems(doc)]).toEqual(['a', 'b']);
    expect(groupBox({ ...group, items: ['ghost'] }, () => undefined)).toBeNull();
    expect(id).toBe('group1');
  });

  it('copies and pastes a group whole, with the pasted members', () => {
    const doc = threeNodes();
    makeGroup(doc, ['a', 'b'], 'Pair');
    doc.ui!.groups![0]!.collapsed = true;
    const partial = extractFragment(doc, new Set(['a']));
    expect(partial.groups).toEqual([]);
    const whole = extractFragment(doc, new Set(['a', 'b']));
    const pasted = pasteFragment(doc, whole, { x: 40, y: 40 });
    expect(doc.ui?.groups).toHaveLength(2);
    const copy = doc.ui!.groups![1]!;
    expect(copy).toMatchObject({ label: 'Pair', collapsed: true, color: doc.ui!.groups![0]!.color });
    expect(copy.items.sort()).toEqual([...pasted.values()].sort());
  });

  it('a collapsed group shows the state that most needs a look', () => {
    expect(groupState(['done', 'error', 'running'])).toBe('error');
    expect(groupState(['done', 'waiting', 'idle'])).toBe('waiting');
    expect(groupState(['done', 'idle'])).toBe('done');
    expect(groupState([])).toBe('idle');
  });
});
