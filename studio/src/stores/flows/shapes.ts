/**
 * Node shapes: the sockets and ports the engine derives from each node's code, what the
 * active flow's edges use of them, and the edges that go when code no longer has them.
 */
import { computed, toRaw } from 'vue';
import { notice } from '@/app/notices';
import { problemText } from '@/flow/errorText';
import { edgeKey, exposedPorts, exposedSockets } from '@/flow/model';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowEdge, FlowNode } from '@/protocol/flow';
import type { useEngineStore } from '../engine';
import type { Changes } from './changes';
import type { Tabs } from './tabs';

type Engine = ReturnType<typeof useEngineStore>;

const INSPECT_DELAY_MS = 300;

/** Shapes of the active flow's nodes, read through the engine store's cache; `commit` removes broken edges. */
export function useShapes(engine: Engine, tabs: Tabs, changes: Pick<Changes, 'commit'>) {
  const { doc, find, activeKey } = tabs;
  const { commit } = changes;
  const inspectTimers = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * Each node's last shape the engine could read, per document: while code is being typed
   * (no shape yet) or does not parse, the node keeps its ports and sockets, so its edges
   * stay drawn and its card does not jump. The edges go only once the new code is read
   * and lacks them (refreshShape, with a notice).
   */
  const lastShapes = new WeakMap<FlowDocument, Map<string, NodeShape>>();

  /** The node's shape: from its code, else its last known one (see lastShapes). */
  function shapeOf(node: FlowNode): NodeShape | undefined {
    const entry = engine.cachedShape(node.type, node.code);
    const d = doc.value ? toRaw(doc.value) : null;
    let known = d ? lastShapes.get(d) : undefined;
    if (entry?.ok) {
      if (d && !known) lastShapes.set(d, (known = new Map()));
      known?.set(node.id, entry.shape);
      return entry.shape;
    }
    return known?.get(node.id);
  }

  /** Whether the node's shape is its last known one, not its current code's. */
  function shapeIsStale(node: FlowNode): boolean {
    return !engine.cachedShape(node.type, node.code)?.ok && shapeOf(node) !== undefined;
  }

  /**
   * Per node of the active flow, the sockets and ports its edges use (what its card must
   * show dots for) and the edges coming in: one pass over the edges for every card, not
   * one per card.
   */
  const wired = computed(() => {
    const index = new Map<string, { sockets: Set<string>; ports: Set<string>; incoming: FlowEdge[] }>();
    const of = (id: string) => {
      let entry = index.get(id);
      if (!entry) index.set(id, (entry = { sockets: new Set(), ports: new Set(), incoming: [] }));
      return entry;
    };
    for (const edge of doc.value?.edges ?? []) {
      of(edge.from.node).sockets.add(edge.from.socket);
      const target = of(edge.to.node);
      target.ports.add(edge.to.port);
      target.incoming.push(edge);
    }
    return index;
  });

  /** Each node's name, by id (for messages that name nodes). */
  const nodeNames = computed(() => new Map((doc.value?.nodes ?? []).map((n) => [n.id, n.name])));

  function shapeError(node: FlowNode): string | null {
    const entry = engine.cachedShape(node.type, node.code);
    return entry && !entry.ok ? problemText(entry.error) : null;
  }

  /** Re-derive a node's shape; edges to sockets or ports that vanished go, with a notice. */
  function refreshShape(key: string, nodeId: string): Promise<void> {
    return refreshShapesOf(key, [nodeId]);
  }

  function refreshShapes(key: string): Promise<void> {
    const flow = find(key);
    return flow ? refreshShapesOf(key, flow.doc.nodes.map((n) => n.id)) : Promise.resolve();
  }

  /**
   * Re-derive the shapes of these nodes (the engine is asked once per distinct code), then
   * remove, in one pass over the edges, those to sockets or ports that vanished — a flow
   * of thousands of nodes opens in one pass, not one per node.
   */
  async function refreshShapesOf(key: string, nodeIds: string[]): Promise<void> {
    const flow = find(key);
    if (!flow) return;
    const byId = new Map(toRaw(flow.doc).nodes.map((n) => [n.id, n]));
    const asked = nodeIds.flatMap((id) => {
      const node = byId.get(id);
      return node ? [{ id, type: node.type, code: node.code }] : [];
    });
    const entries = await Promise.all(asked.map((n) => engine.inspect(n.type, n.code)));
    const now = new Map(toRaw(flow.doc).nodes.map((n) => [n.id, n]));
    const read = new Map<string, { sockets: Set<string>; ports: Set<string> }>();
    asked.forEach((n, i) => {
      const entry = entries[i];
      const current = now.get(n.id);
      // Only if the code is still what was asked about (typing goes on meanwhile).
      if (!entry?.ok || !current || current.code !== n.code) return;
      read.set(n.id, {
        sockets: new Set(exposedSockets(current, entry.shape)),
        ports: new Set(exposedPorts(current, entry.shape).map((p) => p.name)),
      });
    });
    const lost = (e: FlowEdge) => ({
      from: read.get(e.from.node)?.sockets.has(e.from.socket) === false,
      to: read.get(e.to.node)?.ports.has(e.to.port) === false,
    });
    const broken = toRaw(flow.doc).edges.filter((e) => lost(e).from || lost(e).to);
    if (broken.length === 0) return;
    const keys = new Set(broken.map(edgeKey));
    const mergeKey = nodeIds.length === 1 ? `code:${nodeIds[0]}` : undefined;
    commit(flow, 'Remove edges to vanished ports', (d) => {
      d.edges = d.edges.filter((e) => !keys.has(edgeKey(e)));
    }, mergeKey);
    // One notice per node that lost edges, naming what its code no longer has.
    const names = new Map<string, string[]>();
    for (const e of broken) {
      const gone = lost(e);
      if (gone.from) names.set(e.from.node, [...(names.get(e.from.node) ?? []), e.from.socket]);
      if (gone.to) names.set(e.to.node, [...(names.get(e.to.node) ?? []), e.to.port]);
    }
    for (const [id, list] of names) {
      notice('warning', `${now.get(id)?.name ?? id}: removed ${list.length} edge(s) to ${list.join(', ')}, which the code no longer has`);
    }
  }

  function scheduleInspect(nodeId: string): void {
    const key = activeKey.value;
    if (!key) return;
    const timerKey = `${key}/${nodeId}`;
    clearTimeout(inspectTimers.get(timerKey));
    inspectTimers.set(
      timerKey,
      setTimeout(() => {
        inspectTimers.delete(timerKey);
        void refreshShape(key, nodeId);
      }, INSPECT_DELAY_MS),
    );
  }

  return { shapeOf, shapeIsStale, wired, nodeNames, shapeError, refreshShape, refreshShapes, refreshShapesOf, scheduleInspect };
}

export type Shapes = ReturnType<typeof useShapes>;
