/**
 * A Runner for store specs: it answers commands from handlers a test may replace, records
 * every call, and pushes the events a test hands it, as an engine would. It is a stand-in
 * for the engine only: the stores under test are the real ones.
 */
import type { BridgeCommandName, Hello, Result } from '@/protocol/bridge';
import type { EngineEvent } from '@/protocol/events';
import type { CommandArgs, CommandValue, EventListener, RestartState, Runner } from '@/runner/Runner';

export const HELLO: Hello = { version: 'test', protocol: 1, python: '3.14', platform: 'test' };

type Handler = (args: never) => Result<unknown> | Promise<Result<unknown>>;

export class FakeRunner implements Runner {
  readonly calls: { cmd: BridgeCommandName; args: Record<string, unknown> }[] = [];
  readonly detached: string[] = [];
  readonly files = new Map<string, ArrayBuffer>();
  starts = 0;
  disposed = false;
  /** What `start` answers (an engine that cannot boot: a failure). */
  hello: Result<Hello> = { ok: true, value: HELLO };
  /** Per command, the answer; commands without one answer `BadCommand`. */
  readonly handlers: Partial<Record<BridgeCommandName, Handler>> = {
    run: (args: { run: string }) => ({ ok: true, value: { run: args.run } }),
    stop: (args: { run: string }) => {
      this.push([{ event: 'run_stopped', run: args.run, reason: 'stopped', message: null }]);
      return { ok: true, value: {} };
    },
    trigger: () => ({ ok: true, value: {} }),
    install: (args: { requirements: string[] }) => ({ ok: true, value: { installed: args.requirements } }),
  };
  private readonly listeners = new Set<EventListener>();
  private readonly restartListeners = new Set<(state: RestartState) => void>();
  private readonly isolationListeners = new Set<(isolation: 'opaque' | 'same-origin') => void>();

  constructor(readonly kind: 'pyodide' | 'http' = 'pyodide') {}

  async start(onProgress: (progress: { step: string; fraction: number }) => void): Promise<Result<Hello>> {
    this.starts += 1;
    onProgress({ step: 'Booting', fraction: 0.5 });
    return this.hello;
  }

  async call<C extends BridgeCommandName>(cmd: C, args: CommandArgs<C>): Promise<Result<CommandValue<C>>> {
    this.calls.push({ cmd, args: args as Record<string, unknown> });
    const handler = this.handlers[cmd];
    if (!handler) return { ok: false, error: { type: 'BadCommand', message: `no ${cmd} here` } };
    return (await handler(args as never)) as Result<CommandValue<C>>;
  }

  /** The arguments of each call of `cmd`, in order. */
  callsOf(cmd: BridgeCommandName): Record<string, unknown>[] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Deliver a batch of events to every subscriber. */
  push(events: EngineEvent[]): void {
    for (const listener of this.listeners) listener(events);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  onRestart(listener: (state: RestartState) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  restart(state: RestartState): void {
    for (const listener of this.restartListeners) listener(state);
  }

  onIsolation(listener: (isolation: 'opaque' | 'same-origin') => void): () => void {
    this.isolationListeners.add(listener);
    return () => this.isolationListeners.delete(listener);
  }

  isolation(isolation: 'opaque' | 'same-origin'): void {
    for (const listener of this.isolationListeners) listener(isolation);
  }

  async putFile(name: string, data: ArrayBuffer): Promise<Result<{ path: string }>> {
    this.files.set(name, data);
    return { ok: true, value: { path: `files/${name}` } };
  }

  detach(run: string): void {
    this.detached.push(run);
  }

  dispose(): void {
    this.disposed = true;
  }
}
