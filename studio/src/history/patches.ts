/**
 * Undo/redo as patches: an edit is recorded as the patches that make it (`redo`) and those
 * that take it back (`undo`), so history costs memory in proportion to what changed.
 *
 * The patches come from Immer (`produceWithPatches`): the edit runs on a draft of the
 * document that copies only what it touches, so recording an edit costs what the edit
 * changes, not the size of the flow. Diffing a clone of the whole document against it,
 * as this module once did, cost half a second an edit at 5,000 nodes. The patches are
 * then applied in place to the live (reactive) document, so Vue sees exactly the values
 * that changed, and nothing else is replaced.
 */
import { enablePatches, Immer, type Patch } from 'immer';

export type { Patch };

enablePatches();
/**
 * Never freeze: the draft's result shares every untouched object with the live document,
 * and freezing it would freeze the studio's own state.
 */
const immer = new Immer({ autoFreeze: false });

export interface Change {
  redo: Patch[];
  undo: Patch[];
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * What `mutate` would change in `doc` (a plain JSON value, left untouched): its patches,
 * cloned, so that later changes to the document cannot reach into the history.
 */
export function recordChange<T extends object>(doc: T, mutate: (draft: T) => void): Change {
  const [, redo, undo] = immer.produceWithPatches(doc, (draft) => {
    mutate(draft as T); // (no return: a returned value would replace the document)
  });
  return { redo: clone(redo), undo: clone(undo) };
}

type Container = Record<string | number, unknown>;

/** Apply patches to `root` in place, in order (a value put in is a copy). */
export function applyInPlace(root: object, patches: readonly Patch[]): void {
  for (const { op, path, value } of patches) {
    if (path.length === 0) throw new Error('cannot replace the root of a document');
    let target = root as Container;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null) throw new Error(`patch path ${path.join('.')} does not exist`);
      target = next as Container;
    }
    const last = path[path.length - 1] as string | number;
    if (Array.isArray(target)) {
      const index = last === '-' ? target.length : Number(last);
      if (op === 'add') target.splice(index, 0, clone(value));
      else if (op === 'remove') target.splice(index, 1);
      else target[index] = clone(value);
    } else if (op === 'remove') {
      delete target[last];
    } else {
      target[last] = clone(value);
    }
  }
}
