/**
 * Groups on the canvas: a labelled, coloured frame around some nodes and notes, which
 * moves them as one and can be collapsed to a single box. Canvas data only (`ui.groups`):
 * the engine never sees groups, and a flow runs the same grouped or not.
 *
 * A group keeps its members, not a rectangle: its frame is always the box around them,
 * so it cannot drift from them (a member dragged within the group grows the frame). An
 * item belongs to one group at most.
 */
import type { NodeState } from '@/protocol/events';
import type { FlowDocument, Group } from '@/protocol/flow';

/** A box in world coordinates (the canvas's Rect, structurally). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The colours offered for a group: tints readable under dark text, as Node-RED's. */
export const GROUP_COLOURS = ['#3949ab', '#00897b', '#f9a825', '#e53935', '#8e24aa', '#6d4c41', '#546e7a'] as const;

/** Space between a group's frame and its members, and the height of its label strip. */
export const GROUP_PAD = 16;
export const GROUP_HEADER = 30;
/** A collapsed group's box. */
export const COLLAPSED = { width: 220, height: 72 };

export function groupsOf(doc: FlowDocument | null | undefined): Group[] {
  return doc?.ui?.groups ?? [];
}

/** Each member of a collapsed group, and that group's id (its box stands for them). */
export function collapsedGroupOf(doc: FlowDocument): Map<string, string> {
  const out = new Map<string, string>();
  for (const group of groupsOf(doc)) if (group.collapsed) for (const id of group.items) out.set(id, group.id);
  return out;
}

/** The members of collapsed groups: not drawn. */
export function hiddenItems(doc: FlowDocument): Set<string> {
  return new Set(collapsedGroupOf(doc).keys());
}

function itemIds(doc: FlowDocument): Set<string> {
  return new Set([...doc.nodes.map((n) => n.id), ...(doc.ui?.notes ?? []).map((n) => n.id)]);
}

/**
 * Group the items `ids` (nodes and notes that exist; others are skipped), taking them out
 * of any group they were in. Returns the new group's id, or null when none of them exist.
 */
export function makeGroup(doc: FlowDocument, ids: readonly string[], label?: string): string | null {
  const existing = itemIds(doc);
  const items = [...new Set(ids)].filter((id) => existing.has(id));
  if (items.length === 0) return null;
  doc.ui ??= {};
  const groups = (doc.ui.groups ??= []);
  const taking = new Set(items);
  for (const group of groups) group.items = group.items.filter((id) => !taking.has(id));
  doc.ui.groups = groups.filter((g) => g.items.length > 0);
  const taken = new Set(doc.ui.groups.map((g) => g.id));
  const labels = new Set(doc.ui.groups.map((g) => g.label));
  let n = 1;
  while (taken.has(`group${n}`)) n++;
  const id = `group${n}`;
  let m = doc.ui.groups.length + 1;
  while (labels.has(`Group ${m}`)) m++;
  const colour = GROUP_COLOURS[doc.ui.groups.length % GROUP_COLOURS.length]!;
  doc.ui.groups.push({ id, label: label?.trim() || `Group ${m}`, color: colour, items });
  return id;
}

/** Remove a group; its members stay where they are. */
export function ungroup(doc: FlowDocument, groupId: string): void {
  const groups = doc.ui?.groups;
  if (!groups) return;
  doc.ui!.groups = groups.filter((g) => g.id !== groupId);
  if (doc.ui!.groups.length === 0) delete doc.ui!.groups;
}

/** Forget members that no longer exist, and groups left empty (after a delete). */
export function pruneGroups(doc: FlowDocument): void {
  const groups = doc.ui?.groups;
  if (!groups) return;
  const existing = itemIds(doc);
  for (const group of groups) {
    if (group.items.some((id) => !existing.has(id))) group.items = group.items.filter((id) => existing.has(id));
  }
  const kept = groups.filter((g) => g.items.length > 0);
  if (kept.length === 0) delete doc.ui!.groups;
  else if (kept.length !== groups.length) doc.ui!.groups = kept;
}

/**
 * The box a group is drawn in, from its members' boxes: around them with a label strip
 * on top, or, collapsed, a fixed box where its members begin. Null without members.
 */
export function groupBox(group: Group, rectOf: (id: string) => Rect | undefined): Rect | null {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const id of group.items) {
    const r = rectOf(id);
    if (!r) continue;
    x1 = Math.min(x1, r.x);
    y1 = Math.min(y1, r.y);
    x2 = Math.max(x2, r.x + r.width);
    y2 = Math.max(y2, r.y + r.height);
  }
  if (x1 === Infinity) return null;
  if (group.collapsed) return { x: x1, y: y1, ...COLLAPSED };
  return { x: x1 - GROUP_PAD, y: y1 - GROUP_PAD - GROUP_HEADER, width: x2 - x1 + 2 * GROUP_PAD, height: y2 - y1 + 2 * GROUP_PAD + GROUP_HEADER };
}

/** Groups whose members are all among `ids` (what a copy or a drag carries whole). */
export function groupsWithin(doc: FlowDocument, ids: ReadonlySet<string>): Group[] {
  return groupsOf(doc).filter((g) => g.items.every((id) => ids.has(id)));
}

/** Paste groups of a fragment, their members renamed by `renamed` (old id → new). */
export function pasteGroups(doc: FlowDocument, groups: readonly Group[], renamed: ReadonlyMap<string, string>): void {
  for (const group of groups) {
    const items = group.items.map((id) => renamed.get(id)).filter((id): id is string => id !== undefined);
    const id = makeGroup(doc, items, group.label);
    const made = id ? doc.ui!.groups!.find((g) => g.id === id) : undefined;
    if (made) {
      made.color = group.color;
      if (group.collapsed) made.collapsed = true;
    }
  }
}

/** What a collapsed group shows of its members' states: the one that most needs a look. */
const STATE_ORDER: readonly NodeState[] = ['error', 'running', 'waiting', 'stopped', 'done', 'idle'];
export function groupState(states: readonly NodeState[]): NodeState {
  return STATE_ORDER.find((s) => states.includes(s)) ?? 'idle';
}
