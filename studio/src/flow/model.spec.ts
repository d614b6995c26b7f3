import { describe, expect, it } from 'vitest';
import { edgeKey, emptyFlow, layoutMissing, uniqueName } from './model';

describe('flow model', () => {
  it('lays out nodes without positions in columns by depth, keeping given ones', () => {
    const doc = emptyFlow('f');
    doc.nodes = [
      { id: 'a', type: 'data', name: 'A', code: 'a = 1' },
      { id: 'b', type: 'script', name: 'B', code: 'def b(a): return a' },
      { id: 'c', type: 'script', name: 'C', code: 'def c(b): return b' },
    ];
    doc.edges = [
      { from: { node: 'a', socket: 'a' }, to: { node: 'b', port: 'b.a' } },
      { from: { node: 'b', socket: 'b' }, to: { node: 'c', port: 'c.b' } },
    ];
    doc.ui = { nodes: { a: { x: 5, y: 5 } } };
    layoutMissing(doc);
    expect(doc.ui.nodes?.a).toEqual({ x: 5, y: 5 });
    expect(doc.ui.nodes?.b?.x).toBeLessThan(doc.ui.nodes?.c?.x ?? 0);
    expect(edgeKey(doc.edges[0]!)).toBe('a.a->b.b.a');
  });
});

describe('uniqueName', () => {
  it('adds copy, then numbers', () => {
    expect(uniqueName('A', new Set())).toBe('A');
    expect(uniqueName('A', new Set(['A']))).toBe('A copy');
    expect(uniqueName('A', new Set(['A', 'A copy', 'A copy 2']))).toBe('A copy 3');
  });
});
