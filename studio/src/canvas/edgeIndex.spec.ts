import { describe, expect, it } from 'vitest';
import type { FlowEdge } from '@/protocol/flow';
import { EdgeIndex } from './edgeIndex';

const edge = (from: string, to: string): FlowEdge => ({ from: { node: from, socket: 'out' }, to: { node: to, port: 'in' } });

describe('EdgeIndex', () => {
  const edges = [edge('a', 'b'), edge('c', 'a'), edge('b', 'c'), edge('a', 'd'), edge('b', 'b')];

  it('gives the edges whose two nodes are in the set, in the flow order', () => {
    expect(new EdgeIndex().among(edges, new Set(['a', 'b', 'c']))).toEqual([edges[0], edges[1], edges[2], edges[4]]);
    expect(new EdgeIndex().among(edges, new Set(['a', 'd']))).toEqual([edges[3]]);
    expect(new EdgeIndex().among(edges, new Set(['d']))).toEqual([]);
  });

  it('is what filtering every edge gives, for any set', () => {
    const index = new EdgeIndex();
    const names = ['a', 'b', 'c', 'd'];
    for (let mask = 0; mask < 16; mask++) {
      const ids = new Set(names.filter((_, i) => mask & (1 << i)));
      expect(index.among(edges, ids)).toEqual(edges.filter((e) => ids.has(e.from.node) && ids.has(e.to.node)));
    }
  });

  it('follows a new list, or one grown in place, and forgets on reset', () => {
    const index = new EdgeIndex();
    const all = new Set(['a', 'b', 'c', 'd']);
    const list = [edge('a', 'b')];
    expect(index.among(list, all)).toHaveLength(1);
    list.push(edge('c', 'd'));
    expect(index.among(list, all)).toHaveLength(2);
    list[0] = edge('d', 'a');
    index.reset();
    expect(index.among(list, all)).toEqual([list[0], list[1]]);
    expect(index.among([edge('b', 'c')], all)).toEqual([edge('b', 'c')]);
  });
});
