// Hand-written from py/headrace/protocol.py until `python -m headrace.protocol_ts`
// generates this file; keep names identical so the generated file drops in.

/** What a node is doing, as the canvas shows it. */
export type NodeState = 'idle' | 'waiting' | 'running' | 'done' | 'error';

/** The life of a run. `stopped` is the only terminal state. */
export type RunState = 'running' | 'idle' | 'stopped';

/** How many of a function's required ports hold a value. */
export interface Held {
  held: number;
  required: number;
}

/** A run began. `nodes` is the number of nodes in the flow. */
export interface RunStarted {
  event: 'run_started';
  run: string;
  flow: string;
  nodes: number;
}

/** A node moved to another state; `functions` holds per-function counts of a script node. */
export interface NodeStateChanged {
  event: 'node_state';
  run: string;
  node: string;
  state: NodeState;
  functions: Record<string, Held>;
}

/** A value left a socket: JSON where it can be, else its `repr` (and `repr` is true). */
export interface Emit {
  event: 'emit';
  run: string;
  node: string;
  socket: string;
  value: unknown;
  repr: boolean;
  seq: number;
}

/** Text a node wrote to stdout or stderr. */
export interface Output {
  event: 'output';
  run: string;
  node: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Node code raised; `socket` is the failing function/socket, null if the module failed. */
export interface NodeError {
  event: 'node_error';
  run: string;
  node: string;
  socket: string | null;
  type: string;
  message: string;
  traceback: string;
  routed: boolean;
}

/** Nothing is left to do until something is triggered again; counts are run totals. */
export interface RunIdle {
  event: 'run_idle';
  run: string;
  emitted: number;
  errors: number;
  unrouted_errors: number;
  elapsed_ms: number;
}

/** The run ended. */
export interface RunStopped {
  event: 'run_stopped';
  run: string;
  reason: 'stopped' | 'finished' | 'failed';
  message: string | null;
}

export type EngineEvent = RunStarted | NodeStateChanged | Emit | Output | NodeError | RunIdle | RunStopped;

export type EngineEventName = EngineEvent['event'];
