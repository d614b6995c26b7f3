/// <reference types="vite/client" />
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

/** Names this build of the studio (set by vite.config.ts): a new one is announced once. */
declare const __HEADRACE_BUILD__: string;
