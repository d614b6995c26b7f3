import { describe, expect, it } from 'vitest';
import { port } from '@/testing/fixtures';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowNode } from '@/protocol/flow';
import { boxesOf, CARD, cardPorts, estimateBox } from './nodeBox';

const node: FlowNode = { id: 's', type: 'script', name: 'S', code: '' };

describe('cardPorts', () => {
  it('lists ports grouped by function, as the card does', () => {
    const shape: NodeShape = { sockets: ['error'], ports: [port('f', 'a'), port('g', 'x'), port('f', 'b')] };
    expect(cardPorts(shape)).toEqual(['f.a', 'f.b', 'g.x']);
    expect(cardPorts(undefined)).toEqual([]);
  });
});

describe('estimateBox', () => {
  it('grows with the ports and sockets the card shows', () => {
    const small = estimateBox(node, { sockets: ['error'], ports: [port('f', 'a')] });
    const tall = estimateBox(node, { sockets: ['error'], ports: [1, 2, 3, 4, 5, 6].map((i) => port('f', `p${i}`)) });
    const wide = estimateBox(node, { sockets: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'error'], ports: [] });
    expect(small.width).toBe(CARD.width);
    expect(tall.height - small.height).toBe(5 * CARD.row);
    expect(wide.height).toBeGreaterThan(small.height);
  });

  it('puts the dots top to bottom in card order, a row apart', () => {
    const box = estimateBox(node, { sockets: ['out', 'error'], ports: [port('f', 'a'), port('g', 'b')] });
    expect(box.ports['f.b']).toBeUndefined();
    expect(box.ports['g.b']! - box.ports['f.a']!).toBe(CARD.row + CARD.gap + CARD.functionName);
    expect(box.sockets.error! - box.sockets.out!).toBe(CARD.row + CARD.gap);
    expect(box.sockets.out).toBeGreaterThan(CARD.header);
  });

  it('shows only the exposed sockets (and error)', () => {
    const box = estimateBox({ ...node, sockets: ['b'] }, { sockets: ['a', 'b', 'error'], ports: [] });
    expect(Object.keys(box.sockets)).toEqual(['b', 'error']);
  });
});

describe('boxesOf', () => {
  it('estimates the cards that are not rendered', () => {
    const doc = { headrace: 1 as const, name: 't', nodes: [node], edges: [] };
    const shape: NodeShape = { sockets: ['error'], ports: [port('f', 'a')] };
    expect(boxesOf(doc, () => shape, document)('s')).toEqual(estimateBox(node, shape));
  });
});
