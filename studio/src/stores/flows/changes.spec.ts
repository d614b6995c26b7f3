import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { edgeKey } from '@/flow/model';
import { useHistoryStore } from '../history';
import { bootFakeEngine, twoNodes, SCRIPT, SCRIPT_RENAMED } from './testing';

describe('flows store: changes', () => {
  beforeEach(bootFakeEngine);

  it('undoes and redoes every edit', async () => {
    const { flows, data, script } = await twoNodes();
    flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    const history = useHistoryStore();
    expect(history.canUndo).toBe(true);
    flows.undo();
    expect(flows.doc?.edges).toHaveLength(0);
    flows.redo();
    expect(flows.doc?.edges).toHaveLength(1);

    flows.selection = [script];
    flows.deleteSelection();
    expect(flows.doc?.nodes.map((n) => n.id)).toEqual([data]);
    expect(flows.doc?.edges).toHaveLength(0);
    flows.undo();
    expect(flows.doc?.nodes.map((n) => n.id)).toEqual([data, script]);
    expect(flows.doc?.edges).toHaveLength(1);
    expect(flows.doc?.ui?.nodes?.[script]).toEqual({ x: 300, y: 0 });
  });

  it('counts every change of a document, which is what autosave writes by', async () => {
    const { flows, data, script } = await twoNodes();
    type Flows = typeof flows;
    // Each action a user can take; whatever it changes in the document, the revision must
    // count, or autosave would never write it.
    const actions: Record<string, (f: Flows) => void> = {
      addNode: (f) => void f.addNode('script', { x: 40, y: 300 }),
      addNote: (f) => void f.addNote({ x: 10, y: 10 }),
      code: (f) => f.setCode(script, SCRIPT_RENAMED),
      codeBack: (f) => f.setCode(script, SCRIPT),
      name: (f) => f.setName(data, `Data ${Math.random()}`),
      connect: (f) => void f.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' }),
      disconnect: (f) => f.doc?.edges[0] && f.disconnect(edgeKey(f.doc.edges[0])),
      drag: (f) => {
        f.beginGesture();
        f.moveBy([data], { x: 3.5, y: 1 });
        f.roundPositions([data]);
        f.endGesture('Move');
      },
      dragMidway: (f) => f.moveBy([script], { x: 7, y: 0 }),
      select: (f) => void (f.selection = [data, script]),
      duplicate: (f) => {
        f.selection = [data];
        f.duplicateSelection();
      },
      remove: (f) => {
        const last = f.doc?.nodes.at(-1)?.id;
        if (last && last !== data && last !== script) {
          f.selection = [last];
          f.deleteSelection();
        }
      },
      group: (f) => {
        f.selection = [data, script];
        f.groupSelection();
      },
      ungroup: (f) => {
        f.selection = [data, script];
        f.ungroupItems();
      },
      sticky: (f) => f.setSticky(script, 'double.x', true),
      viewport: (f) => f.setViewport({ x: Math.random(), y: 0, zoom: 1 }),
      place: (f) => f.placeNodes(f.activeKey!, { [script]: { x: 500, y: 9 } }, 'Tidy up'),
      rename: (f) => f.rename(f.activeKey!, `Flow ${Math.random()}`),
      undo: (f) => f.undo(),
      redo: (f) => f.redo(),
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...Object.keys(actions)), { maxLength: 25 }), async (names) => {
        const flow = () => flows.open.find((f) => f.key === flows.activeKey)!;
        for (const name of [...names, 'refresh']) {
          const text = JSON.stringify(flow().doc);
          const revision = flow().revision;
          if (name === 'refresh') await flows.refreshShapes(flows.activeKey!);
          else actions[name]!(flows);
          if (JSON.stringify(flow().doc) !== text) expect(flow().revision, `${name} changed the document uncounted`).toBeGreaterThan(revision);
        }
      }),
      { numRuns: 60 },
    );
  });
});
