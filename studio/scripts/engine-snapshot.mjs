/**
 * A memory snapshot of Pyodide with the engine imported, made at build time under Node
 * (the same pyodide.asm.wasm the browser runs): the worker restores it instead of booting
 * Python, installing the boot wheels and importing `headrace.bridge`, which is most of the
 * boot. It is tied to this exact Pyodide and these exact wheels, so it is named by a key
 * over both, and the key is kept inside the snapshot too: the worker checks it after the
 * restore and boots normally when it differs or the restore fails.
 *
 * Made with WebAssembly stack switching on (`--experimental-wasm-stack-switching`, as
 * `makeEngineSnapshot` runs it): Python notes at start whether the runtime has it, and a
 * snapshot of a Python that found none would refuse `time.sleep` in browsers that have it.
 *
 * The wheels are unpacked rather than loaded with `loadPackage`, which keeps JavaScript
 * objects that a snapshot cannot hold; their files live in the JavaScript file system, not
 * in memory, so the worker unpacks them again after a restore (for imports on first use
 * and for package metadata).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The key of a snapshot of `pyodideVersion` with `wheels` (their paths) unpacked. */
export function snapshotKey(pyodideVersion, wheels) {
  const hash = createHash('sha256').update(`pyodide ${pyodideVersion}\n`);
  for (const wheel of wheels) hash.update(`${path.basename(wheel)} ${createHash('sha256').update(fs.readFileSync(wheel)).digest('hex')}\n`);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Write the snapshot of `pyodideDir`'s Pyodide with `wheels` unpacked and the engine
 * imported to `out`, in a Node of its own (with stack switching on).
 */
export function makeEngineSnapshot(pyodideDir, wheels, key, out) {
  // Stack switching is a flag in Node 20 (the old API) and 22 (JSPI), and on by default later.
  const tries = [['--experimental-wasm-stack-switching'], ['--experimental-wasm-jspi'], []];
  const errors = [];
  for (const flags of tries) {
    try {
      execFileSync(process.execPath, [...flags, fileURLToPath(import.meta.url), pyodideDir, out, key, ...wheels], { stdio: ['ignore', 'inherit', 'pipe'] });
      return true;
    } catch (error) {
      errors.push(`${flags.join(' ') || 'no flag'}: ${String(error.stderr ?? error).trim().split('\n').at(-1)}`);
    }
  }
  // Without a snapshot the worker boots as before: slower, never wrong.
  console.warn(`[engine-snapshot] no snapshot made (${errors.join('; ')})`);
  return false;
}

async function snapshotOf(pyodideDir, wheels, key) {
  const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href);
  const pyodide = await loadPyodide({ indexURL: `${pyodideDir}${path.sep}`, _makeSnapshot: true, stdout: () => undefined, stderr: (t) => console.warn(t) });
  if (!pyodide._module.jspiSupported) throw new Error('this Node has no WebAssembly stack switching: the snapshot would have none');
  const sitePackages = pyodide.runPython('import site; site.getsitepackages()[0]');
  for (const wheel of wheels) pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), 'wheel', { extractDir: sitePackages });
  pyodide.globals.set('snapshot_key', key);
  // The engine imported, and the key it was made with kept where the worker reads it.
  pyodide.runPython('import headrace, headrace.bridge\nheadrace._snapshot_key = snapshot_key\ndel snapshot_key');
  return pyodide.makeMemorySnapshot();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [pyodideDir, out, key, ...wheels] = process.argv.slice(2);
  fs.writeFileSync(out, await snapshotOf(pyodideDir, wheels, key));
}
