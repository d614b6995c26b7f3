/**
 * Undo/redo as patches: an edit is recorded as the list of values it replaced, each at a
 * path, with the value before and after. Undo writes the `before`s back, redo the `after`s.
 * Diffs recurse into objects and into arrays of equal length; an array whose length changed
 * is replaced whole, which keeps patches small for the flat flow format (nodes and edges
 * are appended or removed one edit at a time) and always correct.
 */

export type PatchPath = (string | number)[];

/** `undefined` in `before`/`after` means the key did not exist. */
export interface Patch {
  path: PatchPath;
  before: unknown;
  after: unknown;
}

type Container = Record<string | number, unknown>;

function isObject(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** The patches that turn `before` into `after` (both JSON values). */
export function diff(before: unknown, after: unknown, path: PatchPath = []): Patch[] {
  if (before === after) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) return [{ path, before: clone(before), after: clone(after) }];
    return before.flatMap((item, i) => diff(item, after[i], [...path, i]));
  }
  if (isObject(before) && isObject(after) && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => diff(before[key], after[key], [...path, key]));
  }
  return [{ path, before: clone(before), after: clone(after) }];
}

function setAt(root: Container, path: PatchPath, value: unknown): void {
  if (path.length === 0) throw new Error('cannot replace the root of a document');
  let target: Container = root;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (!isObject(next)) throw new Error(`patch path ${path.join('.')} does not exist`);
    target = next;
  }
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete target[last];
  else target[last] = clone(value);
}

/** Apply patches in place: forwards (`after`) for redo, backwards (`before`) for undo. */
export function applyPatches(root: object, patches: Patch[], direction: 'redo' | 'undo'): void {
  const ordered = direction === 'redo' ? patches : [...patches].reverse();
  for (const patch of ordered) {
    setAt(root as Container, patch.path, direction === 'redo' ? patch.after : patch.before);
  }
}
