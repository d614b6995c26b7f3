/**
 * The jsPlumb instance behind the canvas. It draws the edges (SVG connectors between a
 * socket's dot and a port's dot) and reports hover and clicks on them. It lives outside
 * Vue's reactivity (markRaw): jsPlumb mutates its own objects constantly, and proxying
 * them would be slow and wrong. Nodes are positioned by Vue from the flow document, so
 * jsPlumb's own element dragging is off.
 */
import {
  EVENT_CONNECTION_CLICK,
  EVENT_CONNECTION_MOUSEOUT,
  EVENT_CONNECTION_MOUSEOVER,
  newInstance,
  type BrowserJsPlumbInstance,
  type Connection,
} from '@jsplumb/browser-ui';
import { markRaw, onBeforeUnmount } from 'vue';

export interface EdgeSpec {
  key: string;
  source: Element;
  target: Element;
  /** Edges from the error socket are drawn differently. */
  error: boolean;
  /** The edge closes a loop (values can come round): marked. */
  cycle?: boolean;
}

export interface EdgeHandlers {
  click(key: string): void;
  hover(key: string | null, event: MouseEvent | null): void;
}

const PAINT = { stroke: '#5c6bc0', strokeWidth: 2 };
const ERROR_PAINT = { stroke: '#e57373', strokeWidth: 2, dashstyle: '4 3' };
const HOVER_PAINT = { stroke: '#ff9800', strokeWidth: 3 };

