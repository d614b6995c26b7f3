/**
 * Pure operations on a flow document (format v1). The flows store wraps them in undoable
 * edits; keeping them pure keeps them testable without a DOM or a store.
 */
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowEdge, FlowNode, FlowUi, Group, Note, Point, SocketView } from '@/protocol/flow';
import { groupsWithin, pasteGroups, pruneGroups } from './groups';

export type Check = { ok: true } | { ok: false; reason: string };

export function emptyFlow(name: string): FlowDocument {
  return { headrace: 1, name, requirements: [], nodes: [], edges: [], ui: { nodes: {}, notes: [] } };
}

/** A stable key for an edge: the file format makes `id` optional and forbids duplicates. */
export function edgeKey(edge: FlowEdge): string {
  return `${edge.from.node}.${edge.from.socket}->${edge.to.node}.${edge.to.port}`;
}

/** The first `<prefix><n>` not used by a node or note. */
export function freshId(doc: FlowDocument, prefix: string, taken: Set<string> = new Set()): string {
  const used = new Set([...doc.nodes.map((n) => n.id), ...(doc.ui?.notes ?? []).map((n) => n.id), ...taken]);
  for (let i = 1; ; i++) {
    if (!used.has(`${prefix}${i}`)) return `${prefix}${i}`;
  }
}

export function ensureUi(doc: FlowDocument): Required<Pick<FlowUi, 'nodes' | 'notes'>> & FlowUi {
  doc.ui ??= {};
  doc.ui.nodes ??= {};
  doc.ui.notes ??= [];
  return doc.ui as Required<Pick<FlowUi, 'nodes' | 'notes'>> & FlowUi;
}

export function nodePosition(doc: FlowDocument, id: string): Point {
  return doc.ui?.nodes?.[id] ?? { x: 0, y: 0 };
}

/** The sockets a node shows: all, or the `sockets` subset; `error` is always there. */
export function exposedSockets(node: FlowNode, shape: NodeShape | undefined): string[] {
  const all = shape?.sockets ?? ['error'];
  if (!node.sockets) return all;
  return all.filter((s) => s === 'error' || node.sockets?.includes(s));
}

/**
 * The ports a node shows: those of its exposed functions. A function hidden by `sockets`
 * is a helper the engine never calls, so its parameters are no ports (the engine's
 * `NodeShape.restricted_to`).
 */
export function exposedPorts(node: FlowNode, shape: NodeShape | undefined): NodeShape['ports'] {
  const ports = shape?.ports ?? [];
  if (!node.sockets) return ports;
  const functions = new Set(node.sockets);
  return ports.filter((p) => functions.has(p.function));
}

/** Why a socket→port connection is refused, or ok. */
export function checkConnection(
  doc: FlowDocument,
  shapes: (node: FlowNode) => NodeShape | undefined,
  from: { node: string; socket: string },
  to: { node: string; port: string },
): Check {
  const source = doc.nodes.find((n) => n.id === from.node);
  const target = doc.nodes.find((n) => n.id === to.node);
  if (!source || !target) return { ok: false, reason: 'that node no longer exists' };
  if (target.type === 'data') return { ok: false, reason: `${target.name} is a Data node: it has no input ports` };
  if (source.id === target.id) return { ok: false, reason: 'a node cannot feed its own ports' };
  const sourceShape = shapes(source);
  if (!sourceShape || !exposedSockets(source, sourceShape).includes(from.socket)) {
    return { ok: false, reason: `${source.name} has no socket '${from.socket}'` };
  }
  const ports = exposedPorts(target, shapes(target));
  if (!to.port) {
    return { ok: false, reason: ports.length ? `drop the edge on one of ${target.name}'s ports` : `${target.name} has no input ports` };
  }
  if (!ports.some((p) => p.name === to.port)) {
    return { ok: false, reason: `${target.name} has no port '${to.port}'` };
  }
  const duplicate = doc.edges.some(
    (e) => edgeKey(e) === edgeKey({ from, to }),
  );
  if (duplicate) return { ok: false, reason: `${from.socket} is already connected to ${to.port}` };
  return { ok: true };
}

/** Edges of `nodeId` whose socket or port is missing from its new shape. */
export function edgesBrokenByShape(doc: FlowDocument, node: FlowNode, shape: NodeShape): FlowEdge[] {
  const sockets = new Set(exposedSockets(node, shape));
  const ports = new Set(exposedPorts(node, shape).map((p) => p.name));
  return doc.edges.filter(
    (e) =>
      (e.from.node === node.id && !sockets.has(e.from.socket)) || (e.to.node === node.id && !ports.has(e.to.port)),
  );
}

