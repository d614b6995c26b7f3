/**
 * A fresh Pinia for each spec, inside an app that provides the stores' host: events go to
 * an EventTarget of the test's own, and settings stay out of localStorage unless asked.
 */
import { createPinia, setActivePinia } from 'pinia';
import { createApp } from 'vue';
import { HOST, type Host } from '@/app/host';

export function freshStores(host: Partial<Host> = {}): Host {
  const provided: Host = {
    events: new EventTarget(),
    runtimeBase: 'http://studio.test/',
    persistSettings: false,
    engineReady: () => undefined,
    ...host,
  };
  const pinia = createPinia();
  const app = createApp({});
  app.provide(HOST, provided);
  app.use(pinia);
  setActivePinia(pinia);
  return provided;
}
