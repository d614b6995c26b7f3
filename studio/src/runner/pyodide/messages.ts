/**
 * The wire between the UI thread and the Pyodide worker. Requests carry ids and get one
 * reply each; events are pushed separately, in batches, as one JSON array text (a single
 * JSON.parse on the UI side is much cheaper than structured-cloning thousands of objects).
 */
import type { BridgeError, Hello } from '@/protocol/bridge';
import type { BootedFrom } from '../Runner';

export interface BootMessage {
  type: 'boot';
  /** Absolute URL of the directory holding Pyodide's core files. */
  indexURL: string;
  /** Absolute URL of the wheel directory (manifest.json, *.whl, simple/). */
  wheelsURL: string;
  /**
   * Absolute URL of the folder Pyodide's own packages are loaded from (laid out like its
   * distribution: `pyodide-lock.json` and the files it names); see packageBase.ts.
   */
  packageBaseURL: string;
  /**
   * Pyodide's interrupt buffer (one Int32 in a SharedArrayBuffer), when the page is
   * cross-origin isolated: the UI writes 2 (SIGINT) to raise KeyboardInterrupt in Python
   * that is busy and cannot read messages.
   */
  interrupt?: Int32Array;
  /**
   * Whether to use a memory snapshot of the engine this browser keeps (see
   * persistence/engineSnapshot.ts). Then the worker waits for a SnapshotMessage before it
   * starts Python: it restores what that brings, or boots and offers the page a snapshot.
   */
  snapshots: boolean;
}

/**
 * The snapshot kept under `key` (null when there is none), sent after the boot message:
 * reading it must not hold up the worker's own fetches. `key` is null when the page could
 * not tell which engine the build has: Python then boots without snapshots.
 */
export interface SnapshotMessage {
  type: 'snapshot';
  key: string | null;
  bytes: Blob | null;
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

/**
 * A file the user picked, for node code: the worker writes it to `files/<name>` in
 * Python's working directory and replies `{ok, value: {path}}` like a request.
 */
export interface FileMessage {
  type: 'file';
  id: number;
  /** A plain file name: no folder, not `.` or `..`. */
  name: string;
  data: ArrayBuffer;
}

/** The answer to a NeedFileMessage: the file's bytes, or null when the page has none either. */
export interface CachedFileMessage {
  type: 'cached_file';
  id: number;
  /** The HTTP status; 0 when the page has no answer either (the worker's fetch then fails). */
  status: number;
  bytes: ArrayBuffer | null;
  contentType: string;
}

/** The hosts packages come from (the package base, the indexes): the worker fetches from
 * them through the page, which keeps what it fetched for offline use (offline/files.ts). */
export interface PackageOriginsMessage {
  type: 'package_origins';
  origins: string[];
}

export type ToWorker = BootMessage | SnapshotMessage | RequestMessage | SubscribeMessage | FileMessage | CachedFileMessage | PackageOriginsMessage;

export interface ProgressMessage {
  type: 'progress';
  step: string;
  fraction: number;
}

export interface ReadyMessage {
  type: 'ready';
  hello: Hello;
  booted: BootedFrom;
}

/**
 * A memory snapshot of Python with the engine imported and no flow's code run yet, made
 * on a boot without one, for the page to keep under `key`. Only taken before `ready`: after
 * it, flow code has run in the worker and could post one of its own making.
 */
export interface SnapshotMadeMessage {
  type: 'snapshot_made';
  key: string;
  bytes: ArrayBuffer;
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
  /** A JSON array of events, in engine order: one publish point of a run. */
  batch: string;
}

/**
 * One of the site's own files (Pyodide, a wheel) that the worker could not fetch, offline:
 * the page answers from the site's offline cache (the worker, at an origin of its own, has
 * no cache and no service worker to answer for it).
 */
export interface NeedFileMessage {
  type: 'need_file';
  id: number;
  url: string;
  /** `site`: one of the site's files, from the offline cache; `package`: from a package host. */
  kind: 'site' | 'package';
  method: 'GET' | 'HEAD';
}

export type FromWorker = NeedFileMessage | ProgressMessage | ReadyMessage | SnapshotMadeMessage | BootFailedMessage | ReplyMessage | EventsMessage;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isBridgeError = (x: unknown): boolean => isRecord(x) && isString(x.type) && isString(x.message);
const isBootedFrom = (x: unknown): boolean =>
  isRecord(x) && (x.from === 'snapshot' || x.from === 'boot') && (x.note === null || isString(x.note));

/**
 * `data` if it is a well-formed message from the worker, else null. The worker runs the
 * flow's Python, so what it posts is checked before the UI acts on it (a reply for a
 * request id that was never sent, say, is dropped by the runner).
 */
export function readFromWorker(data: unknown): FromWorker | null {
  if (!isRecord(data)) return null;
  switch (data.type) {
    case 'progress':
      return isString(data.step) && isNumber(data.fraction) ? (data as unknown as ProgressMessage) : null;
    case 'ready':
      return isRecord(data.hello) && isString(data.hello.version) && isBootedFrom(data.booted) ? (data as unknown as ReadyMessage) : null;
    case 'need_file':
      return isNumber(data.id) && isString(data.url) && (data.kind === 'site' || data.kind === 'package') && (data.method === 'GET' || data.method === 'HEAD')
        ? (data as unknown as NeedFileMessage)
        : null;
    case 'snapshot_made':
      return isString(data.key) && data.bytes instanceof ArrayBuffer ? (data as unknown as SnapshotMadeMessage) : null;
    case 'boot_failed':
      return isBridgeError(data.error) ? (data as unknown as BootFailedMessage) : null;
    case 'reply':
      return isNumber(data.id) && isString(data.result) ? (data as unknown as ReplyMessage) : null;
    case 'events':
      return isString(data.batch) ? (data as unknown as EventsMessage) : null;
    default:
      return null;
  }
}

/** The events in a batch's JSON text that have an `event` tag and a `run` (others are dropped). */
export function readEventBatch(batch: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(batch);
  } catch {
    return [];
  }
  return Array.isArray(parsed) ? parsed.filter((ev) => isRecord(ev) && isString(ev.event) && isString(ev.run)) : [];
}