export function useJsPlumb(handlers: EdgeHandlers) {
  let instance: BrowserJsPlumbInstance | null = null;
  const connections = new Map<string, { conn: Connection; source: Element; target: Element; cycle: boolean }>();
  /** The edge drawn as selected. Classes are set only when they change: each write restyles the connector. */
  let selectedKey: string | null = null;
  const keyOf = new WeakMap<Connection, string>();
  let repaintQueued = false;

  function mount(container: HTMLElement): void {
    instance = markRaw(
      newInstance({
        container,
        elementsDraggable: false,
        // Its observer revalidates each dot as it first appears — measuring and drawing one
        // dot at a time, a layout of the whole canvas each. The canvas watches its cards'
        // sizes itself (canvasRegistry.ts) and repaints in two phases (repaintCards).
        resizeObserver: false,
        connectionsDetachable: false,
        endpoint: { type: 'Blank', options: {} },
        connector: { type: 'Bezier', options: { curviness: 60 } },
        paintStyle: PAINT,
        hoverPaintStyle: HOVER_PAINT,
        anchors: ['Right', 'Left'],
      }),
    );
    instance.bind(EVENT_CONNECTION_CLICK, (conn: Connection) => {
      const key = keyOf.get(conn);
      if (key) handlers.click(key);
    });
    instance.bind(EVENT_CONNECTION_MOUSEOVER, (conn: Connection, event?: Event) => {
      const key = keyOf.get(conn);
      if (key) handlers.hover(key, (event as MouseEvent | undefined) ?? null);
    });
    instance.bind(EVENT_CONNECTION_MOUSEOUT, () => handlers.hover(null, null));
  }

  /**
   * Make the drawn edges match `edges` (by key); cheap when nothing changed. `cardOf`: the
   * node card holding a dot, repainted (its dots' offsets measured) for each new edge —
   * drawing is suspended meanwhile, and only what is new is drawn, not everything.
   */
  function sync(edges: EdgeSpec[], cardOf: (dot: Element) => Element | null): void {
    const jsp = instance;
    if (!jsp) return;
    const wanted = new Map(edges.map((e) => [e.key, e]));
    const touched = new Set<Element>();
    const made: [Connection, string][] = [];
    jsp.batch(() => {
      for (const [key, existing] of connections) {
        const spec = wanted.get(key);
        if (!spec || spec.source !== existing.source || spec.target !== existing.target || !existing.source.isConnected) {
          jsp.deleteConnection(existing.conn);
          connections.delete(key);
        }
      }
      for (const spec of edges) {
        const existing = connections.get(spec.key);
        if (existing) {
          // Whether an edge is in a loop changes as other edges come and go.
          const cycle = !!spec.cycle;
          if (cycle !== existing.cycle) {
            if (cycle) existing.conn.addClass('hr-edge--cycle');
            else existing.conn.removeClass('hr-edge--cycle');
            existing.cycle = cycle;
          }
          continue;
        }
        const conn = jsp.connect({
          source: spec.source,
          target: spec.target,
          paintStyle: spec.error ? ERROR_PAINT : PAINT,
          cssClass: `hr-edge${spec.error ? ' hr-edge--error' : ''}${spec.cycle ? ' hr-edge--cycle' : ''}`,
        });
        keyOf.set(conn, spec.key);
        connections.set(spec.key, { conn, source: spec.source, target: spec.target, cycle: !!spec.cycle });
        if (spec.key === selectedKey) conn.addClass('hr-edge--selected');
        for (const dot of [spec.source, spec.target]) touched.add(cardOf(dot) ?? dot);
        made.push([conn, spec.key]);
      }
    }, true);
    repaintCards(touched);
    // Its SVG exists once drawn: name the edge on it (an automation hook, studio/README.md).
    for (const [conn, key] of made) {
      (conn.connector as unknown as { canvas?: Element }).canvas?.setAttribute('data-edge', key);
    }
    // Dots of deleted nodes would otherwise stay registered with jsPlumb.
    for (const managed of Object.values(jsp.getManagedElements())) {
      const el = managed.el as unknown as Element;
      if (!el.isConnected) jsp.unmanage(el, false);
    }
  }

  /** Recompute every edge's geometry on the next frame (everything moved). */
  function repaint(): void {
    if (repaintQueued || !instance) return;
    repaintQueued = true;
    requestAnimationFrame(() => {
      repaintQueued = false;
      cardsQueued.clear();
      instance?.repaintEverything();
    });
  }

  const cardsQueued = new Set<Element>();
  /**
   * Redraw the edges of these node cards (they moved or changed size), now: jsPlumb
   * measures the dots inside each and redraws their connections, and nothing else.
   */
  function repaintCards(cards: Iterable<Element>): void {
    const jsp = instance;
    if (!jsp) return;
    const due = [...cards].filter((card) => card.isConnected);
    if (due.length === 0) return;
    // Measure every dot first, then draw: jsPlumb's repaint(el) measures and draws card by
    // card, and each drawing invalidates the layout the next measurement then redoes (with
    // a hundred cards arriving at once, a layout of the whole canvas per card).
    const managed = jsp.getManagedElements();
    for (const card of due) {
      for (const dot of card.querySelectorAll('[data-jtk-managed]')) {
        const id = dot.getAttribute('data-jtk-managed');
        if (id && managed[id]) jsp.viewport.refreshElement(id, true);
      }
    }
    if (due.length > 1) jsp.viewport.recomputeBounds();
    const stamp = `${Date.now()}-${Math.random()}`;
    for (const card of due) jsp.repaint(card, stamp, true);
  }

  /** repaintCards on the next frame (several changes in one frame draw once). */
  function queueRepaint(cards: Iterable<Element>): void {
    const first = cardsQueued.size === 0;
    for (const card of cards) cardsQueued.add(card);
    if (!first || repaintQueued || cardsQueued.size === 0) return;
    requestAnimationFrame(() => {
      const due = [...cardsQueued];
      cardsQueued.clear();
      repaintCards(due);
    });
  }

  function setZoom(zoom: number): void {
    instance?.setZoom(zoom, false);
  }

  /** Edges marked as carrying values, and when each mark comes off. */
  const pulsing = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * Mark edges as carrying a value (CSS animates `hr-edge--pulse`) until 400 ms after the
   * last value. An edge of a stream is pulsed every frame: it keeps its mark (and its one
   * running animation) rather than being restyled each time.
   */
  function pulse(keys: string[]): void {
    for (const key of keys) {
      const entry = connections.get(key);
      if (!entry) continue;
      const timer = pulsing.get(key);
      if (timer === undefined) entry.conn.addClass('hr-edge--pulse');
      else clearTimeout(timer);
      const conn = entry.conn;
      pulsing.set(key, setTimeout(() => {
        pulsing.delete(key);
        conn.removeClass('hr-edge--pulse');
      }, 400));
    }
  }

  function select(key: string | null): void {
    if (key === selectedKey) return;
    if (selectedKey) connections.get(selectedKey)?.conn.removeClass('hr-edge--selected');
    if (key) connections.get(key)?.conn.addClass('hr-edge--selected');
    selectedKey = key;
  }

  function destroy(): void {
    for (const timer of pulsing.values()) clearTimeout(timer);
    pulsing.clear();
    instance?.destroy();
    instance = null;
    connections.clear();
  }

  onBeforeUnmount(destroy);

  /** The drawn edges (key → its two dots), for tests and the canvas's checks. */
  function drawn(): Map<string, { source: Element; target: Element }> {
    return new Map([...connections].map(([k, v]) => [k, { source: v.source, target: v.target }]));
  }

  return { mount, sync, repaint, repaintCards, queueRepaint, setZoom, pulse, select, destroy, drawn };
}
