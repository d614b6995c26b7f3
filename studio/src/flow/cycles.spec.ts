import { describe, expect, it } from 'vitest';
import type { FlowEdge, FlowNode } from '@/protocol/flow';
import { edgesInCycles } from './cycles';

const node = (id: string): FlowNode => ({ id, type: 'script', name: id, code: '' });
const edge = (a: string, b: string): FlowEdge => ({ from: { node: a, socket: 's' }, to: { node: b, port: 'f.x' } });

describe('edges in cycles', () => {
  it('marks the edges of a loop and nothing else', () => {
    const edges = [edge('seed', 'a'), edge('a', 'b'), edge('b', 'a'), edge('b', 'out')];
    const looping = edgesInCycles({ nodes: ['seed', 'a', 'b', 'out'].map(node), edges });
    expect([...looping]).toEqual([edges[1], edges[2]]);
  });

  it('marks an edge from a node to itself, and none in a chain', () => {
    const self = edge('a', 'a');
    expect([...edgesInCycles({ nodes: [node('a')], edges: [self] })]).toEqual([self]);
    const chain = Array.from({ length: 20_000 }, (_, i) => edge(`n${i}`, `n${i + 1}`));
    const nodes = Array.from({ length: 20_001 }, (_, i) => node(`n${i}`));
    expect(edgesInCycles({ nodes, edges: chain }).size).toBe(0); // (iterative: no stack overflow)
    expect(edgesInCycles({ nodes, edges: [...chain, edge('n20000', 'n0')] }).size).toBe(20_001);
  });
});
