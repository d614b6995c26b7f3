/**
 * A Runner for store specs: each method records the bridge command it stands for and
 * answers from a handler a test may replace; it pushes the events a test hands it, as an
 * engine would. It is a stand-in for the engine only: the stores under test are the real
 * ones. As the Pyodide runner does, it installs a run's requirements one by one and names
 * the run before its reply; as the HTTP runner does (`kind` http), after.
 */
import type { BridgeCommandName, BridgeCommands, Cron, Hello, NodeShape, Result, Validated } from '@/protocol/bridge';
import type { DescribeCron, EngineEvent, Inspect, ValuesResult } from '@/protocol/events';
import type { EventListener, Following, LocalEngine, RestartState, RunRequest, RunStartHooks, ValuesRequest, DeliverRequest } from '@/runner/Runner';

export const HELLO: Hello = { version: 'test', protocol: 1, python: '3.14', platform: 'test' };

type Handler = (args: never) => Result<unknown> | Promise<Result<unknown>>;

export class FakeRunner implements LocalEngine {
  readonly calls: { cmd: BridgeCommandName; args: Record<string, unknown> }[] = [];
  readonly detached: string[] = [];
  readonly files = new Map<string, ArrayBuffer>();
  starts = 0;
  /** Where Pyodide's own packages come from (named to install). */
  packageBaseURL?: string;
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

  private async call<C extends BridgeCommandName>(cmd: C, args: BridgeCommands[C]['args']): Promise<Result<BridgeCommands[C]['value']>> {
    this.calls.push({ cmd, args: args as Record<string, unknown> });
    const handler = this.handlers[cmd];
    if (!handler) return { ok: false, error: { type: 'BadCommand', message: `no ${cmd} here` } };
    return (await handler(args as never)) as Result<BridgeCommands[C]['value']>;
  }

  private runs = 0;

  async run(request: RunRequest, hooks: RunStartHooks): Promise<Result<{ run: string }>> {
    const { indexUrls, ...start } = request;
    for (const requirement of request.flow.requirements ?? []) {
      hooks.installing?.(requirement);
      const installed = await this.call('install', { requirements: [requirement], index_urls: indexUrls ?? null, package_base_url: this.packageBaseURL ?? null });
      hooks.installed?.(requirement, installed);
      if (!installed.ok) return installed;
    }
    const run = `run-${++this.runs}`;
    if (this.kind === 'pyodide') hooks.named(run);
    const answer = await this.call('run', { ...start, run });
    if (answer.ok && this.kind === 'http') hooks.named(answer.value.run);
    return answer;
  }

  trigger(run: string, node: string, socket?: string): Promise<Result<Record<string, never>>> {
    return this.call('trigger', socket === undefined ? { run, node } : { run, node, socket });
  }

  deliver(request: DeliverRequest): Promise<Result<Record<string, never>>> {
    return this.call('deliver', request);
  }

  values(request: ValuesRequest): Promise<Result<ValuesResult>> {
    return this.call('values', request);
  }

  stop(run: string): Promise<Result<Record<string, never>>> {
    return this.call('stop', { run });
  }

  /** What `follow` answers (by default: the runner does not have the run). */
  following: Result<Following> = { ok: false, error: { type: 'BackendError', message: 'no such run', status: 404 } };
  readonly followed: string[] = [];

  async follow(run: string): Promise<Result<Following>> {
    if (this.following.ok && this.following.value === 'live') this.followed.push(run);
    return this.following;
  }

  inspect(args: Omit<Inspect, 'cmd'>): Promise<Result<NodeShape>> {
    return this.call('inspect', args);
  }

  validate(flow: unknown): Promise<Result<Validated>> {
    return this.call('validate', { flow });
  }

  cron(args: Omit<DescribeCron, 'cmd'>): Promise<Result<Cron>> {
    return this.call('cron', args);
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
