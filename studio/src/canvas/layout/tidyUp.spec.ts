import ELK from 'elkjs/lib/elk.bundled.js';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { port } from '@/testing/fixtures';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument } from '@/protocol/flow';
import { useEngineStore, useFlowsStore, useHistoryStore } from '@/stores';
import { FakeRunner } from '@/stores/testing/fakeRunner';
import { layOutOpened, tidying, tidyUp } from './tidyUp';

// The same ELK, in this process instead of a Web Worker (which happy-dom has not).
vi.mock('./runElk', () => ({ runElk: (graph: object) => new ELK().layout(graph as never) }));

const SHAPES: Record<string, NodeShape> = {
  source: { sockets: ['value', 'error'], ports: [] },
  step: { sockets: ['step', 'error'], ports: [port('step', 'x')] },
};

/** The engine: answers `inspect` from SHAPES. */
function runner(): FakeRunner {
  const fake = new FakeRunner();
  fake.handlers.inspect = (args: { code: string }) => ({ ok: true, value: SHAPES[args.code] });
  return fake;
}

/** a → b → c → d, scrambled (d leftmost), and a note. */
function chain(positions = true): FlowDocument {
  const ids = ['a', 'b', 'c', 'd'];
  return {
    headrace: 1,
    name: 'chain',
    nodes: ids.map((id, i) => ({ id, type: i === 0 ? 'data' : 'script', name: id, code: i === 0 ? 'source' : 'step' })),
    edges: ids.slice(1).map((id, i) => ({ from: { node: ids[i]!, socket: i === 0 ? 'value' : 'step' }, to: { node: id, port: 'step.x' } })),
    ui: {
      nodes: positions ? { a: { x: 900, y: 300 }, b: { x: 400, y: 500 }, c: { x: 650, y: 100 }, d: { x: 200, y: 200 } } : {},
      notes: [{ id: 'note1', text: 'hi', x: 5, y: 5 }],
    },
  };
}

async function open(doc: FlowDocument) {
  const flows = useFlowsStore();
  const key = flows.openDocument(doc);
  await flows.refreshShapes(key);
  for (const node of doc.nodes) await useEngineStore().inspect(node.type, node.code);
  return { flows, key };
}

const at = (flows: ReturnType<typeof useFlowsStore>) => JSON.parse(JSON.stringify(flows.doc?.ui?.nodes)) as Record<string, { x: number; y: number }>;

describe('tidyUp', () => {
  beforeEach(async () => {
    setActivePinia(createPinia());
    await useEngineStore().boot(runner());
  });

  it('lays the whole flow out left to right, keeping its top-left corner, as one undo step', async () => {
    const { flows } = await open(chain());
    const before = at(flows);
    expect(await tidyUp(flows)).toBe(true);
    const after = at(flows);
    expect(after.a!.x).toBeLessThan(after.b!.x);
    expect(after.b!.x).toBeLessThan(after.c!.x);
    expect(after.c!.x).toBeLessThan(after.d!.x);
    expect(Math.min(...Object.values(after).map((p) => p.x))).toBe(200);
    expect(Math.min(...Object.values(after).map((p) => p.y))).toBe(100);
    expect(flows.doc?.ui?.notes).toEqual([{ id: 'note1', text: 'hi', x: 5, y: 5 }]);

    const history = useHistoryStore();
    expect(history.undoLabel).toBe('Tidy up');
    flows.undo();
    expect(at(flows)).toEqual(before);
    expect(history.canUndo).toBe(false);
    flows.redo();
    expect(at(flows)).toEqual(after);
  });

  it('lays out only the selection (two or more nodes), where it was', async () => {
    const { flows } = await open(chain());
    flows.selection = ['c', 'b', 'note1'];
    await tidyUp(flows);
    const after = at(flows);
    expect(after.a).toEqual({ x: 900, y: 300 });
    expect(after.d).toEqual({ x: 200, y: 200 });
    // b feeds c: b on the left; the pair's top-left stays at (min x, min y) = (400, 100).
    expect(after.b!.x).toBe(400);
    expect(after.c!.x).toBeGreaterThan(after.b!.x + 215);
    expect(Math.min(after.b!.y, after.c!.y)).toBe(100);
  });

  it('drops a layout when the nodes moved meanwhile (the user had the last word)', async () => {
    const { flows } = await open(chain());
    const pending = tidyUp(flows);
    flows.moveBy(['b'], { x: 3, y: 0 });
    const moved = at(flows);
    expect(await pending).toBe(false);
    expect(at(flows)).toEqual(moved);
    expect(useHistoryStore().undoLabel).toBeNull();
  });

  it('is not busy once done', async () => {
    const { flows } = await open(chain());
    const done = tidyUp(flows);
    expect(tidying.value).toBe(true);
    await done;
    expect(tidying.value).toBe(false);
  });
});

describe('layOutOpened', () => {
  beforeEach(async () => {
    setActivePinia(createPinia());
    await useEngineStore().boot(runner());
  });

  it('lays out a flow opened without positions, with no undo step', async () => {
    const { flows, key } = await open(chain(false));
    await layOutOpened(flows, key, ['a', 'b', 'c', 'd']);
    const after = at(flows);
    expect(Object.keys(after).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(after.a!.x).toBeLessThan(after.b!.x);
    expect(after.c!.x).toBeLessThan(after.d!.x);
    expect(useHistoryStore().canUndo).toBe(false);
  });

  it('puts nodes without positions below the placed ones, which stay', async () => {
    const doc = chain();
    delete doc.ui!.nodes!.c;
    delete doc.ui!.nodes!.d;
    const { flows, key } = await open(doc);
    await layOutOpened(flows, key, ['c', 'd']);
    const after = at(flows);
    expect(after.a).toEqual({ x: 900, y: 300 });
    expect(after.b).toEqual({ x: 400, y: 500 });
    // Below b, the lowest placed card (estimated height), from the placed ones' left edge.
    expect(Math.min(after.c!.y, after.d!.y)).toBeGreaterThan(500 + 60);
    expect(Math.min(after.c!.x, after.d!.x)).toBe(400);
    expect(after.c!.x).toBeLessThan(after.d!.x);
  });

  it('leaves nodes the user moved before the layout came back', async () => {
    const { flows, key } = await open(chain(false));
    const layout = layOutOpened(flows, key, ['a', 'b', 'c', 'd']);
    flows.moveBy(['a'], { x: 7, y: 7 });
    const moved = at(flows);
    await layout;
    expect(at(flows)).toEqual(moved);
  });
});
