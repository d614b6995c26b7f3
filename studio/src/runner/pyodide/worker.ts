/// <reference lib="webworker" />
/**
 * The Pyodide worker: a thin adapter over `headrace.bridge.Bridge`. It boots Pyodide from
 * our own origin, installs the headrace wheel, then passes JSON text both ways — it never
 * builds Python source. The engine's event batches are posted as the bridge hands them
 * over (held by an EventBuffer until the UI subscribes).
 */
import type { Lockfile, PyodideAPI } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import type { BridgeError, Hello, Result } from '@/protocol/bridge';
import { EventBuffer } from './eventBuffer';
import { CDN_PACKAGE_BASE } from './packageBase';
import type { BootedFrom } from '../Runner';
import type { BootMessage, FromWorker, SnapshotMessage, ToWorker } from './messages';

declare const self: DedicatedWorkerGlobalScope;

interface WheelManifest {
  /** Names this engine (Pyodide's version and the boot wheels): snapshots are kept under it. */
  engine?: string;
  micropip: string;
  packaging: string;
  headrace: string | null;
  /** Every wheel to load at boot (headrace and its dependencies, resolved at build time). */
  boot: string[];
  /** Wheels loaded on first need, by project (tzdata: zone data for schedules). */
  lazy?: Record<string, string>;
  /** Files of Pyodide's own packages served beside its core (in `pyodide/`): used first. */
  pyodidePackages?: string[];
}

/** How long the package base's lock file may take before ours stands in (boot waits on it). */
const LOCK_TIMEOUT_MS = 5000;

/**
 * Pyodide's lock file as this worker boots with it: ours (the packages of our version),
 * with each file at the package base URL; the packages the base's own lock file lists on
 * top (a mirror, or a set of one's own — not read for the CDN distribution of our version,
 * which is ours); and the files we serve ourselves pointing here — self-hosted first.
 * If the base's lock cannot be read (offline, a dead URL), ours stands in, so a load from
 * the base fails later and is reported for the package that needed it.
 */
async function packageLock(indexURL: string, baseURL: string, selfHosted: readonly string[]): Promise<Lockfile> {
  const own = await fetchJson<Lockfile>(`${indexURL}pyodide-lock.json`);
  const packages: Lockfile['packages'] = {};
  for (const [name, entry] of Object.entries(own.packages)) packages[name] = { ...entry, file_name: new URL(entry.file_name, baseURL).href };
  if (baseURL !== CDN_PACKAGE_BASE) {
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), LOCK_TIMEOUT_MS);
      const response = await fetch(`${baseURL}pyodide-lock.json`, { signal: controller.signal });
      clearTimeout(timer);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const theirs = (await response.json()) as Lockfile;
      // Compiled packages of another Pyodide ABI would not load: keep ours then.
      if (theirs.info?.abi_version && theirs.info.abi_version !== own.info.abi_version) {
        throw new Error(`it is for another Pyodide (ABI ${theirs.info.abi_version})`);
      }
      for (const [name, entry] of Object.entries(theirs.packages)) packages[name] = { ...entry, file_name: new URL(entry.file_name, baseURL).href };
    } catch (error) {
      console.warn(`[headrace worker] not using ${baseURL}pyodide-lock.json: ${String(error)}`);
    }
  }
  for (const [name, entry] of Object.entries(own.packages)) {
    if (selfHosted.includes(entry.file_name)) packages[name] = { ...entry, file_name: new URL(entry.file_name, indexURL).href };
  }
  return { info: own.info, packages };
}

interface PyBridge extends PyProxy {
  handle(text: string): Promise<string>;
  handle_interrupts(): void;
}

const events = new EventBuffer();
let bridge: PyBridge | null = null;
let pyodideInstance: PyodideAPI | null = null;
let lazyWheels: Record<string, string> = {};
const lazyLoaded = new Map<string, Promise<void>>();
/** Requests that arrive while booting wait for the bridge. */
let bridgeReady: Promise<PyBridge> | null = null;
/** How Python came up this time: restored from the page's snapshot, or booted (and why). */
let bootedFrom: BootedFrom = { from: 'boot', note: null };
/** The page's snapshot offer, which follows the boot message when it asked for snapshots. */
let snapshotOffer: Promise<SnapshotMessage> | null = null;
let receiveOffer: (offer: SnapshotMessage) => void = () => undefined;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

function progress(step: string, fraction: number): void {
  post({ type: 'progress', step, fraction });
  // Boot phases as performance marks: visible in the browser's profiler, and to benchmarks.
  performance.mark(`headrace:${step}`);
  console.debug(`[headrace worker] ${Math.round(performance.now())} ms: ${step}`);
}

