/**
 * The bridge's commands and replies (docs/bridge.md). The command → result map and every
 * shape in it are generated from the Python (events.ts); this adds only what the studio
 * itself can fail with. Every reply is a result value; errors are values too, never
 * thrown strings.
 */
import type { BridgeCommandName, BridgeCommands, CronResult, ErrorInfo, HelloResult, NodeShapeInfo, PortInfo, ValidateResult } from './events';

export type { BridgeCommandName, BridgeCommands };

/**
 * An error as the engine reports it; and two the studio's side makes up: `WorkerError`
 * when the worker itself failed, `BackendError` when a backend server refused or could
 * not be reached (`status`: its HTTP status, absent when nothing answered).
 */
export type BridgeError = Partial<Omit<ErrorInfo, 'type' | 'message'>> & {
  type: ErrorInfo['type'] | 'WorkerError' | 'BackendError';
  message: string;
  status?: number;
};

export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

// Shorter names the studio uses for generated results.
export type Port = PortInfo;
export type NodeShape = NodeShapeInfo;
export type Hello = HelloResult;
export type Cron = CronResult;
export type Validated = ValidateResult;
