/**
 * The edges among a set of nodes, without walking every edge of the flow: the canvas
 * syncs its drawn edges on each frame that mounts cards, and only edges whose two nodes
 * are rendered can be drawn. Pure: the canvas says when the edges changed.
 */
import type { FlowEdge } from '@/protocol/flow';

export class EdgeIndex {
  private edges: readonly FlowEdge[] | null = null;
  private length = 0;
  /** Each node's outgoing edges, with their places in the list. */
  private from = new Map<string, [number, FlowEdge][]>();

  /** Forget the index (the edges changed in place: a replaced edge keeps the list). */
  reset(): void {
    this.edges = null;
  }

  /** The edges of `edges` from a node of `ids` to a node of `ids`, in their order there. */
  among(edges: readonly FlowEdge[], ids: ReadonlySet<string>): FlowEdge[] {
    if (this.edges !== edges || this.length !== edges.length) this.build(edges);
    const found: [number, FlowEdge][] = [];
    for (const id of ids) {
      for (const entry of this.from.get(id) ?? []) if (ids.has(entry[1].to.node)) found.push(entry);
    }
    return found.sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
  }

  private build(edges: readonly FlowEdge[]): void {
    this.from = new Map();
    edges.forEach((edge, i) => {
      const list = this.from.get(edge.from.node);
      if (list) list.push([i, edge]);
      else this.from.set(edge.from.node, [[i, edge]]);
    });
    this.edges = edges;
    this.length = edges.length;
  }
}
