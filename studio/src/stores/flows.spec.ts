import { createPinia, setActivePinia } from 'pinia';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { edgeKey } from '@/flow/model';
import { port } from '@/testing/fixtures';
import type { Hello, NodeShape, Result } from '@/protocol/bridge';
import type { EngineEvent } from '@/protocol/events';
import type { Runner } from '@/runner/Runner';
import { useEngineStore } from './engine';
import { useFlowsStore } from './flows';
import { useHistoryStore } from './history';

/** A runner that answers `inspect` from a table, as the engine would. */
function fakeRunner(shapes: Record<string, NodeShape>): Runner {
  return {
    kind: 'pyodide',
    start: async (): Promise<Result<Hello>> => ({
      ok: true,
      value: { version: 'test', protocol: 1, python: '3.14', platform: 'test' },
    }),
    call: (async (cmd: string, args: { code?: string }) => {
      if (cmd === 'inspect') {
        const shape = shapes[args.code ?? ''];
        return shape ? { ok: true, value: shape } : { ok: false, error: { type: 'FlowError', message: 'bad code' } };
      }
      return { ok: false, error: { type: 'BadCommand', message: cmd } };
    }) as Runner['call'],
    subscribe: (_listener: (events: EngineEvent[]) => void) => () => undefined,
    dispose: () => undefined,
  };
}


const DATA = 'value = 21\n';
const SCRIPT = 'def double(x):\n    return x * 2\n';
const SCRIPT_RENAMED = 'def double(y):\n    return y * 2\n';

