import { describe, expect, it } from 'vitest';
import { applyPatches, diff } from './patches';

describe('patches', () => {
  const before = { name: 'a', nodes: [{ id: 'n1', code: 'x = 1' }], ui: { nodes: { n1: { x: 0, y: 0 } } } };

  it('records only what changed, and undo/redo restore both sides', () => {
    const after = structuredClone(before);
    after.nodes[0]!.code = 'x = 2';
    after.ui.nodes.n1.x = 10;
    const patches = diff(before, after);
    expect(patches.map((p) => p.path.join('.'))).toEqual(['nodes.0.code', 'ui.nodes.n1.x']);

    const doc = structuredClone(after);
    applyPatches(doc, patches, 'undo');
    expect(doc).toEqual(before);
    applyPatches(doc, patches, 'redo');
    expect(doc).toEqual(after);
  });

  it('replaces an array whose length changed, and handles added and removed keys', () => {
    const after = structuredClone(before) as typeof before & { description?: string };
    after.nodes.push({ id: 'n2', code: '' });
    after.description = 'new';
    delete (after.ui.nodes as Record<string, unknown>).n1;
    const patches = diff(before, after);
    const doc = structuredClone(after);
    applyPatches(doc, patches, 'undo');
    expect(doc).toEqual(before);
    expect('description' in doc).toBe(false);
    applyPatches(doc, patches, 'redo');
    expect(doc).toEqual(after);
  });

  it('keeps patches independent of later changes to the document', () => {
    const doc = structuredClone(before);
    const after = structuredClone(before);
    after.nodes[0]!.code = 'changed';
    const patches = diff(doc, after);
    after.nodes[0]!.code = 'mutated later';
    applyPatches(doc, patches, 'redo');
    expect(doc.nodes[0]!.code).toBe('changed');
  });
});
