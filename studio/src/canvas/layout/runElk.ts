/**
 * ELK in a Web Worker of its own, loaded on first use: neither elkjs's API nor its 1.6 MB
 * worker script (an asset served from our origin, never a CDN) is fetched before the
 * first Tidy up. The worker then stays, so later layouts skip its start-up.
 */
import type { ELK, ElkNode } from 'elkjs/lib/elk-api';

interface Loaded {
  elk: ELK;
  /** Rejects when the worker dies or its script cannot be loaded. */
  failed: Promise<never>;
}

let loading: Promise<Loaded> | null = null;

async function load(): Promise<Loaded> {
  const [api, script] = await Promise.all([import('elkjs/lib/elk-api.js'), import('elkjs/lib/elk-worker.min.js?url')]);
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  failed.catch(() => undefined); // only `runElk` listens, and only while a layout runs
  const elk = new api.default({
    workerUrl: script.default,
    workerFactory: (url) => {
      const worker = new Worker(url ?? script.default);
      worker.addEventListener('error', (event) => {
        // A dead worker answers nothing again: the next layout starts a fresh one.
        loading = null;
        worker.terminate();
        fail(new Error(event.message || 'the layout worker could not start'));
      });
      return worker;
    },
    algorithms: ['layered'],
  });
  return { elk, failed };
}

/** Lay `graph` out with ELK (its layout options are on the graph). */
export async function runElk(graph: ElkNode): Promise<ElkNode> {
  const current = (loading ??= load());
  let loaded: Loaded;
  try {
    loaded = await current;
  } catch (error) {
    if (loading === current) loading = null;
    throw error;
  }
  return Promise.race([loaded.elk.layout(graph), loaded.failed]);
}
