/**
 * Groups of nodes and notes (flow/groups.ts) as edits: grouping the selection, ungrouping,
 * renaming, colouring, collapsing, and selecting a group's members.
 */
import { groupsWithin, makeGroup, ungroup } from '@/flow/groups';
import type { Group } from '@/protocol/flow';
import type { Changes } from './changes';
import type { Selection } from './selection';
import type { Tabs } from './tabs';

/** Group edits on the active flow, each one undoable step. */
export function useGroups(tabs: Tabs, picked: Selection, changes: Changes) {
  const { doc } = tabs;
  const { selection, selectedEdge } = picked;
  const { edit } = changes;

  /** Group the selected nodes and notes (Ctrl/⌘+G); returns the group's id. */
  function groupSelection(): string | null {
    if (selection.value.length === 0) return null;
    let id: string | null = null;
    edit('Group', (d) => {
      id = makeGroup(d, selection.value);
    });
    return id;
  }

  /** Ungroup `groupId`, or every group the selection fills (Ctrl/⌘+Shift+G). */
  function ungroupItems(groupId?: string): void {
    const d = doc.value;
    if (!d) return;
    const ids = groupId ? [groupId] : groupsWithin(d, new Set(selection.value)).map((g) => g.id);
    if (ids.length === 0) return;
    edit(ids.length === 1 ? 'Ungroup' : `Ungroup ${ids.length} groups`, (x) => {
      for (const id of ids) ungroup(x, id);
    });
  }

  function updateGroup(groupId: string, label: string, patch: Partial<Pick<Group, 'label' | 'color' | 'collapsed'>>, mergeKey?: string): void {
    edit(label, (d) => {
      const group = d.ui?.groups?.find((g) => g.id === groupId);
      if (!group) return;
      Object.assign(group, patch);
      if (!group.collapsed) delete group.collapsed;
    }, mergeKey);
  }

  const renameGroup = (groupId: string, name: string) => updateGroup(groupId, 'Rename group', { label: name }, `group-label:${groupId}`);

  const colourGroup = (groupId: string, color: string) => updateGroup(groupId, 'Group colour', { color });

  const collapseGroup = (groupId: string, collapsed: boolean) => updateGroup(groupId, collapsed ? 'Collapse group' : 'Expand group', { collapsed });

  /** Select a group's members (a press on its frame), or add them to the selection. */
  function selectGroup(groupId: string, add = false): string[] {
    const group = doc.value?.ui?.groups?.find((g) => g.id === groupId);
    if (!group) return selection.value;
    const members = group.items;
    const all = members.every((id) => selection.value.includes(id));
    if (add) selection.value = all ? selection.value.filter((id) => !members.includes(id)) : [...new Set([...selection.value, ...members])];
    else if (!all) selection.value = [...members];
    selectedEdge.value = null;
    return selection.value;
  }

  return { groupSelection, ungroupItems, renameGroup, colourGroup, collapseGroup, selectGroup };
}
