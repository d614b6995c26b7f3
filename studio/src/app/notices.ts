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
  /**
   * A reactive test of whether the problem is gone (the code fixed, the node deleted): the
   * notice closes itself once it returns true.
   */
  resolved?: () => boolean;
}

type Listener = (notice: Notice) => void;
const listeners = new Set<Listener>();

export function notice(kind: NoticeKind, message: string, detail?: string, resolved?: () => boolean): void {
  for (const listener of listeners) listener({ kind, message, detail, resolved });
}

export function onNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
