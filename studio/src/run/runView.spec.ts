import { describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '@/protocol/events';
import { applyEvents, emptyView } from './runView';
import { dispatchWindowEvents } from './windowEvents';

const RUN = 'r1';
const events: EngineEvent[] = [
  { event: 'run_started', run: RUN, flow: 'Join', nodes: 2 },
  { event: 'node_state', run: RUN, node: 'add', state: 'waiting', functions: { add: { held: 1, required: 2, missing: ['b'] } } },
  { event: 'emit', run: RUN, node: 'left', socket: 'a', value: 2, repr: false, seq: 1 },
  { event: 'output', run: RUN, node: 'add', stream: 'stdout', text: 'hel' },
  { event: 'output', run: RUN, node: 'add', stream: 'stdout', text: 'lo\n' },
  { event: 'node_error', run: RUN, node: 'add', socket: 'add', type: 'ValueError', message: 'bad', traceback: 'Traceback…', routed: false },
  { event: 'emit', run: 'other', node: 'left', socket: 'a', value: 99, repr: false, seq: 1 },
  { event: 'run_idle', run: RUN, emitted: 1, errors: 1, unrouted_errors: 1, elapsed_ms: 3.2 },
];

describe('run view', () => {
  it('folds events into node states, counts, consoles and messages', () => {
    const view = emptyView(RUN, 'starting');
    applyEvents(view, events, (id) => id.toUpperCase());
    expect(view.phase).toBe('idle');
    expect(view.nodes.add?.state).toBe('waiting');
    expect(view.nodes.add?.functions.add).toEqual({ held: 1, required: 2, missing: ['b'] });
    expect(view.nodes.left?.emits.a).toBe(1);
    expect(view.nodes.left?.last.a?.value).toBe(2); // the other run's 99 is ignored
    expect(view.nodes.add?.console).toEqual([{ stream: 'stdout', text: 'hello\n' }]);
    const error = view.messages.find((m) => m.level === 'error' && m.node === 'add');
    expect(error?.text).toContain('ADD (add): ValueError: bad');
    expect(error?.traceback).toBe('Traceback…');
    expect(view.pulsed).toEqual(['left.a']);
  });

  it('dispatches headrace:emit, headrace:error and headrace:idle for the current run only', () => {
    const target = new EventTarget();
    const seen: string[] = [];
    for (const name of ['headrace:emit', 'headrace:error', 'headrace:idle']) {
      target.addEventListener(name, (e) => seen.push(`${name}:${JSON.stringify((e as CustomEvent).detail.value ?? '')}`));
    }
    dispatchWindowEvents(events, RUN, target);
    expect(seen).toEqual(['headrace:emit:2', 'headrace:error:""', 'headrace:idle:""']);
  });

  it('handles 100k emits in one batch quickly', () => {
    const many: EngineEvent[] = Array.from({ length: 100_000 }, (_, i) => ({
      event: 'emit', run: RUN, node: 'n', socket: 's', value: i, repr: false, seq: i + 1,
    }));
    const view = emptyView(RUN, 'running');
    const started = performance.now();
    applyEvents(view, many, (id) => id);
    expect(view.nodes.n?.emits.s).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(1000);
    vi.restoreAllMocks();
  });

  it('keeps the last lines of a flood of output and counts the rest', () => {
    const view = emptyView(RUN, 'running');
    const flood = Array.from({ length: 100_000 }, (_, i) => `line ${i}\n`).join('');
    const output = (text: string): EngineEvent => ({ event: 'output', run: RUN, node: 'n', stream: 'stdout', text });
    applyEvents(view, [output('partial '), output(flood), output('tail')], (id) => id, 500);
    const node = view.nodes.n;
    expect(node?.console).toHaveLength(500);
    expect(node?.console.at(-2)?.text).toBe('line 99999\n');
    expect(node?.console.at(-1)?.text).toBe('tail');
    expect(node?.consoleDropped).toBe(100_000 + 1 - 499);
  });

  it('cuts a single huge line and says by how much', () => {
    const view = emptyView(RUN, 'running');
    applyEvents(view, [{ event: 'output', run: RUN, node: 'n', stream: 'stdout', text: `${'x'.repeat(50_000)}\n` }], (id) => id);
    const text = view.nodes.n?.console[0]?.text ?? '';
    expect(text.length).toBeLessThan(10_100);
    expect(text).toMatch(/… \[40,001 more characters\]\n$/);
  });
});
