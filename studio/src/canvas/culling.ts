/**
 * Which nodes the canvas puts in the DOM. A flow of thousands of nodes cannot have every
 * card mounted (each is a few dozen elements, and each edge an SVG jsPlumb recomputes), so
 * the canvas renders the nodes near the visible area — and the ends of every edge that
 * crosses it, so that an edge passing through the view is drawn even when both of its
 * nodes are off screen. Pure functions: the canvas decides when to call them.
 */
import type { Rect } from './viewportMath';
import { intersects } from './viewportMath';

export interface Endpoints {
  from: string;
  to: string;
}

/** `view` grown by `fraction` of its size on every side. */
export function grow(view: Rect, fraction: number): Rect {
  const dx = view.width * fraction;
  const dy = view.height * fraction;
  return { x: view.x - dx, y: view.y - dy, width: view.width + 2 * dx, height: view.height + 2 * dy };
}

/** Whether `inner` lies wholly inside `outer`. */
export function contains(outer: Rect, inner: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  );
}

/**
 * The ids of the nodes to render for `region`: those whose box meets it, and both ends of
 * each edge whose bounding box (the union of its nodes' boxes, which holds its curve)
 * meets it. `rectOf` gives a node's box in world coordinates (undefined: not placed).
 */
export function nodesFor(
  ids: Iterable<string>,
  edges: Iterable<Endpoints>,
  rectOf: (id: string) => Rect | undefined,
  region: Rect,
): Set<string> {
  const out = new Set<string>();
  for (const id of ids) {
    const r = rectOf(id);
    if (r && intersects(r, region)) out.add(id);
  }
  for (const edge of edges) {
    if (out.has(edge.from) && out.has(edge.to)) continue;
    const a = rectOf(edge.from);
    const b = rectOf(edge.to);
    if (!a || !b) continue;
    const x = Math.min(a.x, b.x);
    const y = Math.min(a.y, b.y);
    const box = { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
    if (intersects(box, region)) {
      out.add(edge.from);
      out.add(edge.to);
    }
  }
  return out;
}

/**
 * The next rendered set on the way from `current` to `wanted`: what is no longer wanted
 * goes at once, and at most `budget` new nodes come, nearest `centre` first, so that a
 * zoom out that brings thousands into view costs a few frames, not one long one. `done`:
 * the result is `wanted`.
 */
export function step(
  current: ReadonlySet<string>,
  wanted: ReadonlySet<string>,
  rectOf: (id: string) => Rect | undefined,
  centre: { x: number; y: number },
  budget: number,
): { next: Set<string>; done: boolean; added: number } {
  const next = new Set<string>();
  const missing: string[] = [];
  for (const id of wanted) {
    if (current.has(id)) next.add(id);
    else missing.push(id);
  }
  if (missing.length <= budget) {
    for (const id of missing) next.add(id);
    return { next, done: true, added: missing.length };
  }
  const distance = (id: string) => {
    const r = rectOf(id);
    return r ? Math.hypot(r.x + r.width / 2 - centre.x, r.y + r.height / 2 - centre.y) : Infinity;
  };
  const ranked = missing.map((id) => [distance(id), id] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < budget; i++) next.add(ranked[i]![1]);
  return { next, done: false, added: budget };
}

/**
 * How many cards to mount in one frame, learnt from how long mounts took here: a card
 * costs 1–3 ms on a slow machine (Vue's mount, style, layout, its edges measured) and far
 * less on a fast one, so a fixed number either drops frames or fills the view slowly.
 */
export class MountPace {
  /** Milliseconds per card, smoothed; starts at a slow machine's figure. */
  private perCard = 1.5;

  constructor(
    private readonly min = 2,
    private readonly max = 80,
  ) {}

  /** Cards that fit in `ms` of work. */
  budget(ms: number): number {
    return Math.max(this.min, Math.min(this.max, Math.floor(ms / this.perCard)));
  }

  /** `count` cards took `ms` from being wanted to being drawn with their edges. */
  observe(count: number, ms: number): void {
    if (count < 1 || !(ms >= 0)) return;
    this.perCard = 0.6 * this.perCard + 0.4 * Math.max(0.05, ms / count);
  }

  get msPerCard(): number {
    return this.perCard;
  }
}
