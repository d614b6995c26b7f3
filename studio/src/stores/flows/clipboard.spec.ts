import { beforeEach, describe, expect, it } from 'vitest';
import { bootFakeEngine, twoNodes } from './testing';

describe('flows store: clipboard', () => {
  beforeEach(bootFakeEngine);

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

  it('copies nothing without a selection, and reveals items on request', async () => {
    const { flows, data } = await twoNodes();
    flows.selection = [];
    expect(flows.copySelection()).toBe(false);
    expect(flows.clipboard).toBeNull();
    flows.reveal([data]);
    flows.reveal([data]);
    expect(flows.selection).toEqual([data]);
    expect(flows.revealing).toEqual({ ids: [data], seq: 2 });
  });
});
