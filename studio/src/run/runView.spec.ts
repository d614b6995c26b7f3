import { describe, expect, it } from 'vitest';
import type { EngineEvent, ViewData } from '@/protocol/events';
import recorded from './fixtures/views.json';
import { applyEvents, emptyView, viewData } from './runView';
import { dispatchWindowEvents, leftOut } from './windowEvents';

interface Fixture {
  name: string;
  events: EngineEvent[];
  view: ViewData;
}

const fixtures = recorded as unknown as Fixture[];
const RUN = 'r1';

describe('run view', () => {
  // The same streams are folded by headrace.view.RunView in tests/py/test_view.py: the
  // studio, the CLI and the server cannot drift apart.
  it.each(fixtures.map((f) => [f.name, f] as const))('folds the recorded %s stream to the engine\'s view', (_name, fixture) => {
    const view = emptyView();
    applyEvents(view, fixture.events, (id) => id);
    expect(viewData(view)).toEqual(fixture.view);
  });

  it('folds a stream given in many small batches as it folds it whole', () => {
    for (const fixture of fixtures) {
      const view = emptyView();
      for (const ev of fixture.events) applyEvents(view, [ev], (id) => id);
      expect(viewData(view)).toEqual(fixture.view);
    }
  });

  it('ignores events of other runs', () => {
    const view = emptyView(RUN, 'starting');
    applyEvents(view, [{ event: 'run_started', run: 'other', flow: 'x', nodes: 1 }], (id) => id);
    expect(view.flow).toBeNull();
    expect(view.messages).toEqual([]);
  });

  it('words messages with node names: an error with its traceback, idle with its totals', () => {
    const flood = fixtures.find((f) => f.name === 'error-routing') as Fixture;
    const view = emptyView();
    applyEvents(view, flood.events, (id) => id.toUpperCase());
    const error = view.messages.find((m) => m.node === 'divide');
    expect(error?.text).toContain('DIVIDE (divide): ZeroDivisionError');
    expect(error?.level).toBe('warning'); // routed to the error socket
    expect(error?.traceback).toContain('ZeroDivisionError');
    expect(view.messages.some((m) => /^Idle: \d+ value\(s\), 1 error\(s\), .* after the run started$/.test(m.text))).toBe(true);
  });

  it("keeps a schedule's idles in a row to one line, counting them", () => {
    const view = emptyView(RUN, 'starting');
    const idle = (emitted: number) => ({ event: 'run_idle' as const, run: RUN, emitted, errors: 0, unrouted_errors: 0, elapsed_ms: emitted * 1000 });
    applyEvents(view, [{ event: 'run_started', run: RUN, flow: 'x', nodes: 1 }, idle(1)], (id) => id);
    applyEvents(view, [idle(2)], (id) => id);
    applyEvents(view, [idle(3)], (id) => id);
    expect(view.messages.map((m) => m.text)).toEqual(['Run started: 1 node(s)', 'Idle: 3 value(s), 0 error(s), 3.00 s after the run started']);
    expect(view.messages.at(-1)?.repeats).toBe(3);
  });

  it('shows a stop as stopped, not as an error', () => {
    const stopped = fixtures.find((f) => f.name === 'stopped-mid-call') as Fixture;
    const view = emptyView();
    applyEvents(view, stopped.events, (id) => id);
    expect(view.nodes.w?.state).toBe('stopped');
    expect(view.messages.filter((m) => m.level === 'error')).toEqual([]);
    expect(view.messages.at(-1)?.text).toBe('Run stopped');
  });

  it('marks the sockets that emitted since they were last taken', () => {
    const view = emptyView();
    const join = fixtures.find((f) => f.name === 'join') as Fixture;
    applyEvents(view, join.events, (id) => id);
    expect(new Set(view.pulsed)).toEqual(new Set(['left.a', 'right.b', 'add.add']));
  });

  it('dispatches headrace:emit, headrace:error and headrace:idle for its run only', () => {
    const target = new EventTarget();
    const seen: string[] = [];
    for (const name of ['headrace:emit', 'headrace:error', 'headrace:idle']) {
      target.addEventListener(name, (e) => seen.push(`${name}:${JSON.stringify((e as CustomEvent).detail.value ?? '')}`));
    }
    const events: EngineEvent[] = [
      { event: 'emit', run: RUN, node: 'a', socket: 'x', value: 2, repr: false, seq: 1 },
      { event: 'emit', run: 'other', node: 'a', socket: 'x', value: 99, repr: false, seq: 1 },
      { event: 'node_error', run: RUN, node: 'a', index: 1, socket: 'x', type: 'E', message: 'm', traceback: '', routed: false },
      { event: 'run_idle', run: RUN, emitted: 1, errors: 1, unrouted_errors: 1, elapsed_ms: 1 },
    ];
    dispatchWindowEvents(events, RUN, target);
    expect(seen).toEqual(['headrace:emit:2', 'headrace:error:""', 'headrace:idle:""']);
  });

  it('says once how many values went by without a headrace:emit', () => {
    const stream = fixtures.find((f) => f.name === 'stream') as Fixture;
    const view = emptyView();
    applyEvents(view, stream.events, (id) => id);
    const target = new EventTarget();
    const details: unknown[] = [];
    target.addEventListener('headrace:left-out', (e) => details.push((e as CustomEvent).detail));
    const said = leftOut(view, 1000, null, target);
    expect(leftOut(view, 1000, said, target)).toBe(said);
    expect(details).toEqual([{ run: view.run, left_out: 2 * (20_000 - 1000), sockets: { 'src.s': 19_000, 'sq.sq': 19_000 } }]);
  });
});
