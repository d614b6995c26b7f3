/**
 * The Runner that hosts the engine in a dedicated module Web Worker running Pyodide.
 *
 * Stop must work even when node code never yields (`while True: pass`): the worker is then
 * too busy to read the stop message. So Stop escalates: the engine's own stop first; if
 * it has not answered within `stopGraceMs`, a KeyboardInterrupt through Pyodide's interrupt
 * buffer (only in a cross-origin isolated page, which can share memory with the worker);
 * if that has not worked within `interruptGraceMs` either, the worker is terminated and a
 * new one booted. Runs that lived in it are reported stopped, with the reason.
 */
import type { BridgeCommandName, BridgeCommands, Cron, Hello, NodeShape, Result, Validated } from '@/protocol/bridge';
import type { DescribeCron, EngineEvent, Inspect, RunStopped, ValuesResult } from '@/protocol/events';
import type { BootedFrom, BootProgress, EventListener, Following, LocalEngine, RestartState, RunRequest, RunStartHooks, ValuesRequest, DeliverRequest } from '../Runner';
import type { CachedFile } from '@/offline/files';
import { snapshotKey, type SnapshotStore } from '@/persistence/engineSnapshot';
import { Rpc } from '../rpc';
import { readEventBatch, readFromWorker, type FromWorker, type ToWorker } from './messages';
import { packageBaseUrl } from './packageBase';
import workerUrl from './worker.ts?worker&url';

export interface PyodideRunnerOptions {
  /** Where the site is served from; Pyodide and the wheels sit beside index.html. */
  baseURL: string;
  /** Where Pyodide's own packages are loaded from (default: see packageBase.ts). */
  packageBaseURL?: string;
  /**
   * Makes the engine's worker: `opaque` (an origin of its own) or `same-origin`, the
   * fallback when the host does not allow cross-origin reads of our files (see below).
   * Tests inject a fake.
   */
  createWorker?: (isolation: Isolation) => Worker;
  /** How long the engine's own stop may take before Python is interrupted. */
  stopGraceMs?: number;
  /** How long an interrupt may take before the worker is restarted. */
  interruptGraceMs?: number;
  /** Share an interrupt buffer with the worker (default: when the page is cross-origin isolated). */
  interruptible?: boolean;
  /**
   * Where this browser keeps a memory snapshot of the engine, restored instead of booting
   * Python (persistence/engineSnapshot.ts); none: every boot is a full one.
   */
  snapshots?: SnapshotStore | null;
  /**
   * Reads the worker module's own code (`fetchWorkerSource`), for when the opaque worker
   * cannot import it by URL: offline, that import comes from no page, so the service
   * worker cannot answer it, but the page's fetch can. The worker is then started from a
   * data: URL holding the code, which needs no network.
   */
  workerSource?: () => Promise<string | null>;
  /**
   * One of this site's files that the worker could not fetch (offline), from the site's
   * offline cache (offline/files.ts). Only files under `baseURL` are asked for, and never
   * from the network: code in a flow runs in the worker and must not get the page to
   * fetch for it with the site's origin.
   */
  cachedFile?: (url: string, method: 'GET' | 'HEAD') => Promise<CachedFile>;
  /**
   * A file of a package host (the package base, the indexes a run installs from), fetched
   * for the worker and kept for offline use (offline/files.ts); only those hosts' files.
   */
  packageFile?: (url: string, method: 'GET' | 'HEAD') => Promise<CachedFile>;
}


