import { describe, expect, it } from 'vitest';
import type { FlowNode } from '@/protocol/flow';
import { countText, matchNodes, stepMatch } from './findMatches';

const nodes: FlowNode[] = [
  { id: 'data1', type: 'data', name: 'Load prices', code: '' },
  { id: 'script1', type: 'script', name: 'Clean PRICES', code: '' },
  { id: 'script2', type: 'script', name: 'Plot', code: '' },
  { id: 'price_feed', type: 'data', name: 'Feed', code: '' },
];

describe('matchNodes', () => {
  it('matches names case-insensitively, in the flow order', () => {
    expect(matchNodes(nodes, 'Prices')).toEqual(['data1', 'script1']);
  });

  it('matches ids too', () => {
    expect(matchNodes(nodes, 'price')).toEqual(['data1', 'script1', 'price_feed']);
    expect(matchNodes(nodes, 'SCRIPT2')).toEqual(['script2']);
  });

  it('ignores the spaces around the query, not inside it', () => {
    expect(matchNodes(nodes, '  plot ')).toEqual(['script2']);
    expect(matchNodes(nodes, 'load  prices')).toEqual([]);
  });

  it('matches nothing for an empty query', () => {
    expect(matchNodes(nodes, '')).toEqual([]);
    expect(matchNodes(nodes, '   ')).toEqual([]);
  });
});

describe('stepMatch', () => {
  it('starts at the first (next) or the last (previous) match', () => {
    expect(stepMatch(-1, 3, 1)).toBe(0);
    expect(stepMatch(-1, 3, -1)).toBe(2);
  });

  it('wraps around both ways', () => {
    expect([0, 1, 2].map((i) => stepMatch(i, 3, 1))).toEqual([1, 2, 0]);
    expect([0, 1, 2].map((i) => stepMatch(i, 3, -1))).toEqual([2, 0, 1]);
  });

  it('has nowhere to go without matches', () => {
    expect(stepMatch(-1, 0, 1)).toBe(-1);
    expect(stepMatch(2, 0, -1)).toBe(-1);
  });

  it('starts over when the current match is out of range (the matches shrank)', () => {
    expect(stepMatch(5, 2, 1)).toBe(0);
  });
});

describe('countText', () => {
  it('says which match of how many', () => {
    expect(countText(2, 12)).toBe('3 of 12');
    expect(countText(-1, 12)).toBe('12 matches');
    expect(countText(-1, 1)).toBe('1 match');
    expect(countText(-1, 0)).toBe('No match');
  });
});