/** Remove nodes (and notes) by id, with their edges and canvas data. */
export function removeItems(doc: FlowDocument, ids: Set<string>): void {
  doc.nodes = doc.nodes.filter((n) => !ids.has(n.id));
  doc.edges = doc.edges.filter((e) => !ids.has(e.from.node) && !ids.has(e.to.node));
  if (doc.ui?.nodes) for (const id of ids) delete doc.ui.nodes[id];
  if (doc.ui?.notes) doc.ui.notes = doc.ui.notes.filter((n) => !ids.has(n.id));
  const views = doc.ui?.views;
  if (views && Object.keys(views).some((id) => ids.has(id))) {
    doc.ui!.views = Object.fromEntries(Object.entries(views).filter(([id]) => !ids.has(id)));
  }
  pruneGroups(doc);
}

/** What the clipboard holds: nodes, notes, positions, the edges among them, and the groups they fill. */
export interface Fragment {
  nodes: FlowNode[];
  notes: Note[];
  positions: Record<string, Point>;
  edges: FlowEdge[];
  groups?: Group[];
  /** How the nodes' Results show their sockets (`ui.views`): a pasted Chart still charts. */
  views?: Record<string, Record<string, SocketView>>;
}

export function extractFragment(doc: FlowDocument, ids: Set<string>): Fragment {
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  const notes = (doc.ui?.notes ?? []).filter((n) => ids.has(n.id));
  const positions = Object.fromEntries(nodes.map((n) => [n.id, nodePosition(doc, n.id)]));
  const edges = doc.edges.filter((e) => ids.has(e.from.node) && ids.has(e.to.node));
  const groups = groupsWithin(doc, ids);
  const views = Object.fromEntries(Object.entries(doc.ui?.views ?? {}).filter(([id]) => ids.has(id)));
  return JSON.parse(JSON.stringify({ nodes, notes, positions, edges, groups, views })) as Fragment;
}

/** `base`, or `base copy`, `base copy 2`, … — the first not in `taken`. */
export function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  if (!taken.has(`${base} copy`)) return `${base} copy`;
  for (let i = 2; ; i++) if (!taken.has(`${base} copy ${i}`)) return `${base} copy ${i}`;
}

/** Paste a fragment with fresh ids, shifted by `offset`; returns each copied id's new id. */
export function pasteFragment(doc: FlowDocument, fragment: Fragment, offset: Point): Map<string, string> {
  const ui = ensureUi(doc);
  const renamed = new Map<string, string>();
  const taken = new Set<string>();
  for (const node of fragment.nodes) {
    const id = freshId(doc, node.type === 'data' ? 'data' : 'script', taken);
    taken.add(id);
    renamed.set(node.id, id);
    const pos = fragment.positions[node.id] ?? { x: 0, y: 0 };
    const name = uniqueName(node.name, new Set(doc.nodes.map((n) => n.name)));
    doc.nodes.push({ ...(JSON.parse(JSON.stringify(node)) as FlowNode), id, name });
    ui.nodes[id] = { x: pos.x + offset.x, y: pos.y + offset.y };
    const view = fragment.views?.[node.id];
    if (view) ui.views = { ...ui.views, [id]: { ...view } };
  }
  for (const note of fragment.notes) {
    const id = freshId(doc, 'note', taken);
    taken.add(id);
    renamed.set(note.id, id);
    ui.notes.push({ ...note, id, x: note.x + offset.x, y: note.y + offset.y });
  }
  for (const edge of fragment.edges) {
    const from = renamed.get(edge.from.node);
    const to = renamed.get(edge.to.node);
    if (from && to) doc.edges.push({ from: { ...edge.from, node: from }, to: { ...edge.to, node: to } });
  }
  pasteGroups(doc, fragment.groups ?? [], renamed);
  return renamed;
}

/**
 * Positions for nodes the file gives none (flows written by hand or by the CLI): columns
 * by longest path from a source, rows in file order.
 */
export function layoutMissing(doc: FlowDocument): void {
  const ui = ensureUi(doc);
  const missing = doc.nodes.filter((n) => !ui.nodes[n.id]);
  if (missing.length === 0) return;
  const depth = new Map<string, number>(doc.nodes.map((n) => [n.id, 0]));
  for (let pass = 0; pass < doc.nodes.length; pass++) {
    let changed = false;
    for (const e of doc.edges) {
      const d = (depth.get(e.from.node) ?? 0) + 1;
      if (e.from.node !== e.to.node && d > (depth.get(e.to.node) ?? 0) && d < doc.nodes.length) {
        depth.set(e.to.node, d);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map<number, number>();
  for (const node of missing) {
    const column = depth.get(node.id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    ui.nodes[node.id] = { x: 60 + column * 320, y: 60 + row * 200 };
  }
}
