/**
 * The Runner that hosts the engine in a dedicated module Web Worker running Pyodide.
 */
import type { BridgeCommandName, Hello, Result } from '@/protocol/bridge';
import type { EngineEvent } from '@/protocol/events';
import type { BootProgress, CommandArgs, CommandValue, EventListener, Runner } from '../Runner';
import type { FromWorker, ToWorker } from './messages';

export interface PyodideRunnerOptions {
  /** Where the site is served from; Pyodide and the wheels sit beside index.html. */
  baseURL: string;
  /** Tests inject a fake worker. */
  createWorker?: () => Worker;
}

type Pending = (result: Result<unknown>) => void;

function defaultWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'headrace-engine' });
}

export class PyodideRunner implements Runner {
  readonly kind = 'pyodide' as const;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EventListener>();
  private subscribed = false;
  private booted: Promise<Result<Hello>> | null = null;
  private onProgress: (progress: BootProgress) => void = () => undefined;
  private lastProgress: BootProgress | null = null;
  private resolveBoot: (result: Result<Hello>) => void = () => undefined;

  constructor(private readonly options: PyodideRunnerOptions) {
    this.worker = (options.createWorker ?? defaultWorker)();
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev) => this.fail(ev.message || 'the engine worker crashed');
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
    this.booted = new Promise((resolve) => (this.resolveBoot = resolve));
    const base = new URL(this.options.baseURL);
    this.send({
      type: 'boot',
      indexURL: new URL('pyodide/', base).href,
      wheelsURL: new URL('wheels/', base).href,
    });
    return this.booted;
  }

  call<C extends BridgeCommandName>(cmd: C, args: CommandArgs<C>): Promise<Result<CommandValue<C>>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as Pending);
      this.send({ type: 'request', id, command: JSON.stringify({ cmd, ...args }) });
    });
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      this.send({ type: 'subscribe' });
    }
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.worker.terminate();
    this.fail('the engine was shut down');
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'progress':
        this.lastProgress = { step: message.step, fraction: message.fraction };
        this.onProgress(this.lastProgress);
        break;
      case 'ready':
        this.resolveBoot({ ok: true, value: message.hello });
        break;
      case 'boot_failed':
        this.resolveBoot({ ok: false, error: message.error });
        break;
      case 'reply': {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        resolve?.(JSON.parse(message.result) as Result<unknown>);
        break;
      }
      case 'events': {
        const events = JSON.parse(message.batch) as EngineEvent[];
        for (const listener of this.listeners) listener(events);
        break;
      }
      default: {
        const unknown: never = message;
        console.warn('runner: unknown message', unknown);
      }
    }
  }

  private fail(message: string): void {
    const error = { ok: false as const, error: { type: 'WorkerError' as const, message } };
    for (const resolve of this.pending.values()) resolve(error);
    this.pending.clear();
    this.resolveBoot(error);
  }
}
