/**
 * What the page hosting the stores provides. The studio owns its whole page; an embed
 * (`<headrace-flow>`) is a guest in someone else's, and several share one page. The
 * stores read these through `inject` (Pinia runs setup stores in their app's context),
 * so one set of stores serves both.
 */
import { inject, type InjectionKey } from 'vue';
import type { Hello } from '@/protocol/bridge';

export interface Host {
  /** Where `headrace:*` events are dispatched: the window, or the embed's element. */
  events: EventTarget;
  /** The folder holding `wheels/` (our wheelhouse, for micropip). */
  runtimeBase: string;
  /**
   * Whether preferences live in localStorage, and runs are kept in the run history
   * (IndexedDB). An embed must not read the studio's preferences (the run target, the
   * backend token) nor write into its host's storage.
   */
  persistSettings: boolean;
  /** The engine answered `hello`. The studio announces it; an embed waits for its flow. */
  engineReady(hello: Hello): void;
}

export const HOST: InjectionKey<Host> = Symbol('headrace-host');

/** The studio's host: the whole window. Also the default when nothing was provided (tests). */
export function studioHost(): Host {
  return {
    events: window,
    runtimeBase: document.baseURI,
    persistSettings: true,
    engineReady: (hello) => window.dispatchEvent(new CustomEvent('headrace:ready', { detail: hello })),
  };
}

/** The host of the stores being set up (call inside a setup store or component setup). */
export function useHost(): Host {
  return inject(HOST, null) ?? studioHost();
}
