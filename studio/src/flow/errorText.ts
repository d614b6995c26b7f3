/**
 * The engine's FlowError messages point with JSON paths (`nodes[2].code: …`), which say
 * nothing to someone looking at a canvas: name the node instead.
 */
import type { BridgeError } from '@/protocol/bridge';
import type { FlowDocument } from '@/protocol/flow';

/** The engine's message without its path (`code: SyntaxError…` → `SyntaxError…`). */
export function problemText(error: Pick<BridgeError, 'message' | 'path'>): string {
  const prefix = error.path ? `${error.path}: ` : '';
  return prefix && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

export interface NamedFlowError {
  /** The message with the node's name for its path: `Add: SyntaxError at line 2: …`. */
  text: string;
  /** The id of the node the path points into, if it does. */
  node: string | null;
  /** The fault is in the node's code (fixing the code is what clears it). */
  inCode: boolean;
}

const NODE_PATH = /^nodes\[(\d+)\]((?:\.[A-Za-z_]\w*|\["(?:[^"\\]|\\.)*"\]|\[\d+\])*): /;

/**
 * Name the node a FlowError message points at in `doc` (the document the engine was
 * given). `nodes[N].code: P` becomes `NAME: P`; another field, `NAME (sockets[1]): P`.
 * A node without a name is called by its id; messages that point elsewhere stay as they are.
 */
export function nameFlowError(message: string, doc: Pick<FlowDocument, 'nodes'> | null | undefined): NamedFlowError {
  const match = NODE_PATH.exec(message);
  const node = match ? doc?.nodes[Number(match[1])] : undefined;
  if (!match || !node) return { text: message, node: null, inCode: false };
  const field = (match[2] ?? '').replace(/^\./, '');
  const label = node.name.trim() || node.id;
  const where = field && field !== 'code' ? ` (${field})` : '';
  return { text: `${label}${where}: ${message.slice(match[0].length)}`, node: node.id, inCode: field === 'code' };
}
