import { describe, expect, it } from 'vitest';
import { fetchFlow, studioLink } from './loadFlow';

const BASE = 'https://docs.example/guide/page.html';

function respond(status: number, body: string): typeof fetch {
  return (async () => new Response(body, { status })) as typeof fetch;
}

describe('fetchFlow', () => {
  it('resolves src against the page and parses the file', async () => {
    let asked = '';
    const fetcher = (async (url: string) => {
      asked = url;
      return new Response('{"version": 1}');
    }) as typeof fetch;
    const result = await fetchFlow('../flows/a.json', BASE, fetcher);
    expect(asked).toBe('https://docs.example/flows/a.json');
    expect(result).toEqual({ ok: true, value: { url: 'https://docs.example/flows/a.json', document: { version: 1 } } });
  });

  it('names the file and the HTTP status when it cannot be fetched', async () => {
    const result = await fetchFlow('missing.json', BASE, respond(404, 'nope'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe('Cannot load missing.json: HTTP 404');
  });

  it('names the header when a flow on another origin cannot be read', async () => {
    const refused = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const result = await fetchFlow('https://flows.example/a.json', BASE, refused, 'https://docs.example');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain('Cannot load https://flows.example/a.json: Failed to fetch. ');
      expect(result.error.message).toContain('"Access-Control-Allow-Origin: https://docs.example"');
    }
  });

  it('says the file is not JSON, and where', async () => {
    const result = await fetchFlow('bad.json', BASE, respond(200, '{"nodes": ['));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^bad\.json is not JSON: /);
  });

  it('asks for a src when there is none', async () => {
    const result = await fetchFlow(null, BASE, respond(200, '{}'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('set the src attribute');
  });

  it('reports a network failure on the same origin with the file name', async () => {
    const fetcher = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    const result = await fetchFlow('x.json', BASE, fetcher, 'https://docs.example');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe('Cannot load x.json: Failed to fetch');
  });
});

describe('studioLink', () => {
  it('opens the flow in the studio through ?flow=', () => {
    expect(studioLink('https://docs.example/studio/index.html', 'https://docs.example/flows/a b.json')).toBe(
      'https://docs.example/studio/index.html?flow=https%3A%2F%2Fdocs.example%2Fflows%2Fa+b.json',
    );
  });
});
