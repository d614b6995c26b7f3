import { beforeEach, describe, expect, it } from 'vitest';
import { useFlowsStore } from '../flows';
import { bootFakeEngine, twoNodes } from './testing';

describe('flows store: canvasData', () => {
  beforeEach(bootFakeEngine);

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
});
