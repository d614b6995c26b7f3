#!/usr/bin/env node
/**
 * Runs flows through `headrace.bridge` inside real Pyodide (under Node.js), with the
 * headrace wheel built from this repository, and prints every event as one JSON line.
 *
 *   node tests/pyodide/run_in_pyodide.mjs WHEEL_DIR FLOW.json [FLOW.json ...]
 *
 * WHEEL_DIR holds the headrace wheel and the wheels of its dependencies (the studio
 * build gathers them in studio/generated/wheels). Each flow's events are preceded by {"flow": path}.
 * Nothing is fetched from the network: the wheels are unpacked straight into Pyodide.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadPyodide } from 'pyodide';

const [wheelDir, ...flows] = process.argv.slice(2);
process.on('uncaughtException', (error) => {
  // Pyodide's stack traces quote its minified source: the message is what matters.
  process.stderr.write(`${error.message ?? error}\n`);
  process.exit(1);
});
const pyodide = await loadPyodide({ stdout: () => {}, stderr: (t) => process.stderr.write(t + '\n') });
for (const prefix of ['packaging-', 'cronsim-', 'tzdata-', 'headrace-']) {
  const name = fs.readdirSync(wheelDir).find((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (!name) throw new Error(`no ${prefix}*.whl in ${wheelDir}`);
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(path.join(wheelDir, name))), "wheel");
}
const lines = [];
// The bridge hands over one JSON array of events per publish point: one line each here.
pyodide.globals.set('push_event', (batch) => { for (const event of JSON.parse(batch)) lines.push(JSON.stringify(event)); });
const bridge = pyodide.runPython(`
from headrace.bridge import Bridge
Bridge(push_event)
`);
for (const flow of flows) {
  lines.push(JSON.stringify({ flow }));
  const doc = JSON.parse(fs.readFileSync(flow, 'utf8'));
  // The same sequence a host uses: start a run that triggers every source, wait
  // for it to go idle (or to end on its own: a failed run), stop it.
  const started = JSON.parse(await bridge.handle(JSON.stringify({ cmd: 'run', flow: doc, schedules: false })));
  if (!started.ok) throw new Error(`${flow}: ${started.error.message}`);
  const run = started.value.run;
  while (!lines.some((l) => (l.includes('"run_idle"') || l.includes('"run_stopped"')) && l.includes(run))) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await bridge.handle(JSON.stringify({ cmd: 'stop', run }));
}
process.stdout.write(lines.join('\n') + '\n');
