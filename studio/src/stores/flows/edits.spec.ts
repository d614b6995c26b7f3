import { beforeEach, describe, expect, it } from 'vitest';
import { useFlowsStore } from '../flows';
import { bootFakeEngine, twoNodes } from './testing';

describe('flows store: edits', () => {
  beforeEach(bootFakeEngine);

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
