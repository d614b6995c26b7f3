/**
 * The wire between the UI thread and the Pyodide worker. Requests carry ids and get one
 * reply each; events are pushed separately, in batches, as one JSON array text (a single
 * JSON.parse on the UI side is much cheaper than structured-cloning thousands of objects).
 */
import type { BridgeError, Hello } from '@/protocol/bridge';

export interface BootMessage {
  type: 'boot';
  /** Absolute URL of the directory holding Pyodide's core files. */
  indexURL: string;
  /** Absolute URL of the wheel directory (manifest.json, *.whl, simple/). */
  wheelsURL: string;
  /**
   * Pyodide's interrupt buffer (one Int32 in a SharedArrayBuffer), when the page is
   * cross-origin isolated: the UI writes 2 (SIGINT) to raise KeyboardInterrupt in Python
   * that is busy and cannot read messages.
   */
  interrupt?: Int32Array;
}

export interface RequestMessage {
  type: 'request';
  id: number;
  /** One bridge command as JSON text. */
  command: string;
}

/** The UI is ready to consume events: the worker stops holding them back. */
export interface SubscribeMessage {
  type: 'subscribe';
}

export type ToWorker = BootMessage | RequestMessage | SubscribeMessage;

export interface ProgressMessage {
  type: 'progress';
  step: string;
  fraction: number;
}

export interface ReadyMessage {
  type: 'ready';
  hello: Hello;
}

export interface BootFailedMessage {
  type: 'boot_failed';
  error: BridgeError;
}

export interface ReplyMessage {
  type: 'reply';
  id: number;
  /** The bridge's reply as JSON text: `{ok, value}` or `{ok: false, error}`. */
  result: string;
}

export interface EventsMessage {
  type: 'events';
  /** A JSON array of events, in engine order. */
  batch: string;
  count: number;
}

export type FromWorker = ProgressMessage | ReadyMessage | BootFailedMessage | ReplyMessage | EventsMessage;
