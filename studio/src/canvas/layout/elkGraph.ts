/**
 * A flow as an ELK graph (layered, left to right, as data flows) and ELK's answer as node
 * positions. Pure: the worker that runs ELK is in runElk.ts.
 *
 * Each node is an ELK node with its card's size; its input ports are ports on the WEST
 * side and its sockets ports on the EAST side, in the card's order and at the heights of
 * their dots (FIXED_POS: FIXED_ORDER's fixed order, plus where each dot really is), so the
 * layout crosses edges as little as that order allows and lines the dots up to keep
 * edges straight.
 */
import type { ElkExtendedEdge, ElkNode, ElkPort, LayoutOptions } from 'elkjs/lib/elk-api';
import { exposedSockets } from '@/flow/model';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowNode, Point } from '@/protocol/flow';
import { cardPorts, type NodeBox } from './nodeBox';

/** Spacing between cards in one column, and between columns (room for the curves). */
export const NODE_GAP = 40;
export const LAYER_GAP = 90;
const PORT_SIZE = 8;

export const LAYOUT_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.spacing.nodeNode': String(NODE_GAP),
  'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
  'elk.spacing.componentComponent': String(NODE_GAP * 1.5),
  // Ties (and unconnected parts) keep the file's order, so a layout is stable.
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Node placement stays Brandes-Köpf (ELK's default): network simplex placed a little
  // straighter but took 5-10x as long (8 s against 1.6 s for 250 nodes).
  'elk.padding': '[top=0,left=0,bottom=0,right=0]',
};

/** ELK ids: prefixed, so a node called like a port cannot collide with it. */
const nodeKey = (id: string) => `n:${id}`;
const portKey = (index: number, side: 'in' | 'out', name: string) => `p:${index}:${side}:${name}`;

/** Names in `first`, then those of `more` it lacks (edges to ports no shape names yet). */
function withExtras(first: string[], more: Iterable<string>): string[] {
  const all = [...first];
  for (const name of more) if (!all.includes(name)) all.push(name);
  return all;
}

/**
 * The ELK graph of `ids`' nodes (all nodes when null) and the edges among them.
 * `boxOf` gives each card's size and dot heights (measured or estimated).
 */
export function buildElkGraph(
  doc: FlowDocument,
  ids: Iterable<string> | null,
  shapeOf: (node: FlowNode) => NodeShape | undefined,
  boxOf: (id: string) => NodeBox,
): ElkNode {
  const wanted = ids ? new Set(ids) : null;
  const nodes = doc.nodes.filter((n) => !wanted || wanted.has(n.id));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const edges = doc.edges.filter((e) => index.has(e.from.node) && index.has(e.to.node) && e.from.node !== e.to.node);

  const children: ElkNode[] = nodes.map((node, i) => {
    const shape = shapeOf(node);
    const box = boxOf(node.id);
    const ins = withExtras(cardPorts(shape), edges.filter((e) => e.to.node === node.id).map((e) => e.to.port));
    const outs = withExtras(exposedSockets(node, shape), edges.filter((e) => e.from.node === node.id).map((e) => e.from.socket));
    const place = (name: string, side: 'in' | 'out', y: number | undefined, fallback: number): ElkPort => ({
      id: portKey(i, side, name),
      width: PORT_SIZE,
      height: PORT_SIZE,
      x: side === 'in' ? -PORT_SIZE : box.width,
      y: (y ?? fallback) - PORT_SIZE / 2,
      layoutOptions: { 'elk.port.side': side === 'in' ? 'WEST' : 'EAST' },
    });
    // A port the card does not show yet (its shape is not known): spread along the side.
    const spread = (k: number, n: number) => ((k + 1) * box.height) / (n + 1);
    return {
      id: nodeKey(node.id),
      width: box.width,
      height: box.height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: [
        ...ins.map((p, k) => place(p, 'in', box.ports[p], spread(k, ins.length))),
        ...outs.map((s, k) => place(s, 'out', box.sockets[s], spread(k, outs.length))),
      ],
    };
  });

  const elkEdges: ElkExtendedEdge[] = edges.map((e, k) => {
    const from = index.get(e.from.node) ?? 0;
    const to = index.get(e.to.node) ?? 0;
    return { id: `e:${k}`, sources: [portKey(from, 'out', e.from.socket)], targets: [portKey(to, 'in', e.to.port)] };
  });

  return { id: 'root', layoutOptions: LAYOUT_OPTIONS, children, edges: elkEdges };
}

/** The top-left corner of where `ids`' nodes are now (null when none has a position). */
export function topLeftOf(doc: FlowDocument, ids: Iterable<string>): Point | null {
  let corner: Point | null = null;
  for (const id of ids) {
    const at = doc.ui?.nodes?.[id];
    if (!at) continue;
    corner = corner ? { x: Math.min(corner.x, at.x), y: Math.min(corner.y, at.y) } : { x: at.x, y: at.y };
  }
  return corner;
}

/**
 * Node positions from a laid-out graph, moved so that its top-left corner is `origin`,
 * in whole pixels.
 */
export function positionsFrom(laidOut: ElkNode, origin: Point): Record<string, Point> {
  const children = (laidOut.children ?? []).filter((c) => c.id.startsWith('n:'));
  if (children.length === 0) return {};
  const minX = Math.min(...children.map((c) => c.x ?? 0));
  const minY = Math.min(...children.map((c) => c.y ?? 0));
  const positions: Record<string, Point> = {};
  for (const child of children) {
    positions[child.id.slice(2)] = {
      x: Math.round(origin.x + (child.x ?? 0) - minX),
      y: Math.round(origin.y + (child.y ?? 0) - minY),
    };
  }
  return positions;
}
