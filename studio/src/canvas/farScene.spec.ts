import { describe, expect, it } from 'vitest';
import type { FlowDocument } from '@/protocol/flow';
import { buildScene, DOT_OUT, type SceneSource } from './farScene';
import type { NodeBox } from './layout/nodeBox';
import type { Rect } from './viewportMath';

const script = (id: string) => ({ id, type: 'script' as const, name: id.toUpperCase(), code: '' });
const doc: FlowDocument = {
  headrace: 1,
  name: 'chain',
  nodes: [script('a'), script('b'), script('c'), script('d')],
  edges: [
    { from: { node: 'a', socket: 'f' }, to: { node: 'b', port: 'f.x' } },
    { from: { node: 'b', socket: 'f' }, to: { node: 'c', port: 'f.x' } },
    { from: { node: 'c', socket: 'error' }, to: { node: 'd', port: 'f.x' } },
  ],
};
const rects: Record<string, Rect> = {
  a: { x: 0, y: 0, width: 200, height: 80 },
  b: { x: 300, y: 0, width: 200, height: 80 },
  c: { x: 600, y: 0, width: 200, height: 80 },
  d: { x: 900, y: 0, width: 200, height: 80 },
};
const box: NodeBox = { width: 200, height: 80, ports: { 'f.x': 60 }, sockets: { f: 50, error: 70 } };

function source(extra: Partial<SceneSource> = {}): SceneSource {
  return {
    doc,
    rectAt: (id) => rects[id],
    boxAt: () => box,
    collapsed: new Map(),
    groupBoxes: new Map(),
    selected: new Set(['b']),
    ...extra,
  };
}

describe('buildScene', () => {
  it('draws the whole flow from afar, edges from dot to dot', () => {
    const scene = buildScene(source());
    expect(scene.nodes.map((n) => n.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(scene.nodes.find((n) => n.id === 'b')?.selected).toBe(true);
    expect(scene.edges).toHaveLength(3);
    expect(scene.edges[0]).toEqual({ x1: 200 + DOT_OUT, y1: 50, x2: 300 - DOT_OUT, y2: 60, error: false });
    expect(scene.edges[2]).toMatchObject({ y1: 70, error: true });
  });

  it('under the cards, only what is not mounted, and the edges jsPlumb cannot draw', () => {
    const scene = buildScene(source({ mounted: new Set(['a', 'b']) }));
    expect(scene.nodes.map((n) => n.id)).toEqual(['c', 'd']);
    // a→b is jsPlumb's (both mounted); b→c has an end the stand-in draws; c→d too.
    expect(scene.edges.map((e) => e.x1)).toEqual([500 + DOT_OUT, 800 + DOT_OUT]);
    expect(scene.nodes[0]).toMatchObject({ name: 'C', dots: { ports: [60], sockets: [50], error: 70 } });
  });

  it('nothing under the cards once all are mounted', () => {
    const scene = buildScene(source({ mounted: new Set(['a', 'b', 'c', 'd']) }));
    expect(scene).toEqual({ nodes: [], edges: [], groups: [] });
  });

  it('draws edges into a collapsed group to its box, and none inside it', () => {
    const collapsed = new Map([
      ['b', 'g'],
      ['c', 'g'],
    ]);
    const groupBoxes = new Map([['g', { x: 300, y: 0, width: 500, height: 100 }]]);
    const withGroup: FlowDocument = { ...doc, ui: { groups: [{ id: 'g', label: 'G', color: '#333', items: ['b', 'c'], collapsed: true }] } };
    const far = buildScene(source({ doc: withGroup, collapsed, groupBoxes }));
    expect(far.nodes.map((n) => n.kind)).toEqual(['script', 'script', 'group']);
    expect(far.edges).toEqual([
      { x1: 200 + DOT_OUT, y1: 50, x2: 300, y2: 50, error: false },
      { x1: 800, y1: 50, x2: 900 - DOT_OUT, y2: 60, error: true },
    ]);
    // Under the cards the group's box is there (groups are not culled): only d's side is drawn.
    const under = buildScene(source({ doc: withGroup, collapsed, groupBoxes, mounted: new Set(['a']) }));
    expect(under.nodes.map((n) => n.id)).toEqual(['d']);
    expect(under.edges).toHaveLength(1);
  });
});
