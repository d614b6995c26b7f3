/**
 * What of a flow a run runs: the flow without its canvas data, names and descriptions. Two
 * documents with the same key run the same way, so a live run of one can take a trigger
 * meant for the other; otherwise the run is stale and a node's ▶ starts a fresh one.
 */
import type { FlowDocument } from '@/protocol/flow';

export function runnableKey(doc: FlowDocument): string {
  return JSON.stringify({
    requirements: doc.requirements ?? [],
    timezone: doc.timezone ?? null,
    misfire: doc.misfire ?? null,
    time_limit: doc.time_limit ?? null,
    queue_limit: doc.queue_limit ?? null,
    nodes: doc.nodes.map((n) => [n.id, n.type, n.code, n.sockets ?? null, n.schedule ?? null, n.ports ?? null, n.time_limit ?? null]),
    edges: doc.edges.map((e) => [e.from.node, e.from.socket, e.to.node, e.to.port]),
  });
}
