import { describe, expect, it } from 'vitest';
import { crossOriginHint } from './fetchProblem';

describe('crossOriginHint', () => {
  const failed = new TypeError('Failed to fetch');

  it('names the host and the header when another origin refused the read', () => {
    const hint = crossOriginHint('https://docs.example.org/flows/etl.json', 'https://studio.example.com', failed);
    expect(hint).toContain('https://docs.example.org must send the header');
    expect(hint).toContain('"Access-Control-Allow-Origin: https://studio.example.com"');
  });

  it('adds nothing on the same origin, or for an HTTP status', () => {
    expect(crossOriginHint('https://a.example/f.json', 'https://a.example', failed)).toBeNull();
    expect(crossOriginHint('https://b.example/f.json', 'https://a.example', new Error('HTTP 404'))).toBeNull();
    expect(crossOriginHint('data:application/json,{}', 'https://a.example', failed)).toBeNull();
  });
});
