#!/usr/bin/env node
/**
 * Gathers everything the browser needs to run Python from our own origin (never a CDN)
 * into `studio/generated/` — the build copies it into `dist/`, the dev server serves it:
 *
 *   pyodide/            Pyodide's core files, copied from node_modules/pyodide
 *   wheels/             micropip + packaging (the versions Pyodide's lock pins), the
 *                       headrace wheel built from this repository, and every pure-Python
 *                       requirement (with its dependencies) of the flows in templates/flows/
 *   wheels/simple/      a static PEP 503 index over those wheels, for micropip's index_urls
 *   wheels/manifest.json  the file names the worker loads at boot
 *
 * Environment: HEADRACE_PYTHON (default python3) runs pip; HEADRACE_PROJECT_DIR (default:
 * the repository root) is where the headrace pyproject.toml lives; EXTRA_WHEEL_REQUIREMENTS
 * (comma-separated PEP 508 strings) adds wheels to the wheelhouse beside the templates' ones;
 * PYODIDE_PACKAGES_DIR (a folder of Pyodide's distribution, e.g. an unpacked
 * pyodide-<version>.tar.bz2) self-hosts the package files in it that our lock file names,
 * beside Pyodide's core: the worker loads those from here, before the package base URL.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = path.join(repoRoot, 'studio', 'generated');
const pyodideSrc = path.join(repoRoot, 'node_modules', 'pyodide');
const python = process.env.HEADRACE_PYTHON ?? 'python3';
const projectDir = process.env.HEADRACE_PROJECT_DIR ?? repoRoot;

/** Pyodide's runtime files; the .d.ts, maps and demo consoles stay behind. */
const PYODIDE_FILES = [
  'pyodide.mjs',
  'pyodide.asm.mjs',
  'pyodide.asm.wasm',
  'python_stdlib.zip',
  'pyodide-lock.json',
  'package.json',
];

/** headrace dependencies the worker loads only when a command needs them. */
const LAZY_PROJECTS = ['tzdata'];

function log(message) {
  console.log(`[prepare-python] ${message}`);
}

