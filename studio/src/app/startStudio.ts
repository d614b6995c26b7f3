/** Mount the studio's UI and attach it to an (already booting) engine runner. */
import '@quasar/extras/material-icons/material-icons.css';
import 'quasar/dist/quasar.css';
import './studio.css';
import './dark.css';
import { createPinia } from 'pinia';
import { Dialog, Notify, Quasar } from 'quasar';
import { createApp } from 'vue';
import App from '@/App.vue';
import type { LocalEngine } from '@/runner/Runner';
import { bootstrap } from './bootstrap';
import { registerOffline } from './offline';

export function startStudio(runner: LocalEngine): void {
  const app = createApp(App);
  app.use(createPinia());
  app.use(Quasar, { plugins: { Notify, Dialog } });
  app.mount('#app');
  void bootstrap(runner);
  // Once Python is up: the service worker's first install fetches the whole build.
  addEventListener('headrace:ready', () => registerOffline(), { once: true });
}
