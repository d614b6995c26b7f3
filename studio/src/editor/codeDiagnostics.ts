/**
 * Where a node's problems sit in its code, for the editor's diagnostics: a syntax error
 * the engine read (its `line` and `column`) and, from a run, the line of the node's own
 * code a traceback ends in.
 */
import { problemText } from '@/flow/errorText';
import type { BridgeError } from '@/protocol/bridge';

export { problemText };

export interface CodeDiagnostic {
  /** 1-based line of the node's code. */
  line: number;
  /** 1-based column, when known: the mark then starts there. */
  column?: number;
  severity: 'error' | 'warning';
  message: string;
  /** `syntax`: the code as it is now does not read; `run`: the code raised in a run. */
  source: 'syntax' | 'run';
}

/** The diagnostic of a FlowError in node code that has a line, else null. */
export function syntaxDiagnostic(error: BridgeError | null | undefined): CodeDiagnostic | null {
  if (!error || error.type !== 'FlowError' || typeof error.line !== 'number') return null;
  return {
    line: error.line,
    column: typeof error.column === 'number' && error.column > 0 ? error.column : undefined,
    severity: 'error',
    message: problemText(error),
    source: 'syntax',
  };
}

/**
 * The line of node `nodeId`'s code where a traceback last was: its innermost frame in
 * that node (`File "<node ID: name>", line N`), or null when none of its frames are.
 */
export function tracebackLine(traceback: string, nodeId: string): number | null {
  const frame = /^ {2}File "<node ([^"]*)>", line (\d+)/gm;
  let line: number | null = null;
  for (const match of traceback.matchAll(frame)) {
    const where = match[1] ?? '';
    // The filename is `<node ID: NAME>`: the id ends at the first ': '.
    if (where === nodeId || where.startsWith(`${nodeId}: `)) line = Number(match[2]);
  }
  return line;
}

/** A run error of the node, as a diagnostic on the line it was raised at (or null). */
export function runDiagnostic(
  error: { type: string; message: string; traceback: string; socket?: string | null },
  nodeId: string,
): CodeDiagnostic | null {
  const line = tracebackLine(error.traceback, nodeId);
  if (line === null) return null;
  const where = error.socket ? ` (in ${error.socket})` : '';
  return { line, severity: 'error', message: `${error.type}: ${error.message}${where}`, source: 'run' };
}
