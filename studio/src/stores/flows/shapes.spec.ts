import { beforeEach, describe, expect, it } from 'vitest';
import { bootFakeEngine, twoNodes, SCRIPT, SCRIPT_RENAMED } from './testing';

describe('flows store: shapes', () => {
  beforeEach(bootFakeEngine);

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

  it('keeps a node\'s last known shape while its code does not read, and says why', async () => {
    const { flows, script } = await twoNodes();
    const node = () => flows.doc!.nodes.find((n) => n.id === script)!;
    expect(flows.shapeIsStale(node())).toBe(false);
    expect(flows.shapeOf(node())?.sockets).toEqual(['double', 'error']); // as its card is drawn
    flows.setCode(script, 'def double(:\n');
    await flows.refreshShape(flows.activeKey!, script);
    expect(flows.shapeOf(node())?.sockets).toEqual(['double', 'error']);
    expect(flows.shapeIsStale(node())).toBe(true);
    expect(flows.shapeError(node())).toContain('bad code');
  });

  it('indexes the active flow\'s edges by node, and its node names by id', async () => {
    const { flows, data, script } = await twoNodes();
    flows.connect({ node: data, socket: 'value' }, { node: script, port: 'double.x' });
    expect([...flows.wired.get(data)!.sockets]).toEqual(['value']);
    expect([...flows.wired.get(script)!.ports]).toEqual(['double.x']);
    expect(flows.wired.get(script)!.incoming).toHaveLength(1);
    expect(flows.nodeNames.get(data)).toBe('Data 1');
  });
});
