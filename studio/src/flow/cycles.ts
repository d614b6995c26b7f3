/**
 * Which edges close a loop: values sent along them can come round to where they started
 * (a feedback loop). Legitimate — a loop ends when a function in it returns None — but a
 * user should see it: the canvas marks these edges. Edges are in a loop when both their
 * ends lie in one strongly connected component of the node graph (Tarjan's algorithm,
 * iterative so a long chain cannot overflow the stack), or when an edge goes from a node
 * back to itself.
 */
import type { FlowDocument, FlowEdge } from '@/protocol/flow';

export function edgesInCycles(doc: Pick<FlowDocument, 'nodes' | 'edges'>): Set<FlowEdge> {
  const out = new Map<string, string[]>();
  for (const node of doc.nodes) out.set(node.id, []);
  for (const edge of doc.edges) out.get(edge.from.node)?.push(edge.to.node);
  const component = strongComponents(out);
  const looping = new Set<FlowEdge>();
  const size = new Map<number, number>();
  for (const c of component.values()) size.set(c, (size.get(c) ?? 0) + 1);
  for (const edge of doc.edges) {
    const a = component.get(edge.from.node);
    if (a === undefined || a !== component.get(edge.to.node)) continue;
    if (edge.from.node === edge.to.node || (size.get(a) ?? 0) > 1) looping.add(edge);
  }
  return looping;
}

/** Each node's strongly connected component (a number). */
function strongComponents(graph: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1] as { node: string; next: number };
      const targets = graph.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) === index.get(frame.node)) {
        let member: string | undefined;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.node);
        components += 1;
      }
    }
  }
  return component;
}
