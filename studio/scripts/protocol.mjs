#!/usr/bin/env node
/**
 * The studio's protocol types are generated from the Python protocol (one source of
 * truth): `node studio/scripts/protocol.mjs` rewrites studio/src/protocol/events.ts;
 * with `--check` it fails (exit 1) when the file drifted, for CI.
 * HEADRACE_PYTHON picks the interpreter (default python3; it needs headrace's dependencies).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(repoRoot, 'studio', 'src', 'protocol', 'events.ts');
const generated = execFileSync(process.env.HEADRACE_PYTHON ?? 'python3', ['-m', 'headrace.protocol_ts'], {
  cwd: repoRoot,
  env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'py') },
  encoding: 'utf8',
});

if (process.argv.includes('--check')) {
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current !== generated) {
    console.error('studio/src/protocol/events.ts is out of date: run `npm run protocol`');
    process.exit(1);
  }
  console.log('protocol types up to date');
} else {
  fs.writeFileSync(target, generated);
  console.log(`wrote ${path.relative(repoRoot, target)}`);
}
