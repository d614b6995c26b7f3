/**
 * The one door from the studio's stores to an engine. The Pyodide runner hosts the engine
 * in a Web Worker; the HTTP runner hands runs to a backend server (`headrace serve`).
 * Components never import a runner: only stores do.
 */
import type { BridgeCommandName, BridgeCommands, Hello, Result } from '@/protocol/bridge';
import type { EngineEvent } from '@/protocol/events';

/** Boot progress, for the loading indicator. `fraction` runs from 0 to 1. */
export interface BootProgress {
  step: string;
  fraction: number;
}

export type CommandArgs<C extends BridgeCommandName> = BridgeCommands[C]['args'];
export type CommandValue<C extends BridgeCommandName> = BridgeCommands[C]['value'];

/** Receives events in batches (a flow may emit 100k events; one reactive update per batch). */
export type EventListener = (events: EngineEvent[]) => void;

/** An engine that had to be restarted (to stop code that never yields) goes through these. */
export type RestartState = 'restarting' | 'ready' | 'failed';

export interface Runner {
  readonly kind: 'pyodide' | 'http';
  /** Boot the engine; resolves once it answered `hello`. Safe to call once. */
  start(onProgress: (progress: BootProgress) => void): Promise<Result<Hello>>;
  /** Send one bridge command; never rejects — failures are `{ok: false}` values. */
  call<C extends BridgeCommandName>(cmd: C, args: CommandArgs<C>): Promise<Result<CommandValue<C>>>;
  /** Start receiving events; events produced before the first subscriber are buffered. */
  subscribe(listener: EventListener): () => void;
  /**
   * Runners hosting Python in this browser say where it runs: `opaque` (an origin of its
   * own, away from this site's storage) or `same-origin` (the host did not allow it).
   */
  onIsolation?(listener: (isolation: 'opaque' | 'same-origin') => void): () => void;
  /** Runners hosting Python in this browser load Pyodide's own packages from here. */
  readonly packageBaseURL?: string;
  /** Runners that follow runs elsewhere stop following one (it goes on there). */
  detach?(run: string): void;
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
