/**
 * Entry point. Python takes seconds to load, so the engine's worker starts first, before
 * the UI's code (a separate chunk) has even been fetched; the UI then attaches to it.
 */
import { PyodideRunner } from './runner/pyodide/PyodideRunner';

const runner = new PyodideRunner({ baseURL: document.baseURI });
void runner.start(() => undefined);

const { startStudio } = await import('./app/startStudio');
startStudio(runner);
