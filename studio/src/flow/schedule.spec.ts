import { describe, expect, it } from 'vitest';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowNode } from '@/protocol/flow';
import { hasActiveSchedules, readSchedule, setSchedule, sourceSockets, writeSchedule } from './schedule';

const port = (fn: string, param: string, hasDefault: boolean) => ({
  name: `${fn}.${param}`, function: fn, param, has_default: hasDefault, default: hasDefault ? '1' : null, sticky: false, required: !hasDefault,
});

describe('schedule model', () => {
  it('offers every data socket, and script functions that need no value', () => {
    const data: FlowNode = { id: 'd', type: 'data', name: 'D', code: '' };
    expect(sourceSockets(data, { sockets: ['a', 'b', 'error'], ports: [] }, [])).toEqual(['a', 'b']);
    const script: FlowNode = { id: 's', type: 'script', name: 'S', code: '' };
    const shape: NodeShape = {
      sockets: ['tick', 'add', 'scaled', 'error'],
      ports: [port('add', 'x', false), port('scaled', 'k', true)],
    };
    expect(sourceSockets(script, shape, [])).toEqual(['tick', 'scaled']);
    // A default does not make a port optional once an edge feeds it.
    const fed = [{ from: { node: 'd', socket: 'a' }, to: { node: 's', port: 'scaled.k' } }];
    expect(sourceSockets(script, shape, fed)).toEqual(['tick']);
    expect(sourceSockets(script, undefined, [])).toEqual([]);
  });

  it('reads both forms and writes the string form when on, the object form when off', () => {
    expect(readSchedule('*/5 * * * * *')).toEqual({ cron: '*/5 * * * * *', enabled: true });
    expect(readSchedule({ cron: '@hourly', enabled: false })).toEqual({ cron: '@hourly', enabled: false });
    expect(readSchedule({ cron: '@hourly' })).toEqual({ cron: '@hourly', enabled: true });
    expect(readSchedule(undefined)).toBeNull();
    expect(writeSchedule({ cron: ' @daily ', enabled: true })).toBe('@daily');
    expect(writeSchedule({ cron: '@daily', enabled: false })).toEqual({ cron: '@daily', enabled: false });
    expect(writeSchedule({ cron: '  ', enabled: true })).toBeUndefined();
  });

  it('sets and clears a socket schedule, dropping an empty map', () => {
    const node: FlowNode = { id: 'd', type: 'data', name: 'D', code: '' };
    setSchedule(node, 'a', { cron: '* * * * * *', enabled: true });
    setSchedule(node, 'b', { cron: '@hourly', enabled: false });
    expect(node.schedule).toEqual({ a: '* * * * * *', b: { cron: '@hourly', enabled: false } });
    expect(hasActiveSchedules([node])).toBe(true);
    setSchedule(node, 'a', { cron: '', enabled: true });
    expect(hasActiveSchedules([node])).toBe(false);
    setSchedule(node, 'b', { cron: '', enabled: true });
    expect(node.schedule).toBeUndefined();
  });
});
