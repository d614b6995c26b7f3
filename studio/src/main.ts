/**
 * Entry point. Python takes seconds to load, so the engine's worker starts first, before
 * the UI's code (a separate chunk) has even been fetched; the UI then attaches to it.
 */
import { takeWaitingBuild } from './app/offline';
import { cachedFile, packageFile } from './offline/files';
import { IndexedDbSnapshots } from './persistence/engineSnapshot';
import { fetchWorkerSource, PyodideRunner } from './runner/pyodide/PyodideRunner';

const runner = new PyodideRunner({
  baseURL: document.baseURI,
  snapshots: new IndexedDbSnapshots(),
  // Offline, the worker is started from its own code (which the page can read from its cache).
  workerSource: fetchWorkerSource,
  cachedFile,
  packageFile,
});
void runner.start(() => undefined);

// A new build installed during the last visit: reload into it before the UI loads.
if (!(await takeWaitingBuild())) {
  const { startStudio } = await import('./app/startStudio');
  startStudio(runner);
}
