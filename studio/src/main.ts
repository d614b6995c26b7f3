import '@quasar/extras/material-icons/material-icons.css';
import 'quasar/src/css/index.sass';
import './app/studio.css';
import { createPinia } from 'pinia';
import { Dialog, Notify, Quasar } from 'quasar';
import { createApp } from 'vue';
import App from './App.vue';
import { bootstrap } from './app/bootstrap';

const app = createApp(App);
app.use(createPinia());
app.use(Quasar, { plugins: { Notify, Dialog } });
app.mount('#app');
void bootstrap();
