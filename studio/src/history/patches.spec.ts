import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reactive } from 'vue';
import { applyInPlace, recordChange } from './patches';

interface Doc {
  name: string;
  description?: string;
  nodes: { id: string; code: string }[];
  ui: { nodes: Record<string, { x: number; y: number }> };
}

const start = (): Doc => ({ name: 'a', nodes: [{ id: 'n1', code: 'x = 1' }], ui: { nodes: { n1: { x: 0, y: 0 } } } });

describe('patches', () => {
  it('records only what changed, leaves the document alone, and undo/redo restore both sides', () => {
    const doc = start();
    const change = recordChange(doc, (d) => {
      d.nodes[0]!.code = 'x = 2';
      d.ui.nodes.n1!.x = 10;
    });
    expect(doc).toEqual(start()); // recording changes nothing
    expect(change.redo.map((p) => p.path.join('.')).sort()).toEqual(['nodes.0.code', 'ui.nodes.n1.x']);
    applyInPlace(doc, change.redo);
    expect(doc.nodes[0]!.code).toBe('x = 2');
    expect(doc.ui.nodes.n1).toEqual({ x: 10, y: 0 });
    applyInPlace(doc, change.undo);
    expect(doc).toEqual(start());
  });

  it('adds and removes array items and keys', () => {
    const doc = start();
    const change = recordChange(doc, (d) => {
      d.nodes.push({ id: 'n2', code: '' });
      d.description = 'new';
      delete d.ui.nodes.n1;
    });
    applyInPlace(doc, change.redo);
    expect(doc.nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(doc.description).toBe('new');
    expect(doc.ui.nodes).toEqual({});
    applyInPlace(doc, change.undo);
    expect(doc).toEqual(start());
    expect('description' in doc).toBe(false);
  });

  it('keeps history independent of later changes to the document', () => {
    const doc = start();
    const change = recordChange(doc, (d) => void d.nodes.push({ id: 'n2', code: 'added' }));
    applyInPlace(doc, change.redo);
    doc.nodes[1]!.code = 'mutated later';
    applyInPlace(doc, change.undo);
    applyInPlace(doc, change.redo);
    expect(doc.nodes[1]!.code).toBe('added');
  });

  it('writes into a reactive document in place, so what did not change keeps its identity', () => {
    const doc = reactive(start());
    const untouched = doc.ui.nodes;
    const change = recordChange(doc, (d) => void (d.nodes[0]!.code = 'y = 1'));
    applyInPlace(doc, change.redo);
    expect(doc.ui.nodes).toBe(untouched);
    expect(doc.nodes[0]!.code).toBe('y = 1');
  });

  it('undo and redo of any sequence of edits restore each state exactly', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), code: fc.string() }),
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('code' as const), at: fc.nat(), code: fc.string() }),
      fc.record({ kind: fc.constant('move' as const), at: fc.nat(), x: fc.integer() }),
      fc.record({ kind: fc.constant('filter' as const), keep: fc.nat({ max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 30 }), (edits) => {
        const doc = start();
        const states = [structuredClone(doc)];
        const changes = edits.map((e, i) => {
          const change = recordChange(doc, (d) => {
            const n = d.nodes.length;
            if (e.kind === 'add') {
              d.nodes.push({ id: `m${i}`, code: e.code });
              d.ui.nodes[`m${i}`] = { x: i, y: i };
            } else if (e.kind === 'remove' && n) {
              const [gone] = d.nodes.splice(e.at % n, 1);
              delete d.ui.nodes[gone!.id];
            } else if (e.kind === 'code' && n) d.nodes[e.at % n]!.code = e.code;
            else if (e.kind === 'move' && n) d.ui.nodes[d.nodes[e.at % n]!.id] = { x: e.x, y: 0 };
            else if (e.kind === 'filter') d.nodes = d.nodes.filter((_, j) => j % 4 !== e.keep);
          });
          applyInPlace(doc, change.redo);
          states.push(structuredClone(doc));
          return change;
        });
        for (let i = changes.length - 1; i >= 0; i--) {
          applyInPlace(doc, changes[i]!.undo);
          expect(doc).toEqual(states[i]);
        }
        changes.forEach((change, i) => {
          applyInPlace(doc, change.redo);
          expect(doc).toEqual(states[i + 1]);
        });
      }),
      { numRuns: 200 },
    );
  });
});
