import { describe, expect, it } from 'vitest';
import { unavailableMessage } from './loader';

describe('unavailableMessage', () => {
  const module = 'https://cdn.example.org/headrace/embed/headrace-embed.js';

  it('names the host and the header when the host refuses cross-origin reads', () => {
    const text = unavailableMessage(module, 'https://docs.example.com', { kind: 'cors' });
    expect(text).toContain(
      'The Headrace embed could not load from https://cdn.example.org: that host must send Access-Control-Allow-Origin',
    );
    expect(text).toContain('"Access-Control-Allow-Origin: *"');
    expect(text).toContain('https://cdn.example.org/headrace/embed/');
    expect(text).toContain('(https://docs.example.com)');
  });

  it('tells an HTTP error and a host that is down apart', () => {
    expect(unavailableMessage(module, 'https://a.example', { kind: 'http', status: 404 })).toContain(`${module} answered HTTP 404`);
    expect(unavailableMessage(module, 'https://a.example', { kind: 'network' })).toContain('could not be fetched');
  });
});
