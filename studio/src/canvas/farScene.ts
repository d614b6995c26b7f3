/**
 * What FarView draws, worked out from the document without the DOM: nodes as boxes and
 * edges as curves between their dots' places. Two uses (FlowCanvas.vue decides):
 * - from afar, the whole flow, over the cards;
 * - under the cards, while the wheel turns: only the nodes not mounted as cards and the
 *   edges jsPlumb cannot draw (one of their ends is not mounted), so that a zoom out shows
 *   no hole where cards are still to come. The mounted cards cover their own boxes.
 */
import type { FlowDocument } from '@/protocol/flow';
import type { NodeBox } from './layout/nodeBox';
import type { Rect } from './viewportMath';

export interface FarScene {
  nodes: (Rect & { id: string; kind: string; selected: boolean; name?: string; dots?: Dots })[];
  /** From a socket's dot to a port's dot, in world coordinates. */
  edges: { x1: number; y1: number; x2: number; y2: number; error: boolean }[];
  /** Expanded groups' frames, under everything (collapsed ones are among `nodes`). */
  groups: (Rect & { color: string })[];
}

/** A card's dots, as distances from its top: its ports' (left), its sockets' (right), the error socket's. */
export interface Dots {
  ports: number[];
  sockets: number[];
  error?: number;
}

export interface SceneSource {
  doc: FlowDocument;
  /** A node's box as it is drawn (measured, else estimated); undefined: not placed. */
  rectAt(id: string): Rect | undefined;
  /** Where a node's dots are on its card (nodeBox.estimateBox). */
  boxAt(id: string): NodeBox | undefined;
  /** Members of collapsed groups, by node id: their group's id. */
  collapsed: ReadonlyMap<string, string>;
  /** Each group's box. */
  groupBoxes: ReadonlyMap<string, Rect>;
  selected: ReadonlySet<string>;
  /**
   * Only what is not mounted: the nodes of this set are cards already, and an edge
   * between two of them (or a collapsed group) is jsPlumb's. Absent: everything.
   */
  mounted?: ReadonlySet<string>;
}

/** How far a card's dots stand out of its sides (`.hr-dot`: 12 px across, 7 px out). */
export const DOT_OUT = 7;

/** The scene for `source` (see the module's comment). */
export function buildScene(source: SceneSource): FarScene {
  const { doc, rectAt, boxAt, collapsed, groupBoxes, selected, mounted } = source;
  const nodes: FarScene['nodes'] = [];
  for (const node of doc.nodes) {
    if (collapsed.has(node.id) || mounted?.has(node.id)) continue;
    const r = rectAt(node.id);
    if (!r) continue;
    const item: FarScene['nodes'][number] = { ...r, id: node.id, kind: node.type, selected: selected.has(node.id) };
    if (mounted) {
      // Under the cards, near: what the card will show at a glance, its name and dots.
      const box = boxAt(node.id);
      const { error, ...sockets } = box?.sockets ?? {};
      item.name = node.name;
      item.dots = { ports: Object.values(box?.ports ?? {}), sockets: Object.values(sockets), error };
    }
    nodes.push(item);
  }
  const frames: FarScene['groups'] = [];
  // Under the cards, the groups are there as ever (they are not culled).
  for (const group of mounted ? [] : (doc.ui?.groups ?? [])) {
    const box = groupBoxes.get(group.id);
    if (!box) continue;
    if (group.collapsed) {
      nodes.push({ ...box, id: group.items[0] ?? group.id, kind: 'group', selected: group.items.every((id) => selected.has(id)) });
    } else frames.push({ ...box, color: group.color });
  }
  const edges: FarScene['edges'] = [];
  for (const edge of doc.edges) {
    const fromGroup = collapsed.get(edge.from.node);
    const toGroup = collapsed.get(edge.to.node);
    if (fromGroup && fromGroup === toGroup) continue;
    if (mounted && (fromGroup || mounted.has(edge.from.node)) && (toGroup || mounted.has(edge.to.node))) continue;
    const from = fromGroup ? groupBoxes.get(fromGroup) : rectAt(edge.from.node);
    const to = toGroup ? groupBoxes.get(toGroup) : rectAt(edge.to.node);
    if (!from || !to) continue;
    const dy1 = fromGroup ? undefined : boxAt(edge.from.node)?.sockets[edge.from.socket];
    const dy2 = toGroup ? undefined : boxAt(edge.to.node)?.ports[edge.to.port];
    // jsPlumb's ends: a socket's dot's right middle, a port's dot's left middle.
    edges.push({
      x1: from.x + from.width + (fromGroup ? 0 : DOT_OUT),
      y1: from.y + (dy1 ?? from.height / 2),
      x2: to.x - (toGroup ? 0 : DOT_OUT),
      y2: to.y + (dy2 ?? to.height / 2),
      error: edge.from.socket === 'error',
    });
  }
  return { nodes, edges, groups: frames };
}
