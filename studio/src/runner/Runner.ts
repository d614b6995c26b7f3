/**
 * The one door from the studio's stores to an engine. The Pyodide runner hosts the engine
 * in a Web Worker; the HTTP runner hands runs to a backend server (`headrace serve`).
 * Both do the whole job of a run — make its id, install what it needs, start it, trigger
 * its nodes, page its values, stop it however stopping takes, follow it again later — so
 * the run store never asks which one it has. Questions answered without running anything
 * (a node's shape, a flow's validity, a cron expression) are another interface,
 * `StaticEngine`, which only an engine in this browser answers.
 * Components never import a runner: only stores do.
 */
import type { Cron, Hello, NodeShape, Result, Validated } from '@/protocol/bridge';
import type { BridgeCommands, DescribeCron, EngineEvent, InstallResult, Inspect, ValuesResult } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';

/** Boot progress, for the loading indicator. `fraction` runs from 0 to 1. */
export interface BootProgress {
  step: string;
  fraction: number;
}

/** Receives events in batches (a flow may emit 100k events; one reactive update per batch). */
export type EventListener = (events: EngineEvent[]) => void;

/** How an engine in this browser came up: restored from the memory snapshot this browser
 * keeps of it, or booted (and, when a snapshot was there but unusable, why — said in the
 * engine status). */
export interface BootedFrom {
  from: 'snapshot' | 'boot';
  note: string | null;
}

/** An engine that had to be restarted (to stop code that never yields) goes through these. */
export type RestartState = 'restarting' | 'ready' | 'failed';

type StartArgs = Omit<BridgeCommands['run']['args'], 'run' | 'flow'>;

/** A run to start: the flow, and how the engine should run and report it. */
export interface RunRequest extends StartArgs {
  flow: FlowDocument;
  /**
   * Where a runner that installs the flow's requirements itself (in this browser) looks
   * for them, in order; a backend checks them against what its operator installed.
   */
  indexUrls?: string[];
}

/** What a runner tells while it starts a run, for the run's messages. */
export interface RunStartHooks {
  /** The run's id, as soon as it is known and before any of its events are delivered. */
  named(run: string): void;
  /** A requirement is being made importable (runners that install them). */
  installing?(requirement: string): void;
  /** …and how that went (a failure: the run does not start, and `run` answers the same error). */
  installed?(requirement: string, result: Result<InstallResult>): void;
}

/** Values to send out of a socket again (a replay). */
export type DeliverRequest = BridgeCommands['deliver']['args'];

/** A page of a socket's kept values (a live run's, or one of the last that stopped). */
export type ValuesRequest = BridgeCommands['values']['args'];

/** Whether a run followed again is still going (`live`) or was over already (`over`). */
export type Following = 'live' | 'over';

export interface Runner {
  readonly kind: 'pyodide' | 'http';
  /** Boot the engine (or reach the server); resolves once it answered. Safe to call again. */
  start(onProgress: (progress: BootProgress) => void): Promise<Result<Hello>>;
  /**
   * Start a run; it stays alive, for triggers and schedules, until stopped. Never rejects:
   * a run that cannot start answers `{ok: false}` (its requirements, its flow, the server).
   */
  run(request: RunRequest, hooks: RunStartHooks): Promise<Result<{ run: string }>>;
  /** Fire a node, or one of its sockets, in a live run. */
  trigger(run: string, node: string, socket?: string): Promise<Result<Record<string, never>>>;
  /**
   * Send recorded values out of a node's socket in a live run again, in order, without
   * running the node (a replay: the nodes downstream run with the run's code).
   */
  deliver(request: DeliverRequest): Promise<Result<Record<string, never>>>;
  values(request: ValuesRequest): Promise<Result<ValuesResult>>;
  /**
   * End a run, however that takes: the engine's own stop, then (in this browser) an
   * interrupt, then a restarted engine; the run's own events say how it ended.
   */
  stop(run: string, message?: string): Promise<Result<Record<string, never>>>;
  /**
   * Show run `run` again (after a reload, in a second page): its events come from the
   * start, through `subscribe`, when it is `live`. The caller is ready for them first.
   * A run the runner does not have answers an error with `status` 404.
   */
  follow(run: string): Promise<Result<Following>>;
  /** Stop following a run (it goes on where it runs). */
  detach(run: string): void;
  /** Start receiving events; events produced before the first subscriber are buffered. */
  subscribe(listener: EventListener): () => void;
  /**
   * Runners hosting Python in this browser say where it runs: `opaque` (an origin of its
   * own, away from this site's storage) or `same-origin` (the host did not allow it).
   */
  onIsolation?(listener: (isolation: 'opaque' | 'same-origin') => void): () => void;
  /** Runners hosting Python in this browser load Pyodide's own packages from here. */
  readonly packageBaseURL?: string;
  /** Runners hosting Python in this browser: how it came up, once it has. */
  readonly bootedFrom?: BootedFrom | null;
  /**
   * Runners hosting Python in this browser take files the user picked: node code reads
   * them at the returned `path` (`files/<name>`, relative to its working directory). They
   * stay for the page's life, a restarted engine included.
   */
  putFile?(name: string, data: ArrayBuffer): Promise<Result<{ path: string }>>;
  /** Runners that may restart their engine report it (the HTTP runner never does). */
  onRestart?(listener: (state: RestartState) => void): () => void;
  dispose(): void;
}

/** The questions an engine answers from code alone, never running it. */
export interface StaticEngine {
  inspect(args: Omit<Inspect, 'cmd'>): Promise<Result<NodeShape>>;
  /** `flow` is whatever the user gave: the engine decides whether it is a flow. */
  validate(flow: unknown): Promise<Result<Validated>>;
  cron(args: Omit<DescribeCron, 'cmd'>): Promise<Result<Cron>>;
}

/** An engine in this browser: it runs flows and answers the static questions. */
export type LocalEngine = Runner & StaticEngine;