/** The engine worker's built code, read once at start (null: start it by URL instead). */
export async function fetchWorkerSource(): Promise<string | null> {
  try {
    const response = await fetch(new URL(workerUrl, import.meta.url));
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

export const RESTARTED =
  'Python was restarted to stop it: code in the flow did not yield (a loop without await, or a long call)';

/**
 * Where the flow's Python runs. `opaque`: the worker is started from a data: URL, which
 * gives it an origin of its own, so node code cannot open this site's IndexedDB (the
 * user's other flows), its caches, or read its pages with the user's cookies. It then
 * loads the worker module, Pyodide and the wheels from our origin as cross-origin reads,
 * which the host must allow (`Access-Control-Allow-Origin: *`; vite preview does). Where
 * it does not, the worker fails to load and the runner falls back to `same-origin`.
 */
export type Isolation = 'opaque' | 'same-origin';

function defaultWorker(isolation: Isolation, source: string | null): Worker {
  const url = new URL(workerUrl, import.meta.url).href;
  const options: WorkerOptions = { type: 'module', name: 'headrace-engine' };
  if (isolation === 'same-origin') return new Worker(url, options);
  return new Worker(`data:text/javascript,${encodeURIComponent(source ?? `import ${JSON.stringify(url)};`)}`, options);
}

/** `promise`'s value if it settles within `ms`, else null. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([promise, new Promise<null>((resolve) => setTimeout(() => resolve(null), ms))]);
}

const SIGINT = 2;

/** A reply's result, or an error value when it is not a `{ok, value | error}` object. */
function readResult(text: string): Result<unknown> {
  try {
    const result = JSON.parse(text) as unknown;
    if (typeof result === 'object' && result !== null && 'ok' in result && typeof result.ok === 'boolean') {
      if (result.ok ? 'value' in result : 'error' in result) return result as Result<unknown>;
    }
  } catch {
    // fall through
  }
  return { ok: false, error: { type: 'WorkerError', message: 'the engine sent a malformed reply' } };
}

type Args<C extends BridgeCommandName> = BridgeCommands[C]['args'];
type Answer<C extends BridgeCommandName> = Promise<Result<BridgeCommands[C]['value']>>;

let runCounter = 0;

/** A run id of this page: unique among the runs of every engine the page has had. */
function newRunId(): string {
  return `run-${++runCounter}-${Date.now().toString(36)}`;
}

export class PyodideRunner implements LocalEngine {
  readonly kind = 'pyodide' as const;
  private worker: Worker;
  private readonly rpc = new Rpc();
  private readonly listeners = new Set<EventListener>();
  private readonly restartListeners = new Set<(state: RestartState) => void>();
  /** Runs started in the current worker and not yet stopped (from their events). */
  private readonly live = new Set<string>();
  private readonly interrupt: Int32Array | null;
  private isolationNow: Isolation = 'opaque';
  /** What was sent to the current worker before it was ready (replayed on fallback). */
  private unanswered: ToWorker[] | null = [];
  private readonly isolationListeners = new Set<(isolation: Isolation) => void>();
  private subscribed = false;
  private booted: Promise<Result<Hello>> | null = null;
  private onProgress: (progress: BootProgress) => void = () => undefined;
  private lastProgress: BootProgress | null = null;
  private resolveBoot: (result: Result<Hello>) => void = () => undefined;

  /** Where Pyodide's own packages are loaded from (named in install messages). */
  readonly packageBaseURL: string;
  /** How the current worker's Python came up (the build's snapshot, or a boot), once it has. */
  bootedFrom: BootedFrom | null = null;

  constructor(private readonly options: PyodideRunnerOptions) {
    this.packageBaseURL = options.packageBaseURL ?? packageBaseUrl();
    const isolated = typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
    this.interrupt = (options.interruptible ?? isolated) ? new Int32Array(new SharedArrayBuffer(4)) : null;
    this.worker = this.spawn();
  }

  /** Whether Stop can interrupt busy Python in place (else it restarts the worker). */
  get interruptible(): boolean {
    return this.interrupt !== null;
  }

  /** Where the flow's Python runs now (`same-origin` after a fallback). */
  get isolation(): Isolation {
    return this.isolationNow;
  }

  /** Told when the runner had to fall back to a same-origin worker (at once, if it already has). */
  onIsolation(listener: (isolation: Isolation) => void): () => void {
    this.isolationListeners.add(listener);
    if (this.isolationNow !== 'opaque') listener(this.isolationNow);
    return () => this.isolationListeners.delete(listener);
  }

  private spawn(): Worker {
    const worker = this.options.createWorker?.(this.isolationNow) ?? defaultWorker(this.isolationNow, this.inlineSource);
    this.unanswered = [];
    worker.onmessage = (ev: MessageEvent<unknown>) => {
      if (worker !== this.worker) return; // a restarted worker's last words
      const message = readFromWorker(ev.data);
      if (message) this.receive(message);
      else console.warn('headrace: dropped a malformed message from the engine worker', ev.data);
    };
    worker.onerror = (ev) => {
      if (worker !== this.worker) return;
      // The worker module could not be imported (offline?): start it from its code instead.
      if (this.unanswered && this.isolationNow === 'opaque' && this.inlineSource === null && this.options.workerSource) {
        void this.startInline(this.options.workerSource, ev.message);
        return;
      }
      // Offline, an opaque worker started by URL cannot load: that is no reason to give
      // flow code this page's origin (a same-origin worker a service worker could serve).
      if (this.unanswered && this.isolationNow === 'opaque' && globalThis.navigator?.onLine !== false) return this.fallBack();
      this.fail(ev.message || (globalThis.navigator?.onLine === false ? 'the engine could not load: this browser is offline' : 'the engine worker crashed'));
    };
    return worker;
  }

  /** The worker's own code, once it had to be started from it (null: by URL). */
  private inlineSource: string | null = null;

  private async startInline(read: () => Promise<string | null>, why: string): Promise<void> {
    const source = await read();
    if (source === null) {
      this.fail(why || (globalThis.navigator?.onLine === false ? 'the engine could not load: this browser is offline' : 'the engine worker crashed'));
      return;
    }
    this.inlineSource = source;
    this.respawn();
  }

  /** A new worker for the one that did not load, sent what that one was. */
  private respawn(): void {
    const replay = this.unanswered ?? [];
    this.worker.terminate();
    this.worker = this.spawn();
    for (const message of replay) this.send(message);
  }

  /** The opaque worker could not load our files (no CORS): run same-origin, and say so. */
  private fallBack(): void {
    this.isolationNow = 'same-origin';
    console.warn(
      'headrace: this site does not allow cross-origin reads of its files (Access-Control-Allow-Origin), ' +
        'so flows run with its origin: code in a flow could read its storage. See docs/security.md.',
    );
    this.respawn();
    for (const listener of this.isolationListeners) listener(this.isolationNow);
  }

  /**
   * Boot once; later calls return the same promise and take over progress reports (the
   * studio starts the worker before its UI code has even loaded, then the engine store
   * subscribes to the progress).
   */
  start(onProgress: (progress: BootProgress) => void): Promise<Result<Hello>> {
    this.onProgress = onProgress;
    if (this.lastProgress) onProgress(this.lastProgress);
    if (this.booted) return this.booted;
    return this.boot();
  }

  private boot(): Promise<Result<Hello>> {
    this.booted = new Promise((resolve) => (this.resolveBoot = resolve));
    const base = new URL(this.options.baseURL);
    this.send({
      type: 'boot',
      indexURL: new URL('pyodide/', base).href,
      wheelsURL: new URL('wheels/', base).href,
      packageBaseURL: this.packageBaseURL,
      ...(this.interrupt ? { interrupt: this.interrupt } : {}),
      snapshots: Boolean(this.options.snapshots),
    });
    if (this.options.packageFile) {
      // Pyodide's own packages, and micropip's default index (PyPI, its files elsewhere).
      this.packageOrigins.clear();
      this.allowPackageHosts([this.packageBaseURL, 'https://pypi.org/', 'https://files.pythonhosted.org/']);
    }
    if (this.options.snapshots) void this.offerSnapshot(this.options.snapshots, base);
    return this.booted;
  }

  /** The origins of the hosts packages come from: the worker's fetches to them go through the page. */
  private readonly packageOrigins = new Set<string>();

  /** Add the hosts a run installs from (its indexes) to those the page fetches packages from. */
  private allowPackageHosts(urls: readonly string[]): void {
    const before = this.packageOrigins.size;
    for (const url of urls) {
      try {
        this.packageOrigins.add(new URL(url).origin);
      } catch {
        // not a URL: the install reports it
      }
    }
    if (this.packageOrigins.size !== before) this.send({ type: 'package_origins', origins: [...this.packageOrigins] });
  }

  /** Answer the worker's `need_file`, for what it may ask for only; else "none". */
  private async handOver(id: number, url: string, kind: 'site' | 'package', method: 'GET' | 'HEAD'): Promise<void> {
    let file: CachedFile = { status: 0, bytes: null, contentType: '' };
    try {
      const asked = new URL(url); // (resolves any `..`)
      // (The folder of `baseURL`: the page's address may carry a query, `?flow=…`.)
      if (kind === 'site' && asked.href.startsWith(new URL('./', this.options.baseURL).href)) {
        file = (await this.options.cachedFile?.(asked.href, method)) ?? file;
      } else if (kind === 'package' && this.packageOrigins.has(asked.origin)) {
        file = (await this.options.packageFile?.(asked.href, method)) ?? file;
      }
    } catch (error) {
      console.warn(`headrace: could not hand ${url} to the engine: ${String(error)}`);
    }
    const message: ToWorker = { type: 'cached_file', id, ...file };
    this.worker.postMessage(message, file.bytes ? [file.bytes] : []);
  }

  /** The key the current worker's snapshot is kept under (null: none can be kept). */
  private snapshotKeyNow: string | null = null;
  /** Whether the current worker's boot made a snapshot that replaced the kept one. */
  private snapshotReplaced = false;

  /**
   * Tell the booting worker which snapshot this build's engine has here, with its bytes if
   * this browser keeps it. Read while the worker fetches Pyodide, so it costs the boot
   * nothing it was not already waiting for. Failing that, the worker boots without.
   */
  private async offerSnapshot(store: SnapshotStore, base: URL): Promise<void> {
    let key: string | null = null;
    let bytes: Blob | null = null;
    try {
      // The build's engine and the kept snapshot, read at once: the worker waits for both.
      const [manifest, kept] = await Promise.all([
        fetch(new URL('wheels/manifest.json', base)).then(async (r) => (r.ok ? ((await r.json()) as { engine?: unknown }) : {})),
        store.kept(),
      ]);
      if (typeof manifest.engine === 'string') {
        key = snapshotKey(manifest.engine);
        if (kept?.key === key) bytes = kept.bytes;
        else if (kept) void store.drop(); // another build's or browser's: it can never be used
      }
    } catch (error) {
      console.warn(`headrace: booting Python without a snapshot: ${String(error)}`);
    }
    // A boot mark, like the worker's: how long reading the snapshot took, in the profiler.
    performance.mark(`headrace:snapshot ${bytes ? 'offered' : 'none'}`);
    this.snapshotKeyNow = key;
    this.snapshotReplaced = false;
    this.send({ type: 'snapshot', key, bytes });
  }

  /** A snapshot the worker made as it booted: kept only if taken before any flow's code ran. */
  private keepSnapshot(key: string, bytes: ArrayBuffer): void {
    const store = this.options.snapshots;
    // After `ready` the worker has run flow code, which could post a snapshot of its own making.
    if (!store || this.unanswered === null || key !== this.snapshotKeyNow) return;
    this.snapshotReplaced = true;
    void store.save(key, bytes);
  }

  /**
   * Install the flow's requirements one by one (micropip, from `request.indexUrls`), then
   * start the run under an id of this page's.
   */
  async run(request: RunRequest, hooks: RunStartHooks): Promise<Result<{ run: string }>> {
    const { indexUrls, ...start } = request;
    if (this.options.packageFile && indexUrls) this.allowPackageHosts(indexUrls);
    for (const requirement of request.flow.requirements ?? []) {
      hooks.installing?.(requirement);
      const installed = await this.request('install', { requirements: [requirement], index_urls: indexUrls ?? null, package_base_url: this.packageBaseURL });
      hooks.installed?.(requirement, installed);
      if (!installed.ok) return installed;
    }
    const run = newRunId();
    hooks.named(run);
    return this.request('run', { ...start, run });
  }

  trigger(run: string, node: string, socket?: string): Answer<'trigger'> {
    return this.request('trigger', socket === undefined ? { run, node } : { run, node, socket });
  }

  deliver(request: DeliverRequest): Answer<'deliver'> {
    return this.request('deliver', request);
  }

  values(request: ValuesRequest): Promise<Result<ValuesResult>> {
    return this.request('values', request);
  }

  /** Runs live only in this page's worker: one of them is followed already, others are gone. */
  async follow(run: string): Promise<Result<Following>> {
    if (this.live.has(run)) return { ok: true, value: 'live' };
    return { ok: false, error: { type: 'WorkerError', message: `run ${run} is not in this page's engine`, status: 404 } };
  }

  /** Every run of the worker reaches every listener: nothing to let go of. */
  detach(): void {}

  inspect(args: Omit<Inspect, 'cmd'>): Promise<Result<NodeShape>> {
    return this.request('inspect', args);
  }

  validate(flow: unknown): Promise<Result<Validated>> {
    return this.request('validate', { flow });
  }

  cron(args: Omit<DescribeCron, 'cmd'>): Promise<Result<Cron>> {
    return this.request('cron', args);
  }

  private request<C extends BridgeCommandName>(cmd: C, args: Args<C>): Answer<C> {
    return this.rpc.request((id) => this.send({ type: 'request', id, command: JSON.stringify({ cmd, ...args }) }));
  }

  /** Files the user picked, by name: written again into a restarted worker. */
  private readonly files = new Map<string, ArrayBuffer>();

  putFile(name: string, data: ArrayBuffer): Promise<Result<{ path: string }>> {
    this.files.set(name, data);
    return this.sendFile(name, data);
  }

  private sendFile(name: string, data: ArrayBuffer): Promise<Result<{ path: string }>> {
    return this.rpc.request((id) => this.send({ type: 'file', id, name, data: data.slice(0) }));
  }

  async stop(run: string, message?: string): Answer<'stop'> {
    const reply = this.request('stop', message === undefined ? { run } : { run, message });
    const answered = await within(reply, this.options.stopGraceMs ?? 75);
    if (answered) return answered;
    if (this.interrupt) {
      Atomics.store(this.interrupt, 0, SIGINT);
      const interrupted = await within(reply, this.options.interruptGraceMs ?? 75);
      // Python consumes the signal when it raises; clear one that arrived too late to.
      Atomics.store(this.interrupt, 0, 0);
      if (interrupted) return interrupted;
    }
    // The run being stopped is live whether or not its first events got out of the worker.
    this.live.add(run);
    void this.restart();
    return { ok: true, value: {} };
  }

  /** Replace a worker stuck in Python with a fresh one; its runs are reported stopped. */
  private async restart(): Promise<void> {
    this.worker.terminate();
    this.fail('the engine was restarted', { keepBoot: true });
    const stopped: RunStopped[] = [...this.live].map((run) => ({ event: 'run_stopped', run, reason: 'stopped', message: RESTARTED }));
    this.live.clear();
    if (stopped.length) for (const listener of this.listeners) listener(stopped);
    for (const listener of this.restartListeners) listener('restarting');
    this.worker = this.spawn();
    const booted = await this.boot();
    if (this.subscribed) this.send({ type: 'subscribe' });
    for (const [name, data] of this.files) void this.sendFile(name, data);
    for (const listener of this.restartListeners) listener(booted.ok ? 'ready' : 'failed');
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      this.send({ type: 'subscribe' });
    }
    return () => this.listeners.delete(listener);
  }

  onRestart(listener: (state: RestartState) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  dispose(): void {
    this.worker.terminate();
    this.fail('the engine was shut down');
  }

  private send(message: ToWorker): void {
    this.unanswered?.push(message);
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'progress':
        this.lastProgress = { step: message.step, fraction: message.fraction };
        this.onProgress(this.lastProgress);
        break;
      case 'need_file':
        void this.handOver(message.id, message.url, message.kind, message.method);
        break;
      case 'snapshot_made':
        this.keepSnapshot(message.key, message.bytes);
        break;
      case 'ready':
        this.unanswered = null;
        this.bootedFrom = message.booted;
        // A kept snapshot that would not restore goes, unless a new one already replaced it.
        if (message.booted.note && !this.snapshotReplaced) void this.options.snapshots?.drop();
        this.resolveBoot({ ok: true, value: message.hello });
        break;
      case 'boot_failed':
        // An opaque worker that cannot read our files (no CORS) gets one more try, same-origin.
        if (this.unanswered && this.isolationNow === 'opaque') return this.fallBack();
        this.resolveBoot({ ok: false, error: message.error });
        break;
      case 'reply':
        this.rpc.answer(message.id, readResult(message.result));
        break;
      case 'events': {
        const events = readEventBatch(message.batch) as EngineEvent[];
        this.track(events);
        for (const listener of this.listeners) listener(events);
        break;
      }
      default: {
        const unknown: never = message;
        console.warn('runner: unknown message', unknown);
      }
    }
  }

  /** Which runs live in the worker: a restart must report them stopped. */
  private track(events: EngineEvent[]): void {
    for (const ev of events) {
      if (ev.event === 'run_started') this.live.add(ev.run);
      else if (ev.event === 'run_stopped') this.live.delete(ev.run);
    }
  }

  private fail(message: string, { keepBoot = false } = {}): void {
    const error = { type: 'WorkerError' as const, message };
    this.rpc.failAll(error);
    if (!keepBoot) this.resolveBoot({ ok: false, error });
  }
}