function asError(error: unknown): BridgeError {
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'WorkerError', message };
}

async function fetchJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** The site's own folder (where `pyodide/` and `wheels/` are): files under it the page can
 * hand over from its offline cache when the network cannot. */
let siteBase: string | null = null;
const networkFetch = self.fetch.bind(self);
/** The hosts packages come from: fetched through the page, which keeps them for offline use. */
let packageOrigins = new Set<string>();
interface HandedFile {
  status: number;
  bytes: ArrayBuffer | null;
  contentType: string;
}
const pendingFiles = new Map<number, (file: HandedFile) => void>();
let fileRequests = 0;

function askPage(url: string, kind: 'site' | 'package', method: 'GET' | 'HEAD'): Promise<HandedFile> {
  const id = ++fileRequests;
  return new Promise((resolve) => {
    pendingFiles.set(id, resolve);
    post({ type: 'need_file', id, url, kind, method });
  });
}

function asResponse(file: HandedFile): Response {
  // (A Response may not have a body with these statuses.)
  const body = [101, 204, 205, 304].includes(file.status) ? null : file.bytes;
  return new Response(body, { status: file.status, headers: { 'Content-Type': file.contentType } });
}

/**
 * `fetch` for everything in this worker (Pyodide's loader, micropip, node code). Package
 * hosts' files go through the page, which keeps them: a flow's requirements install
 * offline once installed online. Anything else goes to the network, as before; when that
 * fails for one of the site's own files, the page hands over its offline copy. So the
 * studio boots and runs flows with the network off, after a visit.
 */
async function fetchWithOfflineCopy(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  let origin = '';
  try {
    origin = new URL(url).origin;
  } catch {
    // not absolute: the network fetch below says what is wrong
  }
  if (packageOrigins.has(origin) && (method === 'GET' || method === 'HEAD') && !url.startsWith(siteBase ?? ' ')) {
    const file = await askPage(url, 'package', method);
    if (file.status === 0) throw new TypeError(`Failed to fetch ${url} (offline, and not kept from an earlier install)`);
    return asResponse(file);
  }
  try {
    return await networkFetch(input, init);
  } catch (error) {
    if (!siteBase || !url.startsWith(siteBase) || (method !== 'GET' && method !== 'HEAD')) throw error;
    const copy = await askPage(url, 'site', method);
    if (copy.status === 0) throw error;
    console.debug(`[headrace worker] ${url.slice(siteBase.length)}: the offline copy`);
    return asResponse(copy);
  }
}
self.fetch = fetchWithOfflineCopy;

/** Import a module of the site's, from the page's offline copy when the network fails. */
async function importModule<T>(url: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ url)) as T;
  } catch (error) {
    const response = await fetchWithOfflineCopy(url).catch(() => null);
    if (!response?.ok) throw error;
    const local = URL.createObjectURL(new Blob([await response.arrayBuffer()], { type: 'text/javascript' }));
    return (await import(/* @vite-ignore */ local)) as T;
  }
}

type PyodideModule = typeof import('pyodide');
type LoadOptions = NonNullable<Parameters<PyodideModule['loadPyodide']>[0]>;

