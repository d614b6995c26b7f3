/**
 * The backend target (`headrace serve`): its HttpRunner, made from the URL and token in
 * settings (a new one when they change). Which backend run each tab has live is run
 * state: the run store keeps it (persistence/backendRuns.ts).
 */
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { Hello, Result } from '@/protocol/bridge';
import { HttpRunner, type Connection } from '@/runner/http/HttpRunner';
import { normaliseBase } from '@/runner/http/wire';
import { useSettingsStore } from './settings';

export type { Connection };

export const useBackendStore = defineStore('backend', () => {
  const settings = useSettingsStore();
  const connection = shallowRef<Connection | null>(null);
  const listeners = new Set<(c: Connection) => void>();
  let current: HttpRunner | null = null;
  let madeFor = '';

  /** The runner for the current URL and token (only stores call this). */
  function runner(): HttpRunner {
    const { backendUrl, backendToken } = settings.settings;
    const key = `${normaliseBase(backendUrl)}\u0000${backendToken}`;
    if (!current || madeFor !== key) {
      current?.dispose();
      madeFor = key;
      current = new HttpRunner({
        url: backendUrl,
        token: backendToken,
        onConnection: (c) => {
          connection.value = c;
          for (const listener of listeners) listener(c);
        },
      });
    }
    return current;
  }

  function onConnection(listener: (c: Connection) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Whether the backend answers and takes the token (for the settings dialog). */
  function test(): Promise<Result<Hello>> {
    return runner().start(() => undefined);
  }

  function url(): string {
    return normaliseBase(settings.settings.backendUrl);
  }

  /** The backend's host and port, as the toolbar and the Runs panel name it. */
  const host = computed(() => {
    try {
      return new URL(settings.settings.backendUrl).host;
    } catch {
      return settings.settings.backendUrl;
    }
  });

  return { connection, runner, onConnection, test, url, host };
});
