/**
 * User-facing notices raised by stores (a refused connection, a bad file). Stores must not
 * depend on UI widgets, so they publish here and the app shell shows them.
 */
export type NoticeKind = 'info' | 'warning' | 'error' | 'success';

export interface Notice {
  kind: NoticeKind;
  message: string;
  /** Longer detail, e.g. the engine's FlowError text. */
  detail?: string;
}

type Listener = (notice: Notice) => void;
const listeners = new Set<Listener>();

export function notice(kind: NoticeKind, message: string, detail?: string): void {
  for (const listener of listeners) listener({ kind, message, detail });
}

export function onNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