async function boot(message: BootMessage): Promise<PyBridge> {
  const { indexURL, wheelsURL, packageBaseURL } = message;
  siteBase = new URL('..', indexURL).href;
  progress('Loading Python', 0.05);
  const manifest = await fetchJson<WheelManifest>(`${wheelsURL}manifest.json`);
  if (!manifest.headrace) throw new Error('this build has no headrace wheel (see studio/scripts/prepare-python.mjs)');
  const wheelURLs = manifest.boot.map((file) => `${wheelsURL}${file}`);
  lazyWheels = Object.fromEntries(Object.entries(manifest.lazy ?? {}).map(([name, file]) => [name, `${wheelsURL}${file}`]));
  // Fetched while Pyodide itself loads; unpacked once Python is up.
  const wheels = Promise.all(wheelURLs.map(fetchBytes));
  wheels.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  // Imported at run time from the copied files so loader and runtime are always one version.
  const pyodideModule = await importModule<PyodideModule>(`${indexURL}pyodide.mjs`);
  // Its runtime imported here too (Pyodide would import it itself), so that it loads offline.
  const runtime = await importModule<{ default: NonNullable<LoadOptions['createPyodideModule']> }>(`${indexURL}pyodide.asm.mjs`);
  const options: LoadOptions = {
    indexURL,
    createPyodideModule: runtime.default,
    // Pyodide's own packages (numpy, pandas, …): from the package base URL, ours first.
    lockFileContents: packageLock(indexURL, packageBaseURL, manifest.pyodidePackages ?? []),
    packageBaseUrl: packageBaseURL,
    stdout: (text) => console.log('[python]', text),
    stderr: (text) => console.warn('[python]', text),
  };
  const offer = message.snapshots && snapshotOffer ? await snapshotOffer : null;
  const key = offer?.key ?? null;
  const restored = offer?.bytes && key ? await restore(pyodideModule, options, offer.bytes.arrayBuffer(), key, wheels) : null;
  const pyodide = restored ?? (await bootAfresh(pyodideModule, options, await wheels, key));
  pyodideInstance = pyodide;
  // Set, or cleared (undefined, as Pyodide documents), after any snapshot: restored memory
  // holds the interrupt flag of the page the snapshot was made in.
  pyodide.setInterruptBuffer(message.interrupt ?? (undefined as unknown as Int32Array));
  progress('Starting engine', 0.9);
  const Bridge = pyodide.pyimport('headrace.bridge').Bridge as PyProxy & { callKwargs(kw: object): PyBridge };
  const bridge = Bridge.callKwargs({ on_batch: (text: string) => events.push(text) });
  // Stop's interrupt (the buffer above) is the user stopping the run, not node code failing.
  if (message.interrupt) bridge.handle_interrupts();
  return bridge;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The boot wheels' files into site-packages. Unpacked rather than given to `loadPackage`,
 * which keeps JavaScript objects a memory snapshot cannot hold; and the files live in the
 * JavaScript file system, outside the memory a snapshot holds, so a restore unpacks them
 * again (for imports on first use, and for package metadata).
 */
function unpackWheels(pyodide: PyodideAPI, wheels: Uint8Array[]): void {
  const sitePackages = String(pyodide.runPython('import site\nsite.getsitepackages()[0]'));
  for (const wheel of wheels) pyodide.unpackArchive(wheel, 'wheel', { extractDir: sitePackages });
}

/**
 * Boot Python, install the boot wheels and import the engine. With a key, the memory is
 * then offered to the page as a snapshot, made before any flow's code has run and before
 * the bridge exists (it holds a JavaScript callback, which a snapshot cannot).
 */
async function bootAfresh(pyodideModule: PyodideModule, options: LoadOptions, wheels: Uint8Array[], key: string | null): Promise<PyodideAPI> {
  const pyodide = await pyodideModule.loadPyodide({ ...options, _makeSnapshot: key !== null });
  progress('Installing headrace', 0.75);
  unpackWheels(pyodide, wheels);
  pyodide.runPython('import headrace.bridge');
  if (key !== null) {
    try {
      pyodide.globals.set('snapshot_key', key);
      pyodide.runPython('import headrace\nheadrace._snapshot_key = snapshot_key\ndel snapshot_key');
      const bytes = pyodide.makeMemorySnapshot();
      const buffer = bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
      post({ type: 'snapshot_made', key, bytes: buffer as ArrayBuffer }, [buffer as ArrayBuffer]);
    } catch (error) {
      // Slower next time, never wrong: say why in the console.
      console.warn(`[headrace worker] no engine snapshot made: ${String(error)}`);
    }
  }
  return pyodide;
}

/**
 * Restore the snapshot: Python with the engine imported, in a fraction of a boot. Inside
 * it must be the key the page kept it under (the build's engine, this browser); anything
 * wrong, and it is set aside with a note in the engine status, for a normal boot. Python's
 * random generator gets fresh entropy: restored as it was, every visit would draw the same
 * numbers. (String hashing keeps the seed the snapshot was made with: a per-browser one.)
 */
async function restore(
  pyodideModule: PyodideModule,
  options: LoadOptions,
  bytes: Promise<ArrayBuffer>,
  key: string,
  wheels: Promise<Uint8Array[]>,
): Promise<PyodideAPI | null> {
  try {
    progress('Restoring the engine', 0.2);
    // Pyodide takes the promise: the snapshot is read while it fetches and compiles itself.
    const pyodide = await pyodideModule.loadPyodide({ ...options, _loadSnapshot: bytes.then((b) => new Uint8Array(b)) });
    const kept: unknown = pyodide.runPython('import headrace\ngetattr(headrace, "_snapshot_key", None)');
    if (kept !== key) throw new Error(`it holds another engine (${String(kept)})`);
    progress("Laying out the engine's files", 0.7);
    unpackWheels(pyodide, await wheels);
    pyodide.runPython('import random\nrandom.seed()');
    bootedFrom = { from: 'snapshot', note: null };
    return pyodide;
  } catch (error) {
    const note = `Python was booted, not restored from its snapshot (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    console.warn(`[headrace worker] ${note}`);
    bootedFrom = { from: 'boot', note };
    return null;
  }
}

/** Whether a command reads time zones (a flow's `timezone`, its schedules, the cron
 * command): then the zone data must be loaded first. */
function needsZones(command: string): boolean {
  try {
    const parsed = JSON.parse(command) as { cmd?: string; flow?: unknown };
    if (parsed.cmd === 'cron') return true;
    if (parsed.cmd !== 'run' && parsed.cmd !== 'validate') return false;
    const flow = (typeof parsed.flow === 'string' ? JSON.parse(parsed.flow) : parsed.flow) as
      | { timezone?: unknown; nodes?: { schedule?: unknown }[] }
      | undefined;
    if (flow?.timezone !== undefined) return true;
    return Array.isArray(flow?.nodes) && flow.nodes.some((node) => node?.schedule !== undefined);
  } catch {
    return false; // the bridge reports a malformed command itself
  }
}

/** Load a lazy wheel once (concurrent callers share the one load). */
function loadLazy(project: string): Promise<void> {
  const url = lazyWheels[project];
  if (!url || !pyodideInstance) return Promise.resolve();
  let loading = lazyLoaded.get(project);
  if (!loading) {
    loading = pyodideInstance.loadPackage([url], { messageCallback: () => undefined }).then(() => undefined);
    lazyLoaded.set(project, loading);
  }
  return loading;
}

async function handle(command: string): Promise<string> {
  if (!bridgeReady) {
    const result: Result<never> = { ok: false, error: { type: 'WorkerError', message: 'engine not booted' } };
    return JSON.stringify(result);
  }
  try {
    const ready = await bridgeReady;
    if (needsZones(command)) await loadLazy('tzdata');
    // (The bridge hands over a command's events before it replies.)
    return await ready.handle(command);
  } catch (error) {
    const result: Result<never> = { ok: false, error: asError(error) };
    return JSON.stringify(result);
  }
}

/** Where picked files go, relative to Python's working directory (its home). */
const FILES_DIR = 'files';

/** Write a picked file where node code finds it: `open("files/<name>")`. */
async function writeFile(name: string, data: ArrayBuffer): Promise<string> {
  let result: Result<{ path: string }>;
  if (!bridgeReady) result = { ok: false, error: { type: 'WorkerError', message: 'engine not booted' } };
  else if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    result = { ok: false, error: { type: 'WorkerError', message: `${JSON.stringify(name)} is not a plain file name` } };
  } else {
    try {
      await bridgeReady;
      const fs = pyodideInstance!.FS;
      fs.mkdirTree(FILES_DIR);
      fs.writeFile(`${FILES_DIR}/${name}`, new Uint8Array(data));
      result = { ok: true, value: { path: `${FILES_DIR}/${name}` } };
    } catch (error) {
      result = { ok: false, error: asError(error) };
    }
  }
  return JSON.stringify(result);
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const message = ev.data;
  switch (message.type) {
    case 'boot': {
      if (message.snapshots) snapshotOffer = new Promise((resolve) => (receiveOffer = resolve));
      bridgeReady = boot(message);
      try {
        bridge = await bridgeReady;
        const reply = JSON.parse(await bridge.handle('{"cmd": "hello"}')) as Result<Hello>;
        if (!reply.ok) throw new Error(reply.error.message);
        progress('Ready', 1);
        post({ type: 'ready', hello: reply.value, booted: bootedFrom });
      } catch (error) {
        post({ type: 'boot_failed', error: asError(error) });
      }
      break;
    }
    case 'snapshot':
      receiveOffer(message);
      break;
    case 'cached_file':
      pendingFiles.get(message.id)?.({ status: message.status, bytes: message.bytes, contentType: message.contentType });
      pendingFiles.delete(message.id);
      break;
    case 'package_origins':
      packageOrigins = new Set(message.origins);
      break;
    case 'request':
      post({ type: 'reply', id: message.id, result: await handle(message.command) });
      break;
    case 'subscribe':
      events.subscribe((batch) => post({ type: 'events', batch }));
      break;
    case 'file':
      post({ type: 'reply', id: message.id, result: await writeFile(message.name, message.data) });
      break;
    default: {
      const unknown: never = message;
      console.warn('worker: unknown message', unknown);
    }
  }
};
