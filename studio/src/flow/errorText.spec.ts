import { describe, expect, it } from 'vitest';
import { nameFlowError } from './errorText';

const doc = {
  nodes: [
    { id: 'd1', type: 'data' as const, name: 'Prices', code: 'x = 1' },
    { id: 's1', type: 'script' as const, name: '', code: 'def f(:' },
    { id: 's2', type: 'script' as const, name: 'Add', code: 'def add(x):\n  return x +' },
  ],
};

describe('nameFlowError', () => {
  it('names the node of a fault in its code', () => {
    expect(nameFlowError('nodes[2].code: SyntaxError at line 2: invalid syntax', doc)).toEqual({
      text: 'Add: SyntaxError at line 2: invalid syntax',
      node: 's2',
      inCode: true,
    });
  });

  it('calls a node without a name by its id', () => {
    expect(nameFlowError("nodes[1].code: SyntaxError at line 1: '(' was never closed", doc).text).toBe(
      "s1: SyntaxError at line 1: '(' was never closed",
    );
  });

  it('keeps the field when the fault is not in the code', () => {
    expect(nameFlowError("nodes[0].sockets[1]: the code has no socket 'z' (sockets: x)", doc)).toEqual({
      text: "Prices (sockets[1]): the code has no socket 'z' (sockets: x)",
      node: 'd1',
      inCode: false,
    });
    expect(nameFlowError('nodes[2].ports["add.z"]: the code has no port', doc).text).toBe('Add (ports["add.z"]): the code has no port');
  });

  it('leaves other messages, and paths to nodes it does not have, as they are', () => {
    expect(nameFlowError("edges[0].to.port: node 's1' has no port 'add.z'", doc).node).toBeNull();
    expect(nameFlowError('nodes[7].code: SyntaxError', doc).text).toBe('nodes[7].code: SyntaxError');
    expect(nameFlowError('nodes[0].code: SyntaxError', null).text).toBe('nodes[0].code: SyntaxError');
  });
});
