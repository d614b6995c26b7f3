/**
 * A node card's box for layout: its size and where its dots are. Measured from the card
 * when it is rendered; estimated from the node's shape when it is not (cards far off
 * screen may be culled), with the card's CSS metrics (`.hr-node` in app/studio.css).
 */
import { exposedSockets } from '@/flow/model';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowNode } from '@/protocol/flow';

export interface NodeBox {
  width: number;
  height: number;
  /** Each input port's dot: its centre's distance from the card's top, by port name. */
  ports: Record<string, number>;
  /** Likewise for each socket's dot. */
  sockets: Record<string, number>;
}

/** What a card is made of, in CSS pixels (keep in step with app/studio.css). */
export const CARD = {
  width: 215,
  border: 1,
  header: 32,
  padding: 6,
  functionName: 22,
  row: 20,
  gap: 3,
  minBody: 28,
} as const;

/** A node's input port names as its card lists them: grouped by function, in first-seen order. */
export function portGroups(shape: NodeShape | undefined): string[][] {
  const groups = new Map<string, string[]>();
  for (const port of shape?.ports ?? []) groups.set(port.function, [...(groups.get(port.function) ?? []), port.name]);
  return [...groups.values()];
}

/** A node's input port names in the order its card lists them, top to bottom. */
export function cardPorts(shape: NodeShape | undefined): string[] {
  return portGroups(shape).flat();
}

/** The box a card of this node would have, from its shape alone. */
export function estimateBox(node: FlowNode, shape: NodeShape | undefined): NodeBox {
  const top = CARD.border + CARD.header + CARD.padding;
  const ports: Record<string, number> = {};
  let left = 0;
  for (const names of portGroups(shape)) {
    if (left > 0) left += CARD.gap;
    left += CARD.functionName;
    for (const name of names) {
      ports[name] = top + left + CARD.row / 2;
      left += CARD.row;
    }
  }
  const sockets: Record<string, number> = {};
  let right = 0;
  for (const socket of exposedSockets(node, shape)) {
    if (right > 0) right += CARD.gap;
    sockets[socket] = top + right + CARD.row / 2;
    right += CARD.row;
  }
  const body = Math.max(CARD.minBody, 2 * CARD.padding + Math.max(left, right));
  return { width: CARD.width, height: 2 * CARD.border + CARD.header + body, ports, sockets };
}

/** The box of a rendered card, or null when it has no layout (hidden, detached). */
export function measureBox(card: HTMLElement): NodeBox | null {
  const width = card.offsetWidth;
  const height = card.offsetHeight;
  if (!width || !height) return null;
  const rect = card.getBoundingClientRect();
  // The canvas is scaled: screen distances divided by this are card pixels.
  const scale = rect.height / height || 1;
  const centre = (dot: HTMLElement) => {
    const r = dot.getBoundingClientRect();
    return Math.round((r.top + r.height / 2 - rect.top) / scale);
  };
  const ports: Record<string, number> = {};
  const sockets: Record<string, number> = {};
  for (const dot of card.querySelectorAll<HTMLElement>('[data-port]')) ports[dot.dataset.port ?? ''] = centre(dot);
  for (const dot of card.querySelectorAll<HTMLElement>('[data-socket]')) sockets[dot.dataset.socket ?? ''] = centre(dot);
  return { width, height, ports, sockets };
}

/**
 * `sizeOf` for the nodes of `doc`: each card's measured box where `root` renders it, else
 * the estimate. Boxes are read once per id (a layout asks for each node once or twice).
 */
export function boxesOf(
  doc: FlowDocument,
  shapeOf: (node: FlowNode) => NodeShape | undefined,
  root: ParentNode | null = typeof document === 'undefined' ? null : document,
): (id: string) => NodeBox {
  const known = new Map<string, NodeBox>();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  return (id) => {
    let box = known.get(id);
    if (!box) {
      const card = root?.querySelector<HTMLElement>(`[data-node-id="${CSS.escape(id)}"]`);
      const node = byId.get(id);
      box = (card && measureBox(card)) ?? (node ? estimateBox(node, shapeOf(node)) : { width: CARD.width, height: 60, ports: {}, sockets: {} });
      known.set(id, box);
    }
    return box;
  };
}
