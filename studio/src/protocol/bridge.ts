/**
 * The bridge's commands and replies (docs/bridge.md), typed from the generated protocol
 * (events.ts). Every reply is a result value; errors are values too, never thrown strings.
 */
import type {
  CronResult,
  DescribeCron,
  ErrorInfo,
  HelloResult,
  Inspect,
  Install,
  InstallResult,
  NodeShapeInfo,
  PortInfo,
  ReadValues,
  RunResultInfo,
  StartRun,
  StopRun,
  TriggerNode,
  ValuesResult,
} from './events';
import type { FlowDocument } from './flow';

/**
 * An error as the engine reports it; `WorkerError` when the worker itself failed;
 * `BackendError` when a backend server refused or could not be reached (`status`: its
 * HTTP status, absent when nothing answered).
 */
export type BridgeError = Partial<Omit<ErrorInfo, 'type' | 'message'>> & {
  type: ErrorInfo['type'] | 'WorkerError' | 'BackendError';
  message: string;
  status?: number;
};

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export type Port = PortInfo;
export type NodeShape = NodeShapeInfo;
export type Hello = HelloResult;
export type Cron = CronResult;

export interface Validated {
  flow: FlowDocument;
  nodes: Record<string, NodeShape>;
}

type Args<C extends { cmd: string }> = Omit<C, 'cmd'>;

/** Commands, tagged by `cmd`, each with its arguments and the value its success carries. */
export interface BridgeCommands {
  hello: { args: Record<string, never>; value: Hello };
  inspect: { args: Args<Inspect>; value: NodeShape };
  /** `flow` is whatever the user gave us: the engine decides whether it is a flow. */
  validate: { args: { flow: unknown }; value: Validated };
  cron: { args: Args<DescribeCron>; value: CronResult };
  install: { args: Args<Install>; value: InstallResult };
  run: { args: Omit<Args<StartRun>, 'flow'> & { flow: FlowDocument }; value: RunResultInfo };
  trigger: { args: Args<TriggerNode>; value: Record<string, never> };
  /** A page of a socket's kept values (a live run's, or one of the last that stopped). */
  values: { args: Args<ReadValues>; value: ValuesResult };
  stop: { args: Args<StopRun>; value: Record<string, never> };
}

export type BridgeCommandName = keyof BridgeCommands;
