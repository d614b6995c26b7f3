import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { filterItems, groupItems, preset, usePaletteStore, type PaletteItem } from './palette';

function item(id: string, group: string, label: string, description = ''): PaletteItem {
  return { id, kind: 'script', group, label, icon: 'code', description, code: '', order: 0 };
}

describe('palette search and groups', () => {
  const items = [
    item('data', 'Basics', 'Data', 'Values: each public name is a socket'),
    item('router', 'Flow control', 'Router', 'Routes each value to one of several sockets'),
    item('delay', 'Flow control', 'Delay', 'Sends each value on after a pause'),
  ];

  it('matches every word of the query in the label, description or group, ignoring case', () => {
    expect(filterItems(items, 'ROUTER').map((i) => i.id)).toEqual(['router']);
    expect(filterItems(items, 'pause').map((i) => i.id)).toEqual(['delay']);
    expect(filterItems(items, 'each socket').map((i) => i.id)).toEqual(['data', 'router']);
    expect(filterItems(items, 'flow  control').map((i) => i.id)).toEqual(['router', 'delay']);
    expect(filterItems(items, 'value zebra')).toEqual([]);
  });

  it('shows everything for a blank query', () => {
    expect(filterItems(items, '   ')).toEqual(items);
  });

  it('groups items in the order of their first item', () => {
    const groups = groupItems([items[1]!, items[0]!, items[2]!]);
    expect(groups.map((g) => [g.name, g.slug, g.items.map((i) => i.id)])).toEqual([
      ['Flow control', 'flow-control', ['router', 'delay']],
      ['Basics', 'basics', ['data']],
    ]);
    expect(groupItems([item('http', 'Network & files', 'HTTP')])[0]!.slug).toBe('network-files');
  });
});

describe('palette store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('reads every template from templates/nodes, by id (the file stem)', () => {
    const palette = usePaletteStore();
    const ids = palette.items.map((i) => i.id);
    expect(ids.slice(0, 3)).toEqual(['data', 'script', 'note']);
    for (const id of ['timer', 'router', 'delay', 'rate-limit', 'split', 'batch', 'http-request', 'file-input']) {
      expect(ids).toContain(id);
    }
    expect(palette.template('router').kind).toBe('script');
    expect(() => palette.template('nope')).toThrow(/no palette template/);
  });

  it('filters and groups as the query changes', () => {
    const palette = usePaletteStore();
    expect(palette.groups.map((g) => g.name)).toEqual(['Basics', 'Sources', 'Flow control', 'Network & files', 'Output']);
    palette.query = 'http';
    expect(palette.groups.map((g) => [g.name, g.items.map((i) => i.id)])).toEqual([['Network & files', ['http-request']]]);
    palette.query = '';
    expect(palette.shown).toHaveLength(palette.items.length);
  });

  it('copies a template’s preset fields, not shared with the template', () => {
    const palette = usePaletteStore();
    const timer = palette.template('timer');
    const fields = preset(timer);
    expect(fields).toEqual({ schedule: { tick: '* * * * *' } });
    expect(fields.schedule).not.toBe(timer.schedule);
    expect(preset(palette.template('script'))).toEqual({});
  });

  it('folds and unfolds a group', () => {
    const palette = usePaletteStore();
    palette.toggleGroup('Sources');
    expect(palette.collapsed).toEqual(['Sources']);
    palette.toggleGroup('Sources');
    expect(palette.collapsed).toEqual([]);
  });
});
