/**
 * "Why hasn't this fired?" — for each port of a function, whether a value can have arrived
 * and which upstream sockets feed it. The engine reports held/required counts per function
 * only, so a port counts as "missing" when none of its feeding sockets has emitted yet (or
 * nothing feeds it and it has no default).
 */
import type { Port } from '@/protocol/bridge';
import type { FlowDocument } from '@/protocol/flow';
import type { ViewNode } from '@/protocol/events';

export interface PortStatus {
  port: string;
  feeds: string[];
  missing: boolean;
  why: string;
}

/** `doc`: the flow, or only the edges into the node (what is read of it). */
export function portStatuses(
  doc: Pick<FlowDocument, 'edges'>,
  nodeId: string,
  ports: Port[],
  runNodes: Record<string, ViewNode>,
  names: (id: string) => string,
): PortStatus[] {
  return ports.map((port) => {
    const edges = doc.edges.filter((e) => e.to.node === nodeId && e.to.port === port.name);
    const feeds = edges.map((e) => `${names(e.from.node)}.${e.from.socket}`);
    const emitted = edges.reduce((sum, e) => sum + (runNodes[e.from.node]?.sockets[e.from.socket]?.count ?? 0), 0);
    if (edges.length === 0) {
      return port.has_default
        ? { port: port.name, feeds, missing: false, why: `uses its default ${port.default ?? ''}` }
        : { port: port.name, feeds, missing: true, why: 'nothing is connected and it has no default' };
    }
    return emitted === 0
      ? { port: port.name, feeds, missing: true, why: `waiting for ${feeds.join(' or ')} (nothing emitted yet)` }
      : { port: port.name, feeds, missing: false, why: `${emitted} value(s) arrived from ${feeds.join(', ')}` };
  });
}
