#!/usr/bin/env node
/**
 * Interrupts node code spinning inside real Pyodide (under Node.js) the way the
 * studio's Stop does: another thread writes SIGINT (2) into Pyodide's interrupt
 * buffer while Python runs, and Pyodide runs Python's SIGINT handler.
 *
 *   node tests/pyodide/interrupt_in_pyodide.mjs WHEEL_DIR handler|none
 *
 * `handler`: the host's SIGINT handler calls `Bridge.request_interrupt()` first,
 * so the run takes the KeyboardInterrupt as Stop. `none`: Python's default
 * handler, so it is node code's error. Prints the run's events, one JSON line each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
const [wheelDir, mode] = process.argv.slice(2);
if (!['handler', 'none'].includes(mode)) throw new Error(`mode: handler or none, not ${mode}`);
const pyodide = await loadPyodide({ stdout: () => {}, stderr: (t) => process.stderr.write(t + '\n') });
for (const prefix of ['packaging-', 'cronsim-', 'tzdata-', 'headrace-']) {
  const name = fs.readdirSync(wheelDir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(path.join(wheelDir, name))), 'wheel');
}
const buffer = new Int32Array(new SharedArrayBuffer(4));
pyodide.setInterruptBuffer(buffer);
const lines = [];
const go = new Int32Array(new SharedArrayBuffer(4));
pyodide.globals.set('push_event', (batch) => {
  for (const event of JSON.parse(batch)) {
    lines.push(JSON.stringify(event));
    // The node is about to run (the engine says so before its code does): start the clock.
    if (event.event === 'node_state' && event.node === 'spin' && event.state === 'running') {
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
    }
  }
});
const bridge = pyodide.runPython(`
import signal
from headrace.bridge import Bridge
bridge = Bridge(push_event)
if "${mode}" == "handler":
    def on_sigint(signum, frame):
        bridge.request_interrupt()
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, on_sigint)
bridge
`);
const flow = { headrace: 1, name: 'spin', nodes: [
  // Spins for at most 20 s, so that an interrupt that never arrives fails the test instead of hanging it.
  { id: 'spin', type: 'script', name: 'spin', code: "import time\n\n\ndef f():\n    end = time.perf_counter() + 20\n    while time.perf_counter() < end:\n        pass\n    return 'never stopped'\n" },
], edges: [] };
// Another thread writes SIGINT (2) into the buffer while Python spins on this one: 300 ms
// after the node started running (told through \`go\`), not after a fixed time from here —
// on a loaded machine, starting the run can take longer than any fixed wait, and an
// interrupt that lands in the engine's own start-up is not the node's.
new Worker(
  `const { workerData } = require('node:worker_threads');
   const go = new Int32Array(workerData.go), b = new Int32Array(workerData.buffer);
   Atomics.wait(go, 0, 0, 60000);
   Atomics.wait(b, 0, 0, 300);
   Atomics.store(b, 0, 2);`,
  { eval: true, workerData: { go: go.buffer, buffer: buffer.buffer } },
);
const started = JSON.parse(await bridge.handle(JSON.stringify({ cmd: 'run', flow, schedules: false })));
const run = started.value.run;
const t0 = Date.now();
while (!lines.some((l) => (l.includes('"run_idle"') || l.includes('"run_stopped"')) && l.includes(run)) && Date.now() - t0 < 60000) {
  await new Promise((r) => setTimeout(r, 5));
}
await bridge.handle(JSON.stringify({ cmd: 'stop', run }));
process.stdout.write(lines.join('\n') + '\n');
process.exit(0);
