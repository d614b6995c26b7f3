import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onNotice, type Notice } from '@/app/notices';
import { useEngineStore } from './engine';
import { useFilesStore } from './files';
import { FakeRunner } from './testing/fakeRunner';
import { freshStores } from './testing/freshStores';

describe('files store', () => {
  let runner: FakeRunner;
  let notices: Notice[];
  let stopListening: () => void;

  beforeEach(async () => {
    freshStores();
    runner = new FakeRunner();
    await useEngineStore().boot(runner);
    notices = [];
    stopListening = onNotice((n) => notices.push(n));
  });
  afterEach(() => stopListening());

  it('hands picked files to Python and lists where node code reads them', async () => {
    const files = useFilesStore();
    await files.pick([new File(['a,b\n'], 'sales.csv'), new File(['{}'], 'conf.json')]);
    expect(files.picked).toEqual([
      { name: 'sales.csv', size: 4, path: 'files/sales.csv' },
      { name: 'conf.json', size: 2, path: 'files/conf.json' },
    ]);
    expect(new TextDecoder().decode(runner.files.get('sales.csv'))).toBe('a,b\n');
    expect(notices.map((n) => n.kind)).toEqual(['success', 'success']);
  });

  it('replaces a file picked again under the same name', async () => {
    const files = useFilesStore();
    await files.pick([new File(['a'], 'sales.csv'), new File(['{}'], 'conf.json')]);
    await files.pick([new File(['a,b,c'], 'sales.csv')]);
    expect(files.picked.map((f) => [f.name, f.size])).toEqual([['conf.json', 2], ['sales.csv', 5]]);
  });

  it('says which file Python could not take, and lists only the others', async () => {
    runner.putFile = async (name: string) =>
      name === 'big.bin' ? { ok: false, error: { type: 'WorkerError', message: 'too big' } } : { ok: true, value: { path: `files/${name}` } };
    const files = useFilesStore();
    await files.pick([new File(['x'], 'big.bin'), new File(['y'], 'ok.txt')]);
    expect(files.picked.map((f) => f.name)).toEqual(['ok.txt']);
    expect(notices[0]).toMatchObject({ kind: 'error', message: 'Cannot hand big.bin to Python', detail: 'too big' });
  });
});
