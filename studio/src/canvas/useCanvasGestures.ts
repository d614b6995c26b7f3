/**
 * Pointer gestures on the canvas: panning the background, rubber-band selection
 * (shift-drag), moving selected items or a group (one undoable edit per drag), and dragging a new
 * edge from a socket to a port. Coordinates go through the viewport (see viewportMath).
 */
import { ref, type Ref } from 'vue';
import { notice } from '@/app/notices';
import type { Point, Viewport } from '@/protocol/flow';
import { useFlowsStore } from '@/stores';
import { rectFrom, toWorld, type Rect } from './viewportMath';

export interface PendingEdge {
  from: Point;
  to: Point;
}

const CLICK_SLOP = 4;

/**
 * What the canvas does for the gestures: move items on screen while a drag goes on (the
 * document is written once, at its end), and say which items lie in a rectangle.
 */
export interface GestureHost {
  /** Show `ids` moved by `delta` (world units) from where the document has them. */
  dragging(ids: string[], delta: Point): void;
  /** The drag ended (moved or not): the document now says where they are. */
  dropped(ids: string[]): void;
  itemsIn(rect: Rect): string[];
}

export function useCanvasGestures(canvas: Ref<HTMLElement | null>, viewport: Ref<Viewport>, host: GestureHost) {
  const flows = useFlowsStore();
  const band = ref<Rect | null>(null);
  const pendingEdge = ref<PendingEdge | null>(null);

  function local(event: PointerEvent | MouseEvent): Point {
    const box = canvas.value?.getBoundingClientRect();
    return { x: event.clientX - (box?.left ?? 0), y: event.clientY - (box?.top ?? 0) };
  }

  function world(event: PointerEvent | MouseEvent): Point {
    return toWorld(viewport.value, local(event));
  }

  /** Follow the pointer until release; `move` gets total screen displacement. */
  function track(start: PointerEvent, move: (dx: number, dy: number, ev: PointerEvent) => void, end: (moved: boolean, ev: PointerEvent) => void): void {
    const x0 = start.clientX;
    const y0 = start.clientY;
    let moved = false;
    const onMove = (ev: PointerEvent) => {
      const dx = ev.clientX - x0;
      const dy = ev.clientY - y0;
      if (!moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
      moved = true;
      move(dx, dy, ev);
    };
    const onUp = (ev: PointerEvent) => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
      end(moved, ev);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
  }

  function backgroundDown(event: PointerEvent): void {
    if (event.button !== 0 && event.button !== 1) return;
    flows.selectedEdge = null;
    if (event.shiftKey) {
      const origin = world(event);
      track(
        event,
        (_dx, _dy, ev) => (band.value = rectFrom(origin, world(ev))),
        () => {
          const rect = band.value;
          band.value = null;
          if (rect) flows.selection = itemsIn(rect);
        },
      );
      return;
    }
    const start = { ...viewport.value };
    track(
      event,
      (dx, dy) => (viewport.value = { ...start, x: start.x + dx, y: start.y + dy }),
      (moved) => {
        if (!moved) {
          flows.selection = [];
          flows.editing = null;
        }
      },
    );
  }

  const itemsIn = (rect: Rect) => host.itemsIn(rect);

  /** Press on a node or note: select it, then drag the selection or, on a click, open it. */
  function itemDown(id: string, event: PointerEvent, isNode: boolean): void {
    if (event.button !== 0) return;
    event.stopPropagation();
    if (event.shiftKey || event.metaKey || event.ctrlKey) {
      flows.selection = flows.selection.includes(id) ? flows.selection.filter((s) => s !== id) : [...flows.selection, id];
      return;
    }
    if (!flows.selection.includes(id)) flows.selection = [id];
    flows.selectedEdge = null;
    dragSelection(event, () => {
      if (isNode) flows.editing = id;
    });
  }

  /** Press on a group's frame: select its members (shift/⌘: add or remove them), then drag them. */
  function groupDown(groupId: string, event: PointerEvent): void {
    if (event.button !== 0) return;
    event.stopPropagation();
    const adding = event.shiftKey || event.metaKey || event.ctrlKey;
    flows.selectGroup(groupId, adding);
    if (!adding) dragSelection(event, () => {});
  }

  /** Drag the selection from this press; `clicked` if the pointer never moved. */
  function dragSelection(event: PointerEvent, clicked: () => void): void {
    const ids = [...flows.selection];
    const zoom = viewport.value.zoom;
    let delta = { x: 0, y: 0 };
    track(
      event,
      (dx, dy) => {
        // On screen only: writing the document on every pointer move would re-render,
        // re-watch and re-save the flow a hundred times a second.
        delta = { x: dx / zoom, y: dy / zoom };
        host.dragging(ids, delta);
      },
      (moved) => {
        if (moved) {
          flows.beginGesture();
          flows.moveBy(ids, delta);
          flows.roundPositions(ids);
          flows.endGesture(ids.length === 1 ? 'Move' : `Move ${ids.length} items`);
        }
        host.dropped(ids);
        if (!moved) clicked();
      },
    );
  }

  /** Drag from a socket; dropping on a port connects, or explains why not. */
  function connectDown(nodeId: string, socket: string, event: PointerEvent): void {
    if (event.button !== 0) return;
    const dot = event.currentTarget as HTMLElement;
    const box = dot.getBoundingClientRect();
    const from = world({ clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 } as MouseEvent);
    pendingEdge.value = { from, to: from };
    track(
      event,
      (_dx, _dy, ev) => pendingEdge.value && (pendingEdge.value = { from, to: world(ev) }),
      (_moved, ev) => {
        pendingEdge.value = null;
        const under = document.elementFromPoint(ev.clientX, ev.clientY);
        const port = under?.closest<HTMLElement>('[data-port]');
        const onNode = under?.closest<HTMLElement>('[data-node-id]');
        if (!port && !onNode) return; // dropped on the background: just cancel
        const target = port
          ? { node: port.dataset.node ?? '', port: port.dataset.port ?? '' }
          : { node: onNode?.dataset.nodeId ?? '', port: '' };
        const check = flows.connect({ node: nodeId, socket }, target);
        if (!check.ok) notice('warning', `Cannot connect: ${check.reason}`);
      },
    );
  }

  return { band, pendingEdge, backgroundDown, itemDown, groupDown, connectDown, world, local };
}