function pip(args) {
  execFileSync(python, ['-m', 'pip', ...args, '--disable-pip-version-check', '--quiet'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** PEP 503 normalised project name: what micropip asks the index for. */
function canonicalName(name) {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function wheelProject(fileName) {
  return canonicalName(fileName.split('-')[0]);
}

function sha256(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function copyPyodide() {
  const dest = path.join(outDir, 'pyodide');
  fs.mkdirSync(dest, { recursive: true });
  for (const name of PYODIDE_FILES) fs.copyFileSync(path.join(pyodideSrc, name), path.join(dest, name));
  const version = JSON.parse(fs.readFileSync(path.join(pyodideSrc, 'package.json'), 'utf8')).version;
  log(`pyodide ${version} core copied`);
  return version;
}

/** Package files of Pyodide's distribution served beside its core (see PYODIDE_PACKAGES_DIR). */
function selfHostPyodidePackages() {
  const dest = path.join(outDir, 'pyodide');
  const lock = JSON.parse(fs.readFileSync(path.join(pyodideSrc, 'pyodide-lock.json'), 'utf8'));
  const named = new Set(Object.values(lock.packages).map((p) => p.file_name));
  const from = process.env.PYODIDE_PACKAGES_DIR;
  if (from) {
    for (const file of fs.readdirSync(from).filter((f) => named.has(f))) fs.copyFileSync(path.join(from, file), path.join(dest, file));
  }
  const files = fs.readdirSync(dest).filter((f) => named.has(f)).sort();
  log(`self-hosted Pyodide packages: ${files.length ? files.join(', ') : 'none (all from the package base URL)'}`);
  return files;
}

/** micropip and packaging at the exact versions Pyodide's lock file names. */
function fetchBootWheels(wheelDir) {
  const lock = JSON.parse(fs.readFileSync(path.join(pyodideSrc, 'pyodide-lock.json'), 'utf8'));
  const pins = ['micropip', 'packaging'].map((name) => `${name}==${lock.packages[name].version}`);
  const cached = pins.every((pin) => {
    const [name, version] = pin.split('==');
    return fs.existsSync(path.join(wheelDir, `${name}-${version}-py3-none-any.whl`));
  });
  if (!cached) {
    pip(['download', '--only-binary=:all:', '--python-version', '3.14', '--no-deps', ...pins, '-d', wheelDir]);
  }
  return Object.fromEntries(
    pins.map((pin) => {
      const [name, version] = pin.split('==');
      return [name, `${name}-${version}-py3-none-any.whl`];
    }),
  );
}

function buildHeadraceWheel(wheelDir) {
  if (!fs.existsSync(path.join(projectDir, 'pyproject.toml'))) {
    log(`WARNING: no pyproject.toml in ${projectDir}; the build has no headrace wheel`);
    return null;
  }
  const tmp = fs.mkdtempSync(path.join(outDir, '.headrace-'));
  try {
    pip(['wheel', '--no-deps', '-w', tmp, projectDir]);
    const built = fs.readdirSync(tmp).find((f) => f.startsWith('headrace-') && f.endsWith('.whl'));
    if (!built) throw new Error('pip wheel produced no headrace wheel');
    for (const old of fs.readdirSync(wheelDir)) {
      if (old.startsWith('headrace-')) fs.rmSync(path.join(wheelDir, old));
    }
    fs.renameSync(path.join(tmp, built), path.join(wheelDir, built));
    log(`built ${built}`);
    return built;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * headrace's own dependencies, resolved here at build time so the worker can load every
 * boot wheel in one parallel `loadPackage` call (no index look-ups, no network at boot).
 * packaging is left out: the boot loads the version Pyodide's lock pins.
 */
function fetchHeadraceDependencies(wheelDir, headrace) {
  const tmp = fs.mkdtempSync(path.join(outDir, '.deps-'));
  try {
    pip([
      'download', '--only-binary=:all:', '--python-version', '3.14', '--platform', 'any',
      '--implementation', 'py', '-d', tmp, path.join(wheelDir, headrace),
    ]);
    const files = fs.readdirSync(tmp).filter((f) => f.endsWith('.whl') && !f.startsWith('headrace-') && wheelProject(f) !== 'packaging');
    for (const file of files) fs.copyFileSync(path.join(tmp, file), path.join(wheelDir, file));
    log(`headrace dependencies: ${files.join(', ') || 'none'}`);
    return files.sort();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Requirements of every template flow, so the templates run offline. */
function templateRequirements() {
  const dir = path.join(repoRoot, 'templates', 'flows');
  const requirements = new Set();
  if (fs.existsSync(dir)) {
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      try {
        const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
        for (const req of flow.requirements ?? []) requirements.add(String(req));
      } catch (error) {
        log(`WARNING: skipping ${file}: ${error.message}`);
      }
    }
  }
  for (const req of (process.env.EXTRA_WHEEL_REQUIREMENTS ?? '').split(',')) {
    if (req.trim()) requirements.add(req.trim());
  }
  return [...requirements].sort();
}

function fetchRequirementWheels(wheelDir, requirements) {
  if (requirements.length === 0) return;
  // --platform any keeps the wheelhouse pure Python: a compiled requirement fails here,
  // at build time, with pip naming it, rather than in a user's browser.
  pip([
    'download', '--only-binary=:all:', '--python-version', '3.14', '--platform', 'any',
    '--implementation', 'py', '-d', wheelDir, ...requirements,
  ]);
  log(`wheelhouse: ${requirements.map((r) => path.basename(r)).join(', ')} (with dependencies)`);
}

/** A static PEP 503 index: wheels/simple/<project>/index.html, one link per wheel. */
function writeSimpleIndex(wheelDir) {
  const simple = path.join(wheelDir, 'simple');
  fs.rmSync(simple, { recursive: true, force: true });
  const byProject = new Map();
  for (const file of fs.readdirSync(wheelDir).filter((f) => f.endsWith('.whl'))) {
    const project = wheelProject(file);
    byProject.set(project, [...(byProject.get(project) ?? []), file]);
  }
  for (const [project, files] of byProject) {
    fs.mkdirSync(path.join(simple, project), { recursive: true });
    const links = files
      .map((f) => `<a href="../../${f}#sha256=${sha256(path.join(wheelDir, f))}">${f}</a><br>`)
      .join('\n');
    fs.writeFileSync(
      path.join(simple, project, 'index.html'),
      `<!DOCTYPE html>\n<html><body>\n${links}\n</body></html>\n`,
    );
  }
  return [...byProject.keys()].sort();
}

/** The key of an engine: `pyodideVersion` with `wheels` (their paths) installed. */
function engineKey(pyodideVersion, wheels) {
  const hash = createHash('sha256').update(`pyodide ${pyodideVersion}\n`);
  for (const wheel of wheels) hash.update(`${path.basename(wheel)} ${sha256(wheel)}\n`);
  return hash.digest('hex').slice(0, 20);
}

function main() {
  const wheelDir = path.join(outDir, 'wheels');
  fs.mkdirSync(wheelDir, { recursive: true });
  const pyodideVersion = copyPyodide();
  const pyodidePackages = selfHostPyodidePackages();
  const boot = fetchBootWheels(wheelDir);
  const headrace = buildHeadraceWheel(wheelDir);
  const dependencies = headrace ? fetchHeadraceDependencies(wheelDir, headrace) : [];
  const requirements = templateRequirements();
  fetchRequirementWheels(wheelDir, requirements);
  const projects = writeSimpleIndex(wheelDir);
  // Zone data is hundreds of small files: load it when a flow needs zones (schedules,
  // the cron command), not at every boot.
  const lazy = Object.fromEntries(dependencies.filter((f) => LAZY_PROJECTS.includes(wheelProject(f))).map((f) => [wheelProject(f), f]));
  const bootWheels = [boot.packaging, boot.micropip, ...dependencies.filter((f) => !LAZY_PROJECTS.includes(wheelProject(f))), ...(headrace ? [headrace] : [])];
  const manifest = {
    pyodide: pyodideVersion,
    /**
     * Names this exact engine: Pyodide's version and the boot wheels' contents. A memory
     * snapshot of Python with the engine imported is kept under it (see worker.ts), so a
     * new build never restores the memory of an old one.
     */
    engine: engineKey(pyodideVersion, bootWheels.map((f) => path.join(wheelDir, f))),
    micropip: boot.micropip,
    packaging: boot.packaging,
    headrace,
    /** Everything the worker loads at boot, in one call: no resolution in the browser. */
    boot: bootWheels,
    /** Loaded on first need, by project: the worker knows which commands need them. */
    lazy,
    wheelhouse: projects,
    /** Pyodide's own package files served in pyodide/, loaded before the package base URL's. */
    pyodidePackages,
  };
  fs.writeFileSync(path.join(wheelDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  log(`manifest: ${JSON.stringify(manifest)}`);
}

main();
