import { describe, expect, it } from 'vitest';
import { port } from '@/testing/fixtures';
import {
  checkConnection, edgeKey, edgesBrokenByShape, emptyFlow, exposedPorts, exposedSockets, extractFragment, layoutMissing, pasteFragment, removeItems, uniqueName,
} from './model';

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

describe('socket views', () => {
  it('go with a node when it is copied and pasted, and when it is deleted', () => {
    const doc = emptyFlow('f');
    doc.nodes = [
      { id: 'chart1', type: 'script', name: 'Chart 1', code: 'def chart(value): return value' },
      { id: 'other', type: 'script', name: 'Other', code: 'def o(x): return x' },
    ];
    doc.ui = { nodes: { chart1: { x: 0, y: 0 }, other: { x: 0, y: 100 } }, views: { chart1: { chart: 'bar' }, other: { o: 'list' } } };
    const renamed = pasteFragment(doc, extractFragment(doc, new Set(['chart1'])), { x: 20, y: 20 });
    const copy = renamed.get('chart1')!;
    expect(doc.ui.views?.[copy]).toEqual({ chart: 'bar' });
    removeItems(doc, new Set(['chart1', 'other']));
    expect(doc.ui.views).toEqual({ [copy]: { chart: 'bar' } });
  });
});

describe('uniqueName', () => {
  it('adds copy, then numbers', () => {
    expect(uniqueName('A', new Set())).toBe('A');
    expect(uniqueName('A', new Set(['A']))).toBe('A copy');
    expect(uniqueName('A', new Set(['A', 'A copy', 'A copy 2']))).toBe('A copy 3');
  });
});

describe('exposed sockets and ports', () => {
  const shape = { sockets: ['total', 'clean', 'error'], ports: [port('total', 'xs'), port('clean', 'xs'), port('clean', 'limit')] };
  const node = { id: 's', type: 'script' as const, name: 'S', code: '' };

  it('shows every function and its ports when the node names no sockets', () => {
    expect(exposedSockets(node, shape)).toEqual(['total', 'clean', 'error']);
    expect(exposedPorts(node, shape).map((p) => p.name)).toEqual(['total.xs', 'clean.xs', 'clean.limit']);
  });

  it('drops the ports of a function the node hides (a helper)', () => {
    const narrowed = { ...node, sockets: ['total'] };
    expect(exposedSockets(narrowed, shape)).toEqual(['total', 'error']);
    expect(exposedPorts(narrowed, shape).map((p) => p.name)).toEqual(['total.xs']);
  });

  it("refuses an edge into a hidden function's port, and finds such edges broken", () => {
    const doc = emptyFlow('f');
    const source = { id: 'd', type: 'data' as const, name: 'D', code: 'x = 1' };
    const target = { ...node, sockets: ['total'] };
    doc.nodes = [source, target];
    const shapes = (n: { id: string }) => (n.id === 'd' ? { sockets: ['x', 'error'], ports: [] } : shape);
    const check = checkConnection(doc, shapes, { node: 'd', socket: 'x' }, { node: 's', port: 'clean.xs' });
    expect(check).toEqual({ ok: false, reason: "S has no port 'clean.xs'" });
    doc.edges = [{ from: { node: 'd', socket: 'x' }, to: { node: 's', port: 'clean.xs' } }];
    expect(edgesBrokenByShape(doc, target, shape)).toHaveLength(1);
  });
});
