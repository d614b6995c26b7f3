/**
 * The bridge's commands and replies (docs/bridge.md). Every reply is a result value;
 * errors are values too, never thrown strings.
 */
import type { FlowDocument, NodeType } from './flow';

export type BridgeErrorType = 'FlowError' | 'BadCommand' | 'RequirementError' | 'InternalError';

/** An error as the engine reports it; `path` is the JSON path for a FlowError. */
export interface BridgeError {
  type: BridgeErrorType | 'WorkerError';
  message: string;
  path?: string | null;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export interface Port {
  /** `<function>.<param>` */
  name: string;
  function: string;
  param: string;
  has_default: boolean;
  /** `repr` of the default, or null. */
  default: string | null;
  sticky: boolean;
}

/** A node's sockets (ending with `error`) and ports, read statically from its code. */
export interface NodeShape {
  sockets: string[];
  ports: Port[];
}

export interface Hello {
  version: string;
  protocol: number;
  python: string;
  platform: string;
}

export interface Validated {
  flow: FlowDocument;
  nodes: Record<string, NodeShape>;
}

/** Commands, tagged by `cmd`, each mapped to the value its success carries. */
export interface BridgeCommands {
  hello: { args: Record<string, never>; value: Hello };
  inspect: { args: { type: NodeType; code: string }; value: NodeShape };
  validate: { args: { flow: unknown }; value: Validated };
  install: { args: { requirements: string[]; index_urls?: string[] }; value: { installed: string[] } };
  run: { args: { flow: FlowDocument; run?: string; trigger?: 'sources' | 'none' }; value: { run: string } };
  trigger: { args: { run: string; node: string; socket?: string }; value: Record<string, never> };
  stop: { args: { run: string }; value: Record<string, never> };
}

export type BridgeCommandName = keyof BridgeCommands;
export type BridgeCommand<C extends BridgeCommandName = BridgeCommandName> = { cmd: C } & BridgeCommands[C]['args'];
