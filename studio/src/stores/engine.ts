/**
 * The engine in this browser: its lifecycle and its static questions (inspect, validate,
 * cron). Owns the LocalEngine; the run store borrows it through `runner()`. Usable while the
 * engine boots: anything that needs it awaits `whenReady()`.
 */
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { useHost } from '@/app/host';
import { notice } from '@/app/notices';
import type { BridgeError, Cron, Hello, NodeShape, Result, Validated } from '@/protocol/bridge';
import type { NodeType } from '@/protocol/flow';
import type { BootedFrom, LocalEngine } from '@/runner/Runner';
import { CDN_PACKAGE_BASE } from '@/runner/pyodide/packageBase';

export type EngineStatus = 'off' | 'loading' | 'ready' | 'failed';

/** A node's shape as last derived from its code, or why it could not be. */
export type ShapeEntry = { ok: true; shape: NodeShape } | { ok: false; error: BridgeError };

export function shapeKey(type: NodeType, code: string): string {
  return `${type}\u0000${code}`;
}

export const useEngineStore = defineStore('engine', () => {
  const host = useHost();
  const status = ref<EngineStatus>('off');
  const step = ref('');
  const fraction = ref(0);
  const hello = ref<Hello | null>(null);
  const error = ref<BridgeError | null>(null);
  const bootMs = ref<number | null>(null);
  /** Whether Python was restored from the build's snapshot, or booted (and why not restored). */
  const bootedFrom = ref<BootedFrom | null>(null);
  /** Whether the flow's Python runs at an origin of its own, away from this site's storage. */
  const isolated = ref(true);
  /** Shapes by (type, code): the same code never needs inspecting twice. */
  const shapes = ref<Record<string, ShapeEntry>>({});
  const _runner = shallowRef<LocalEngine | null>(null);
  let ready: Promise<Result<Hello>> | null = null;

  /** Boot `runner` (once). The runner object is kept out of Vue's reactivity. */
  function boot(runner: LocalEngine): Promise<Result<Hello>> {
    if (ready) return ready;
    _runner.value = markRaw(runner);
    status.value = 'loading';
    runner.onIsolation?.((isolation) => {
      isolated.value = isolation === 'opaque';
      if (!isolated.value) {
        notice(
          'warning',
          'Flows run without isolation on this host',
          'It does not allow cross-origin reads of its files (Access-Control-Allow-Origin), so code in a flow could read the flows saved in this browser. Open only flows you trust, or serve the studio with `make studio`.',
        );
      }
    });
    // Stop may restart Python (to halt code that never yields): the engine is briefly away.
    runner.onRestart?.((state) => {
      status.value = state === 'restarting' ? 'loading' : state;
      if (state === 'ready') bootedFrom.value = runner.bootedFrom ?? null;
      if (state === 'restarting') step.value = 'Restarting Python';
      if (state === 'failed') notice('error', 'Python could not be restarted: reload the page to run flows again');
    });
    const started = performance.now();
    ready = runner
      .start((p) => {
        step.value = p.step;
        fraction.value = p.fraction;
      })
      .then((result) => {
        if (result.ok) {
          hello.value = result.value;
          bootedFrom.value = runner.bootedFrom ?? null;
          status.value = 'ready';
          bootMs.value = Math.round(performance.now() - started);
          host.engineReady(result.value);
        } else {
          error.value = result.error;
          status.value = 'failed';
          notice('error', 'Python could not be loaded: flows cannot run', result.error.message);
        }
        return result;
      });
    return ready;
  }

  function whenReady(): Promise<Result<Hello>> {
    return ready ?? Promise.resolve({ ok: false, error: { type: 'WorkerError', message: 'the engine was not started' } });
  }

  function runner(): LocalEngine {
    if (!_runner.value) throw new Error('no runner: call boot first');
    return _runner.value;
  }

  /** Derive a node's sockets and ports from its code (statically; never runs it). */
  /** Questions on their way to the engine, by shape key: a flow of a thousand nodes with
   * the same code asks once, not a thousand times. */
  const inspecting = new Map<string, Promise<ShapeEntry>>();

  function inspect(type: NodeType, code: string): Promise<ShapeEntry> {
    const key = shapeKey(type, code);
    const known = shapes.value[key];
    if (known) return Promise.resolve(known);
    const pending = inspecting.get(key);
    if (pending) return pending;
    const asked = (async (): Promise<ShapeEntry> => {
      const booted = await whenReady();
      if (!booted.ok) return { ok: false, error: booted.error };
      const result = await runner().inspect({ type, code });
      const entry: ShapeEntry = result.ok ? { ok: true, shape: result.value } : { ok: false, error: result.error };
      shapes.value[key] = entry;
      return entry;
    })().finally(() => inspecting.delete(key));
    inspecting.set(key, asked);
    return asked;
  }

  function cachedShape(type: NodeType, code: string): ShapeEntry | undefined {
    return shapes.value[shapeKey(type, code)];
  }

  /** Validate a whole flow; a success also fills the shape cache for its nodes. */
  async function validate(flow: unknown): Promise<Result<Validated>> {
    const booted = await whenReady();
    if (!booted.ok) return { ok: false, error: booted.error };
    const result = await runner().validate(flow);
    if (result.ok) {
      for (const node of result.value.flow.nodes) {
        const shape = result.value.nodes[node.id];
        if (shape) shapes.value[shapeKey(node.type, node.code)] = { ok: true, shape };
      }
    }
    return result;
  }

  /**
   * Check a cron expression (never runs anything): the engine's plain-words reading and
   * the next `count` fire times in `timezone`, or its FlowError.
   */
  async function describeCron(expression: string, timezone: string, count = 3): Promise<Result<Cron>> {
    const booted = await whenReady();
    if (!booted.ok) return { ok: false, error: booted.error };
    return runner().cron({ expression, timezone, count });
  }

  /** Hand a file the user picked to Python in this browser (node code reads it at `path`). */
  async function putFile(name: string, data: ArrayBuffer): Promise<Result<{ path: string }>> {
    const booted = await whenReady();
    if (!booted.ok) return { ok: false, error: booted.error };
    const target = runner();
    if (!target.putFile) return { ok: false, error: { type: 'WorkerError', message: 'this engine takes no files' } };
    return target.putFile(name, data);
  }

  /** Where the in-browser engine loads Pyodide's own packages from (packageBase.ts). */
  function packageBaseURL(): string {
    return _runner.value?.packageBaseURL ?? CDN_PACKAGE_BASE;
  }

  return { status, step, fraction, hello, error, bootMs, bootedFrom, isolated, shapes, boot, whenReady, runner, packageBaseURL, defaultPackageBaseURL: CDN_PACKAGE_BASE, inspect, cachedShape, validate, describeCron, putFile };
});
