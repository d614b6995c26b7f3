import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { port } from '@/testing/fixtures';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowNode } from '@/protocol/flow';
import { buildElkGraph, LAYER_GAP, NODE_GAP, positionsFrom, topLeftOf } from './elkGraph';
import { estimateBox, type NodeBox } from './nodeBox';


/** source → join(a, b) ← other; join also has a second function `more(c)`. */
function flow(): { doc: FlowDocument; shapes: Record<string, NodeShape> } {
  const shapes: Record<string, NodeShape> = {
    src: { sockets: ['x', 'y', 'error'], ports: [] },
    other: { sockets: ['z', 'error'], ports: [] },
    // The engine lists ports in code order; the card groups them by function.
    join: { sockets: ['out', 'error'], ports: [port('join', 'a'), port('more', 'c'), port('join', 'b')] },
    tail: { sockets: ['error'], ports: [port('tail', 'v')] },
  };
  const node = (id: string, type: FlowNode['type'] = 'script'): FlowNode => ({ id, type, name: id.toUpperCase(), code: id });
  const doc: FlowDocument = {
    headrace: 1,
    name: 't',
    nodes: [node('src', 'data'), node('other', 'data'), node('join'), node('tail')],
    edges: [
      { from: { node: 'src', socket: 'x' }, to: { node: 'join', port: 'join.a' } },
      { from: { node: 'other', socket: 'z' }, to: { node: 'join', port: 'join.b' } },
      { from: { node: 'src', socket: 'y' }, to: { node: 'join', port: 'more.c' } },
      { from: { node: 'join', socket: 'out' }, to: { node: 'tail', port: 'tail.v' } },
    ],
    ui: { nodes: { src: { x: 500, y: 10 }, other: { x: 300, y: 400 }, join: { x: 120, y: 250 }, tail: { x: 0, y: 900 } }, notes: [] },
  };
  return { doc, shapes };
}

const shapeOf = (shapes: Record<string, NodeShape>) => (n: FlowNode) => shapes[n.id];
const boxesFor = (doc: FlowDocument, shapes: Record<string, NodeShape>) => (id: string): NodeBox =>
  estimateBox(doc.nodes.find((n) => n.id === id) as FlowNode, shapes[id]);

describe('buildElkGraph', () => {
  it('puts ports WEST and sockets EAST, in the order the card shows them', () => {
    const { doc, shapes } = flow();
    const graph = buildElkGraph(doc, null, shapeOf(shapes), boxesFor(doc, shapes));
    const join = graph.children?.find((c) => c.id === 'n:join');
    const sides = (side: string) =>
      (join?.ports ?? [])
        .filter((p) => p.layoutOptions?.['elk.port.side'] === side)
        .sort((a, b) => (a.y ?? 0) - (b.y ?? 0))
        .map((p) => p.id.split(':').at(-1));
    // Grouped by function (join's a and b, then more's c), top to bottom; `error` is a socket too.
    expect(sides('WEST')).toEqual(['join.a', 'join.b', 'more.c']);
    expect(sides('EAST')).toEqual(['out', 'error']);
    // Fixed where the card has them: the order, and the heights of the dots.
    expect(join?.layoutOptions?.['elk.portConstraints']).toBe('FIXED_POS');
    const box = boxesFor(doc, shapes)('join');
    const y = (name: string) => (join?.ports?.find((p) => p.id.endsWith(`:${name}`))?.y ?? 0) + 4;
    expect([y('join.a'), y('join.b'), y('more.c')]).toEqual([box.ports['join.a'], box.ports['join.b'], box.ports['more.c']]);
    expect([y('out'), y('error')]).toEqual([box.sockets.out, box.sockets.error]);
    const x = (name: string) => join?.ports?.find((p) => p.id.endsWith(`:${name}`))?.x ?? 0;
    expect(x('join.a')).toBeLessThan(0);
    expect(x('out')).toBe(box.width);
  });

  it('gives each node its card size', () => {
    const { doc, shapes } = flow();
    const sizes = { src: { width: 215, height: 111 }, other: { width: 300, height: 70 }, join: { width: 215, height: 160 }, tail: { width: 215, height: 62 } };
    const graph = buildElkGraph(doc, null, shapeOf(shapes), (id) => ({ ...sizes[id as keyof typeof sizes], ports: {}, sockets: {} }));
    expect(Object.fromEntries((graph.children ?? []).map((c) => [c.id.slice(2), { width: c.width, height: c.height }]))).toEqual(sizes);
  });

  it('takes only the selected nodes, and only the edges among them', () => {
    const { doc, shapes } = flow();
    const graph = buildElkGraph(doc, ['src', 'join'], shapeOf(shapes), boxesFor(doc, shapes));
    expect(graph.children?.map((c) => c.id)).toEqual(['n:src', 'n:join']);
    expect(graph.edges?.map((e) => [e.sources[0], e.targets[0]])).toEqual([
      ['p:0:out:x', 'p:1:in:join.a'],
      ['p:0:out:y', 'p:1:in:more.c'],
    ]);
  });

  it('keeps edges to ports the shape does not name (not inspected yet) as extra ports', () => {
    const { doc, shapes } = flow();
    const graph = buildElkGraph(doc, null, (n) => (n.id === 'tail' ? undefined : shapes[n.id]), boxesFor(doc, shapes));
    const tail = graph.children?.find((c) => c.id === 'n:tail');
    expect(tail?.ports?.map((p) => p.id)).toContain('p:3:in:tail.v');
    const ids = new Set(graph.children?.flatMap((c) => (c.ports ?? []).map((p) => p.id)));
    for (const edge of graph.edges ?? []) expect([edge.sources[0], edge.targets[0]].every((p) => ids.has(p ?? ''))).toBe(true);
  });

  it('is a graph ELK lays out left to right, without overlaps', async () => {
    const { doc, shapes } = flow();
    const boxOf = boxesFor(doc, shapes);
    const laidOut = await new ELK().layout(buildElkGraph(doc, null, shapeOf(shapes), boxOf));
    const at = positionsFrom(laidOut, { x: 0, y: 0 });
    const rect = (id: string) => ({ ...at[id]!, ...boxOf(id) });
    for (const e of doc.edges) {
      expect(rect(e.from.node).x + rect(e.from.node).width).toBeLessThanOrEqual(rect(e.to.node).x - LAYER_GAP / 2);
    }
    const ids = Object.keys(at);
    for (const a of ids) {
      for (const b of ids) {
        if (a >= b) continue;
        const [p, q] = [rect(a), rect(b)];
        const apart = p.x + p.width <= q.x || q.x + q.width <= p.x || p.y + p.height + NODE_GAP / 2 <= q.y || q.y + q.height + NODE_GAP / 2 <= p.y;
        expect(apart, `${a} and ${b} overlap`).toBe(true);
      }
    }
  });
});

describe('placing the result', () => {
  it('keeps the top-left corner where the nodes were', () => {
    const { doc } = flow();
    const origin = topLeftOf(doc, ['src', 'join']);
    expect(origin).toEqual({ x: 120, y: 10 });
    const laidOut = {
      id: 'root',
      children: [
        { id: 'n:src', x: 12, y: 40.4 },
        { id: 'n:join', x: 317.6, y: 12 },
      ],
    };
    expect(positionsFrom(laidOut, origin!)).toEqual({ src: { x: 120, y: 38 }, join: { x: 426, y: 10 } });
  });

  it('has no corner for nodes without positions', () => {
    const { doc } = flow();
    expect(topLeftOf(doc, ['nowhere'])).toBeNull();
  });
});
