/**
 * Copy and paste within the studio: the clipboard holds a fragment of a flow, pasted
 * where it covers nothing (flow/pastePlace.ts) and selected.
 */
import { ref, toRaw } from 'vue';
import { estimateBox } from '@/canvas/layout/nodeBox';
import type { Rect } from '@/flow/groups';
import { extractFragment, pasteFragment, type Fragment } from '@/flow/model';
import { noteSize, pasteOffset } from '@/flow/pastePlace';
import type { FlowNode, Note, Point } from '@/protocol/flow';
import type { Changes } from './changes';
import type { Selection } from './selection';
import type { Shapes } from './shapes';
import type { Tabs } from './tabs';

/** The flows store's clipboard; it outlives tab switches, so a copy pastes into another flow. */
export function useClipboard(tabs: Tabs, picked: Selection, changes: Changes, shapes: Shapes) {
  const { doc, activeKey } = tabs;
  const { selection, editing, revealing } = picked;
  const { edit } = changes;
  const { shapeOf, refreshShape } = shapes;
  const clipboard = ref<Fragment | null>(null);

  function copySelection(): boolean {
    const d = doc.value;
    if (!d || selection.value.length === 0) return false;
    clipboard.value = extractFragment(d, new Set(selection.value));
    return true;
  }

  /** The boxes items take on the canvas, as estimated from their shapes (flow/pastePlace.ts). */
  function itemBoxes(nodes: readonly FlowNode[], positions: (id: string) => Point | undefined, notes: readonly Note[]): Rect[] {
    const out: Rect[] = [];
    for (const node of nodes) {
      const pos = positions(node.id);
      if (!pos) continue;
      const box = estimateBox(node, shapeOf(node));
      out.push({ ...pos, width: box.width, height: box.height });
    }
    for (const note of notes) out.push({ x: note.x, y: note.y, ...noteSize(note) });
    return out;
  }

  /**
   * Paste the clipboard where it covers nothing (flow/pastePlace.ts), select the copy, and
   * move the editor to the copy of the node it showed, as the selection moves.
   */
  function paste(): void {
    const fragment = clipboard.value;
    const d = doc.value;
    if (!fragment || !d) return;
    const raw = toRaw(d);
    const offset = pasteOffset(
      itemBoxes(fragment.nodes, (id) => fragment.positions[id], fragment.notes),
      itemBoxes(raw.nodes, (id) => raw.ui?.nodes?.[id], raw.ui?.notes ?? []),
    );
    let renamed = new Map<string, string>();
    edit('Paste', (draft) => {
      renamed = pasteFragment(draft, fragment, offset);
    });
    const ids = [...renamed.values()];
    selection.value = ids;
    if (editing.value !== null) {
      const pastedNodes = fragment.nodes.map((n) => renamed.get(n.id) ?? '');
      editing.value = renamed.get(editing.value) ?? (pastedNodes.length === 1 ? (pastedNodes[0] ?? null) : editing.value);
    }
    revealing.value = { ids, seq: (revealing.value?.seq ?? 0) + 1 };
    for (const id of ids) void refreshShape(activeKey.value ?? '', id);
  }

  function duplicateSelection(): void {
    if (copySelection()) paste();
  }

  return { clipboard, copySelection, paste, duplicateSelection };
}
