import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useEngineStore } from './engine';
import { usePackagesStore } from './packages';
import { FakeRunner } from './testing/fakeRunner';

const BASE = 'http://packages.test/full/';

function runnerAt(packageBaseURL: string): FakeRunner {
  const runner = new FakeRunner();
  runner.packageBaseURL = packageBaseURL;
  return runner;
}

const lock = (packages: Record<string, { version: string; package_type?: string }>) => ({
  info: {},
  packages: Object.fromEntries(Object.entries(packages).map(([name, p]) => [name, { name, ...p }])),
});

/** What each URL serves; anything else is a 404. */
function serve(files: Record<string, unknown>): void {
  vi.stubGlobal('fetch', async (url: string) => {
    const body = Object.entries(files).find(([end]) => url.endsWith(end))?.[1];
    return body === undefined ? new Response('', { status: 404 }) : new Response(JSON.stringify(body));
  });
}

describe('packages store', () => {
  beforeEach(async () => {
    setActivePinia(createPinia());
    await useEngineStore().boot(runnerAt(BASE));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('offers the wheelhouse, our lock file and the base URL’s, without bookkeeping packages', async () => {
    serve({
      'wheels/manifest.json': { wheelhouse: ['cronsim', 'headrace', 'micropip'] },
      'pyodide/pyodide-lock.json': lock({ numpy: { version: '2.4.6' }, libopenblas: { version: '0.3', package_type: 'shared_library' }, packaging: { version: '25' } }),
      'full/pyodide-lock.json': lock({ hrfake: { version: '1.0' } }),
    });
    const packages = usePackagesStore();
    await packages.load();
    expect(packages.available).toEqual([
      { name: 'cronsim', source: 'wheelhouse' },
      { name: 'hrfake', version: '1.0', source: 'pyodide' },
      { name: 'numpy', version: '2.4.6', source: 'pyodide' },
    ]);
  });

  it('offers what it can read when a lock file is unreachable', async () => {
    serve({ 'wheels/manifest.json': { wheelhouse: ['cronsim'] } });
    const packages = usePackagesStore();
    await packages.load();
    expect(packages.available.map((p) => p.name)).toEqual(['cronsim']);
  });
});
