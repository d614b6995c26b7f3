/**
 * One engine per page: every `<headrace-flow>` served from the same runtime folder shares
 * one Pyodide worker (booting Python costs seconds and tens of megabytes; a page with five
 * examples must not pay that five times). Runs stay separate: each embed starts its own run
 * and keeps only the events of its run id.
 */
import type { Cron, Hello, NodeShape, Result, Validated } from '@/protocol/bridge';
import type { DescribeCron, Inspect, ValuesResult } from '@/protocol/events';
import type { BootedFrom, BootProgress, EventListener, Following, LocalEngine, RestartState, RunRequest, RunStartHooks, ValuesRequest, DeliverRequest } from '@/runner/Runner';
import { cachedFile, packageFile } from '@/offline/files';
import { IndexedDbSnapshots } from '@/persistence/engineSnapshot';
import { PyodideRunner } from '@/runner/pyodide/PyodideRunner';
import { CDN_PACKAGE_BASE } from '@/runner/pyodide/packageBase';

/** A Runner whose boot progress reaches every embed waiting on it, not just the last. */
class SharedRunner implements LocalEngine {
  readonly kind = 'pyodide' as const;
  private readonly watchers = new Set<(progress: BootProgress) => void>();
  private booted: Promise<Result<Hello>> | null = null;
  private last: BootProgress | null = null;

  constructor(private readonly inner: LocalEngine) {}

  get packageBaseURL(): string | undefined {
    return this.inner.packageBaseURL;
  }

  get bootedFrom(): BootedFrom | null {
    return this.inner.bootedFrom ?? null;
  }

  start(onProgress: (progress: BootProgress) => void): Promise<Result<Hello>> {
    this.watchers.add(onProgress);
    if (this.last) onProgress(this.last);
    this.booted ??= this.inner.start((progress) => {
      this.last = progress;
      for (const watch of this.watchers) watch(progress);
    });
    return this.booted;
  }

  run(request: RunRequest, hooks: RunStartHooks): Promise<Result<{ run: string }>> {
    return this.inner.run(request, hooks);
  }

  trigger(run: string, node: string, socket?: string): Promise<Result<Record<string, never>>> {
    return this.inner.trigger(run, node, socket);
  }

  deliver(request: DeliverRequest): Promise<Result<Record<string, never>>> {
    return this.inner.deliver(request);
  }

  values(request: ValuesRequest): Promise<Result<ValuesResult>> {
    return this.inner.values(request);
  }

  stop(run: string, message?: string): Promise<Result<Record<string, never>>> {
    return this.inner.stop(run, message);
  }

  follow(run: string): Promise<Result<Following>> {
    return this.inner.follow(run);
  }

  detach(run: string): void {
    this.inner.detach(run);
  }

  inspect(args: Omit<Inspect, 'cmd'>): Promise<Result<NodeShape>> {
    return this.inner.inspect(args);
  }

  validate(flow: unknown): Promise<Result<Validated>> {
    return this.inner.validate(flow);
  }

  cron(args: Omit<DescribeCron, 'cmd'>): Promise<Result<Cron>> {
    return this.inner.cron(args);
  }

  subscribe(listener: EventListener): () => void {
    return this.inner.subscribe(listener);
  }

  onRestart(listener: (state: RestartState) => void): () => void {
    return this.inner.onRestart?.(listener) ?? (() => undefined);
  }

  onIsolation(listener: (isolation: 'opaque' | 'same-origin') => void): () => void {
    return this.inner.onIsolation?.(listener) ?? (() => undefined);
  }

  /** Embeds come and go; the page's engine stays for the next one. */
  dispose(): void {}
}

const runners = new Map<string, SharedRunner>();

/** The engine for `runtimeBase` (a folder holding `pyodide/` and `wheels/`), made on first use. */
export function sharedRunner(runtimeBase: string): LocalEngine {
  const key = new URL(runtimeBase).href;
  let runner = runners.get(key);
  if (!runner) {
    runner = new SharedRunner(new PyodideRunner({
        baseURL: key,
        packageBaseURL: CDN_PACKAGE_BASE,
        // Kept in the host page's storage, under names of their own (docs/embedding.md, "Offline").
        snapshots: new IndexedDbSnapshots(),
        cachedFile,
        packageFile,
      }));
    runners.set(key, runner);
  }
  return runner;
}
