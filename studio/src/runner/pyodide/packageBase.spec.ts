import { describe, expect, it } from 'vitest';
import { CDN_PACKAGE_BASE, packageBaseUrl } from './packageBase';

const at = (search: string) => ({ href: `http://127.0.0.1:5173/${search}`, search });

describe('packageBaseUrl', () => {
  it('is the CDN distribution of our Pyodide version by default', () => {
    expect(CDN_PACKAGE_BASE).toMatch(/^https:\/\/cdn\.jsdelivr\.net\/pyodide\/v\d+\.\d+\.\d+\/full\/$/);
    expect(packageBaseUrl(at(''), null, undefined)).toBe(CDN_PACKAGE_BASE);
  });

  it('takes ?packages= first, then the setting, then the build, as folders', () => {
    expect(packageBaseUrl(at('?packages=http://127.0.0.1:9000/dist'), 'http://s/', 'http://b/')).toBe('http://127.0.0.1:9000/dist/');
    expect(packageBaseUrl(at(''), 'http://s/full', 'http://b/')).toBe('http://s/full/');
    expect(packageBaseUrl(at(''), '  ', 'mirror/pyodide')).toBe('http://127.0.0.1:5173/mirror/pyodide/');
  });

  it('reads the setting from where the settings store keeps it', () => {
    localStorage.setItem('headrace.settings', JSON.stringify({ theme: 'dark', packageBaseUrl: 'http://mirror.example/pyodide' }));
    try {
      expect(packageBaseUrl(at(''), undefined, undefined)).toBe('http://mirror.example/pyodide/');
    } finally {
      localStorage.removeItem('headrace.settings');
    }
  });
});
