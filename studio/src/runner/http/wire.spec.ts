import { describe, expect, it } from 'vitest';
import { backoffMs, closeAction, errorFromFailedFetch, errorFromResponse, eventsUrl, normaliseBase, splitEvents } from './wire';

describe('backend wire', () => {
  it('builds the events URL with ws(s) and the token in the query', () => {
    expect(normaliseBase(' http://127.0.0.1:8000/ ')).toBe('http://127.0.0.1:8000');
    expect(eventsUrl('http://127.0.0.1:8000/', 'abc', 't/k+')).toBe('ws://127.0.0.1:8000/api/runs/abc/events?token=t%2Fk%2B');
    expect(eventsUrl('https://h.example/base', 'r', 't')).toBe('wss://h.example/base/api/runs/r/events?token=t');
  });

  it('flattens a message of batch lines into its events, in order', () => {
    const a = { event: 'run_started', run: 'r', flow: 'F', nodes: 1 };
    const b = { event: 'emit', run: 'r', node: 'n', socket: 's', value: 'line\nbreak', repr: false, seq: 1 };
    const c = { event: 'run_idle', run: 'r', emitted: 1, errors: 0, unrouted_errors: 0, elapsed_ms: 2 };
    // A newline inside a value is escaped in JSON, so splitting on "\n" is safe.
    const message = `${JSON.stringify([a, b])}\n${JSON.stringify([c])}\n`;
    expect(splitEvents(message)).toEqual([a, b, c]);
    expect(splitEvents(JSON.stringify([a]))).toEqual([a]);
    expect(splitEvents('[]')).toEqual([]);
    expect(splitEvents('')).toEqual([]);
  });

  it('takes a line that is a single event as a batch of one', () => {
    const a = { event: 'run_started', run: 'r', flow: 'F', nodes: 1 };
    const b = { event: 'run_stopped', run: 'r', reason: 'stopped', message: null };
    expect(splitEvents(`${JSON.stringify(a)}\n${JSON.stringify([b])}`)).toEqual([a, b]);
  });

  it('flattens a batch larger than a call takes arguments', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => ({ event: 'emit', run: 'r', node: 'n', socket: 's', value: i, repr: false, seq: i + 1 }));
    const events = splitEvents(JSON.stringify(many));
    expect(events).toHaveLength(200_000);
    expect(events.at(-1)).toMatchObject({ value: 199_999 });
  });

  it('maps HTTP errors to messages a user can act on', () => {
    const base = 'http://127.0.0.1:8000';
    expect(errorFromResponse(base, 401, { error: { type: 'Unauthorized', message: 'x' } }).message).toContain('refused the token (401)');
    expect(errorFromResponse(base, 403, null).message).toContain('--allow-origin');
    // A 403 the browser lets us read names what was refused, and how to allow it.
    const host = { error: { type: 'Forbidden', message: "this server does not answer to the name 'box' (the Host header): start headrace serve with --allow-host box" } };
    expect(errorFromResponse(base, 403, host).message).toBe(
      "The backend at http://127.0.0.1:8000 refused the request (403): this server does not answer to the name 'box' (the Host header): start headrace serve with --allow-host box.",
    );
    expect(errorFromResponse(base, 413, { error: { type: 'TooLarge', message: 'the request body is over 10 bytes' } }).message).toBe(
      'The flow is too large for the backend: the request body is over 10 bytes',
    );
    expect(errorFromResponse(base, 429, { error: { type: 'TooManyRuns', message: 'at most 4' } })).toMatchObject({ status: 429, message: 'The backend is busy: at most 4' });
    const flow = errorFromResponse(base, 422, { error: { type: 'FlowError', message: 'nodes[0]: bad', path: 'nodes[0]' } });
    expect(flow).toMatchObject({ type: 'FlowError', message: 'nodes[0]: bad', path: 'nodes[0]', status: 422 });
    const req = errorFromResponse(base, 422, { error: { type: 'RequirementError', message: 'needs pandas', requirements: ['pandas'] } });
    expect(req).toMatchObject({ type: 'RequirementError', requirements: ['pandas'] });
    expect(errorFromResponse(base, 500, 'not json').message).toBe('The backend answered 500: HTTP 500');
  });

  it('tells an unreachable backend from one that blocks this origin', () => {
    expect(errorFromFailedFetch('http://h:1', false).message).toBe('Cannot reach the backend at http://h:1: is `headrace serve` running?');
    // Its preflight refused (403), the browser hides the answer; an opaque request still gets through.
    expect(errorFromFailedFetch('http://h:1', true).message).toBe(
      `The backend at http://h:1 is running but refuses this page's origin, ${location.origin}: start it with \`headrace serve --allow-origin ${location.origin}\` (the option can be given more than once).`,
    );
  });

  it('knows what each close code asks for, and backs off up to 10 s', () => {
    expect(closeAction(1000).action).toBe('done');
    expect(closeAction(1013).action).toBe('reattach');
    expect(closeAction(4401)).toMatchObject({ action: 'fail' });
    // A backend that no longer has the run: it ended with the backend, nothing failed.
    expect(closeAction(4404)).toEqual({ action: 'ended', message: 'the backend no longer has this run (it stopped or restarted since)' });
    expect(closeAction(4404, true)).toEqual({ action: 'ended', message: 'the backend stopped, and its run with it' });
    expect(closeAction(1006).action).toBe('reconnect');
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
