/**
 * Changes to a flow's canvas data (`ui`, which the engine ignores): items dragged, the
 * viewport, how Results show a socket, and nodes placed by a layout.
 */
import { toRaw } from 'vue';
import { ensureUi } from '@/flow/model';
import type { FlowDocument, Point, SocketView, Viewport } from '@/protocol/flow';
import type { Changes } from './changes';
import type { Tabs } from './tabs';

/** Canvas-data changes: drags and layouts are undoable, the viewport and socket views are saved but not undone. */
export function useCanvasData(tabs: Tabs, changes: Changes) {
  const { active, find } = tabs;
  const { commit, noteStart } = changes;

  /** Give nodes and notes new positions, noting where a gesture started them (for undo). */
  function reposition(ids: string[], place: (at: Point) => Point): void {
    const flow = active.value;
    if (!flow || flow.pastRun) return; // a past run's nodes stay where they were
    flow.revision++;
    const ui = ensureUi(flow.doc);
    for (const id of ids) {
      const pos = ui.nodes[id];
      if (pos) {
        noteStart(flow, id, pos);
        ui.nodes[id] = place(pos);
      }
      const note = ui.notes.find((n) => n.id === id);
      if (note) {
        noteStart(flow, id, note);
        Object.assign(note, place(note));
      }
    }
  }

  /** Move items by a delta (live, during a drag gesture: no history entry of its own). */
  function moveBy(ids: string[], delta: Point): void {
    reposition(ids, (at) => ({ x: at.x + delta.x, y: at.y + delta.y }));
  }

  /** Snap moved items to whole pixels so the file stays tidy. */
  function roundPositions(ids: string[]): void {
    reposition(ids, (at) => ({ x: Math.round(at.x), y: Math.round(at.y) }));
  }

  /** The canvas viewport is saved with the flow but is not an undoable edit. */
  function setViewport(viewport: Viewport): void {
    const flow = active.value;
    if (!flow) return;
    const ui = ensureUi(flow.doc);
    const was = ui.viewport;
    // Restoring a flow's own viewport changes nothing: it must not count as a change (a
    // write would bump the stored version under another tab that has the flow open).
    if (was && was.x === viewport.x && was.y === viewport.y && was.zoom === viewport.zoom) return;
    ui.viewport = viewport;
    flow.revision++;
  }

  /**
   * How a node's Results show a socket (list, or a chart of a kind), kept with the flow
   * so it opens the same way next time. Like the viewport it is no edit to undo, but it
   * is saved: the views are replaced whole (never changed in place).
   */
  function setSocketView(node: string, socket: string, view: SocketView): void {
    const flow = active.value;
    if (!flow || flow.doc.ui?.views?.[node]?.[socket] === view) return;
    const ui = ensureUi(flow.doc);
    ui.views = { ...ui.views, [node]: { ...ui.views?.[node], [socket]: view } };
    flow.revision++;
  }

  /**
   * Put nodes of tab `key` at `positions` (ids it no longer has are skipped): one
   * undoable edit named `label` (Tidy up), or, without a label, part of opening the flow
   * (its first layout is no step to undo).
   */
  function placeNodes(key: string, positions: Record<string, Point>, label?: string): void {
    const flow = find(key);
    if (!flow) return;
    const ids = new Set(toRaw(flow.doc).nodes.map((n) => n.id));
    const place = (d: FlowDocument): boolean => {
      const ui = ensureUi(d);
      let moved = false;
      for (const [id, at] of Object.entries(positions)) {
        const was = ui.nodes[id];
        if (!ids.has(id) || (was && was.x === at.x && was.y === at.y)) continue;
        ui.nodes[id] = { x: at.x, y: at.y };
        moved = true;
      }
      return moved;
    };
    if (label) commit(flow, label, (d) => void place(d));
    else if (place(flow.doc)) flow.revision++;
  }

  return { moveBy, roundPositions, setViewport, setSocketView, placeNodes };
}
