/**
 * Entry point. Python takes seconds to load, so the engine's worker starts first, before
 * the UI's code (a separate chunk) has even been fetched; the UI then attaches to it.
 */
import { IndexedDbSnapshots } from './persistence/engineSnapshot';
import { PyodideRunner } from './runner/pyodide/PyodideRunner';

const runner = new PyodideRunner({ baseURL: document.baseURI, snapshots: new IndexedDbSnapshots() });
void runner.start(() => undefined);

const { startStudio } = await import('./app/startStudio');
startStudio(runner);
