import { describe, expect, it } from 'vitest';
import type { EngineEvent, NodeView, ViewChanged } from '@/protocol/events';
import { clockTime, DebugLog, MAX_ENTRIES } from './debugLog';

const node = (change: Partial<NodeView>): NodeView => ({
  state: 'running', functions: {}, sockets: {}, console_from: 0, console: [], console_dropped: 0, errors: 0, last_error: null, schedules: null, ...change,
});
const view = (nodes: Record<string, NodeView>): ViewChanged => ({ event: 'view', run: 'r', phase: 'running', emitted: 0, errors: 0, unrouted_errors: 0, nodes });
const value = (count: number, text: string) => ({ count, last: { text, repr: false, truncated: false } });

describe('debug log', () => {
  it('lists a socket once per view, saying how many of its values went by since', () => {
    const log = new DebugLog();
    log.add([view({ a: node({ sockets: { x: value(1, '1') } }) }), view({ a: node({ sockets: { x: value(50, '50') } }) })]);
    expect(log.entries.map((e) => (e.kind === 'value' ? [e.socket, e.index, e.between, e.preview.text] : null))).toEqual([
      ['x', 0, 0, '1'],
      ['x', 49, 48, '50'],
    ]);
  });

  it('lists whole print() lines once, a partial one when it is whole, and errors once', () => {
    const log = new DebugLog();
    const events: EngineEvent[] = [
      view({ p: node({ console_from: 0, console: [{ stream: 'stdout', text: 'one\n' }, { stream: 'stdout', text: 'tw' }] }) }),
      view({ p: node({ console_from: 1, console: [{ stream: 'stdout', text: 'two\n' }] }) }),
      { event: 'node_error', run: 'r', node: 'p', index: 1, socket: 'f', type: 'E', message: 'bad', traceback: '', routed: false },
      view({ p: node({ errors: 1, last_error: { index: 1, socket: 'f', type: 'E', message: 'bad', traceback: '', routed: false } }) }),
    ];
    log.add(events);
    expect(log.entries.map((e) => (e.kind === 'print' || e.kind === 'error' ? e.text : e.kind))).toEqual(['one', 'two', 'E: bad']);
  });

  it('keeps its last entries, and counts what it missed while paused', () => {
    const log = new DebugLog();
    for (let i = 1; i <= MAX_ENTRIES + 5; i++) log.add([view({ a: node({ sockets: { x: value(i, String(i)) } }) })]);
    expect(log.entries).toHaveLength(MAX_ENTRIES);
    log.paused = true;
    log.add([view({ a: node({ sockets: { x: value(MAX_ENTRIES + 9, 'x') } }) })]);
    expect(log.missed).toBe(1);
    expect(log.entries).toHaveLength(MAX_ENTRIES);
  });

  it('counts a new run of the flow from its start', () => {
    const log = new DebugLog();
    log.add([view({ a: node({ sockets: { x: value(3, '3') } }) })]);
    log.newRun();
    log.add([view({ a: node({ sockets: { x: value(1, '1') } }) })]);
    expect(log.entries.at(-1)).toMatchObject({ index: 0, between: 0 });
  });

  it('formats times without Intl', () => {
    expect(clockTime(new Date(2026, 0, 2, 3, 4, 5, 7).getTime())).toBe('03:04:05.007');
  });
});
