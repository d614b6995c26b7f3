/**
 * What the flows store's specs share: a fresh Pinia whose engine reads shapes from a
 * table (as the real one would from code), and a flow of two nodes to edit.
 */
import { port } from '@/testing/fixtures';
import type { NodeShape } from '@/protocol/bridge';
import { useEngineStore } from '../engine';
import { useFlowsStore } from '../flows';
import { FakeRunner } from '../testing/fakeRunner';
import { freshStores } from '../testing/freshStores';

export const DATA = 'value = 21\n';
export const SCRIPT = 'def double(x):\n    return x * 2\n';
export const SCRIPT_RENAMED = 'def double(y):\n    return y * 2\n';

const SHAPES: Record<string, NodeShape> = {
  [DATA]: { sockets: ['value', 'error'], ports: [] },
  [SCRIPT]: { sockets: ['double', 'error'], ports: [port('double', 'x')] },
  [SCRIPT_RENAMED]: { sockets: ['double', 'error'], ports: [port('double', 'y')] },
};

/** Fresh stores, and an engine that knows the shapes of DATA, SCRIPT and SCRIPT_RENAMED. */
export async function bootFakeEngine(): Promise<void> {
  freshStores();
  const runner = new FakeRunner();
  runner.handlers.inspect = (args: { code: string }) => {
    const shape = SHAPES[args.code];
    return shape ? { ok: true, value: shape } : { ok: false, error: { type: 'FlowError', message: 'bad code' } };
  };
  await useEngineStore().boot(runner);
}

/** A new flow with a data node (DATA) and a script node (SCRIPT), their shapes read. */
export async function twoNodes() {
  const flows = useFlowsStore();
  flows.newFlow();
  const data = flows.addNode('data', { x: 0, y: 0 });
  const script = flows.addNode('script', { x: 300, y: 0 });
  flows.setCode(data, DATA);
  flows.setCode(script, SCRIPT);
  await flows.refreshShapes(flows.activeKey!);
  return { flows, data, script };
}