describe('flows store', () => {
  beforeEach(async () => {
    setActivePinia(createPinia());
    const engine = useEngineStore();
    await engine.boot(
      fakeRunner({
        [DATA]: { sockets: ['value', 'error'], ports: [] },
        [SCRIPT]: { sockets: ['double', 'error'], ports: [port('double', 'x')] },
        [SCRIPT_RENAMED]: { sockets: ['double', 'error'], ports: [port('double', 'y')] },
      }),
    );
  });

  async function twoNodes() {
    const flows = useFlowsStore();
    flows.newFlow();
    const data = flows.addNode('data', { x: 0, y: 0 });
    const script = flows.addNode('script', { x: 300, y: 0 });
    flows.setCode(data, DATA);
    flows.setCode(script, SCRIPT);
    await flows.refreshShapes(flows.activeKey!);
    return { flows, data, script };
  }

  it('adds a node from a palette template by id: its type, code, preset fields and name', () => {
    const flows = useFlowsStore();
    flows.newFlow();
    const timer = flows.addNode('timer', { x: 0, y: 0 });
    const router = flows.addNode('router', { x: 0, y: 200 });
    const again = flows.addNode('router', { x: 0, y: 400 });
    const nodes = flows.doc!.nodes;
    expect(nodes.map((n) => [n.id, n.type, n.name])).toEqual([
      [timer, 'data', 'Timer 1'],
      [router, 'script', 'Router 1'],
      [again, 'script', 'Router 2'],
    ]);
    expect(nodes[0]!.schedule).toEqual({ tick: '* * * * *' });
    expect(nodes[1]!.code).toContain('def _route(value)');
    expect(flows.addNode('http-request', { x: 0, y: 0 })).toBe('http_request1');
    expect(() => flows.addNode('note', { x: 0, y: 0 })).toThrow(/addNote/);
  });

  it('keeps how Results show a socket with the flow: a Chart opens as a chart, a choice is saved, not undone', () => {
    const flows = useFlowsStore();
    flows.newFlow();
    const chart = flows.addNode('chart', { x: 0, y: 0 });
    expect(flows.doc!.ui!.views).toEqual({ [chart]: { chart: 'line' } });
    const before = flows.doc!.ui!.views;
    const revision = flows.active!.revision;
    flows.setSocketView(chart, 'chart', 'bar');
    flows.setSocketView('other', 'out', 'list');
    expect(flows.doc!.ui!.views).toEqual({ [chart]: { chart: 'bar' }, other: { out: 'list' } });
    expect(before).toEqual({ [chart]: { chart: 'line' } }); // replaced whole, never changed in place
    expect(flows.active!.revision).toBe(revision + 2); // autosave sees it
    flows.setSocketView(chart, 'chart', 'bar');
    expect(flows.active!.revision).toBe(revision + 2); // the same view is no change
    flows.undo();
    expect(flows.doc!.nodes).toHaveLength(0); // undo takes back the node, not the view choices
  });

  it('connects a socket to a port, and refuses bad connections with a reason', async () => {
    const { flows, data, script } = await twoNodes();
    expect(flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' })).toEqual({ ok: true });
    expect(flows.doc?.edges).toHaveLength(1);

    const again = flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    expect(again.ok).toBe(false);
    expect(!again.ok && again.reason).toMatch(/already connected/);
    const toData = flows.connect({ node: script, socket: 'double' }, { node: data, port: 'x' });
    expect(!toData.ok && toData.reason).toMatch(/Data node/);
    const noPort = flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.z' });
    expect(!noPort.ok && noPort.reason).toMatch(/no port 'double.z'/);
  });

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

  it('removes edges to ports that vanished from the code', async () => {
    const { flows, data, script } = await twoNodes();
    flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    flows.setCode(script, SCRIPT_RENAMED);
    await flows.refreshShape(flows.activeKey!, script);
    expect(flows.doc?.edges).toHaveLength(0);
    // One undo brings back both the code and the edge.
    flows.undo();
    expect(flows.doc?.nodes.find((n) => n.id === script)?.code).toBe(SCRIPT);
    expect(flows.doc?.edges).toHaveLength(1);
  });

  it('copies and pastes nodes with fresh ids, keeping the edges among them', async () => {
    const { flows, data, script } = await twoNodes();
    flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    flows.selection = [data, script];
    flows.duplicateSelection();
    const ids = flows.doc?.nodes.map((n) => n.id) ?? [];
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(flows.doc?.edges).toHaveLength(2);
    expect(flows.selection).toHaveLength(2);
    expect(flows.selection).not.toContain(data);
  });

  it('pastes where the copy covers nothing, and the editor follows the copy', async () => {
    const { flows, data, script } = await twoNodes();
    flows.editing = script;
    flows.selection = [script];
    flows.duplicateSelection();
    const [copy] = flows.selection;
    expect(copy).not.toBe(script);
    expect(flows.editing).toBe(copy);
    expect(flows.revealing?.ids).toEqual([copy]);
    // Pasted again, the second copy lands on neither the original nor the first copy.
    flows.paste();
    const ui = flows.doc!.ui!.nodes!;
    const spots = Object.values(ui).map((p) => `${p.x},${p.y}`);
    expect(new Set(spots).size).toBe(spots.length);
    const original = ui[script]!;
    for (const id of Object.keys(ui).filter((id) => id !== script && id !== data)) {
      const p = ui[id]!;
      // A card is 215 px wide: a copy sits fully below or fully beside its original.
      expect(p.y - original.y >= 60 || p.x - original.x >= 215).toBe(true);
    }
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

  it('moves items as one undoable gesture', async () => {
    const { flows, data } = await twoNodes();
    flows.beginGesture();
    flows.moveBy([data], { x: 5, y: 5 });
    flows.moveBy([data], { x: 5.4, y: 5 });
    flows.roundPositions([data]);
    flows.endGesture('Move');
    expect(flows.doc?.ui?.nodes?.[data]).toEqual({ x: 10, y: 10 });
    flows.undo();
    expect(flows.doc?.ui?.nodes?.[data]).toEqual({ x: 0, y: 0 });
  });

  it('keeps tabs apart: new, duplicate, rename, close', async () => {
    const { flows } = await twoNodes();
    const first = flows.activeKey!;
    const copy = flows.duplicate(first)!;
    expect(flows.activeKey).toBe(copy);
    flows.rename(copy, 'Copy');
    expect(flows.doc?.name).toBe('Copy');
    expect(flows.open.find((f) => f.key === first)?.doc.name).toBe('Untitled 1');
    flows.close(copy);
    expect(flows.activeKey).toBe(first);
  });
  it("hiding a function removes the edges into its ports too, in one undoable step", async () => {
    const { flows, data, script } = await twoNodes();
    flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    flows.setExposed(script, 'double', false, ['double', 'error']);
    expect(flows.doc?.nodes.find((n) => n.id === script)?.sockets).toEqual([]);
    expect(flows.doc?.edges).toHaveLength(0);
    flows.undo();
    expect(flows.doc?.edges).toHaveLength(1);
    expect(flows.doc?.nodes.find((n) => n.id === script)?.sockets).toBeUndefined();
  });
});
