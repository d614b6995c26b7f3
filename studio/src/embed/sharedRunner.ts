/**
 * One engine per page: every `<headrace-flow>` served from the same runtime folder shares
 * one Pyodide worker (booting Python costs seconds and tens of megabytes; a page with five
 * examples must not pay that five times). Runs stay separate: each embed starts its own run
 * and keeps only the events of its run id.
 */
import type { Hello, Result } from '@/protocol/bridge';
import type { BootProgress, CommandArgs, CommandValue, EventListener, RestartState, Runner } from '@/runner/Runner';
import { PyodideRunner } from '@/runner/pyodide/PyodideRunner';
import { CDN_PACKAGE_BASE } from '@/runner/pyodide/packageBase';
import type { BridgeCommandName } from '@/protocol/bridge';

/** A Runner whose boot progress reaches every embed waiting on it, not just the last. */
class SharedRunner implements Runner {
  readonly kind = 'pyodide' as const;
  private readonly watchers = new Set<(progress: BootProgress) => void>();
  private booted: Promise<Result<Hello>> | null = null;
  private last: BootProgress | null = null;

  constructor(private readonly inner: Runner) {}

  get packageBaseURL(): string | undefined {
    return this.inner.packageBaseURL;
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

  call<C extends BridgeCommandName>(cmd: C, args: CommandArgs<C>): Promise<Result<CommandValue<C>>> {
    return this.inner.call(cmd, args);
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
export function sharedRunner(runtimeBase: string): Runner {
  const key = new URL(runtimeBase).href;
  let runner = runners.get(key);
  if (!runner) {
    runner = new SharedRunner(new PyodideRunner({ baseURL: key, packageBaseURL: CDN_PACKAGE_BASE }));
    runners.set(key, runner);
  }
  return runner;
}
