/**
 * Where a paste lands. Pasted in place, a copy would hide its original (and the
 * original's sockets and ports, so a user cannot wire to it); a fixed nudge of a few
 * pixels does the same at one remove, and a second paste lands on the first. So the copy
 * goes to the nearest spot, straight below or straight beside where it was copied from,
 * that covers nothing already on the canvas — in place when that spot is free (pasting
 * into another flow).
 */
import type { Note, Point } from '@/protocol/flow';
import { union, type Rect } from '@/canvas/viewportMath';

/** Space kept between the copy and what it lands beside. */
export const PASTE_GAP = 40;
/** How far (in the copy's own heights or widths) the search goes before giving up on a free spot. */
const MAX_STEPS = 200;

/**
 * A note's box before it is measured: its text at the note's 13 px font, between the
 * note's least and greatest widths (`.hr-note` in app/studio.css).
 */
export function noteSize(note: Pick<Note, 'text'>): { width: number; height: number } {
  const lines = note.text.split('\n');
  const longest = Math.max(...lines.map((l) => l.length));
  const width = Math.min(280, Math.max(140, longest * 7 + 22));
  const wrapped = lines.reduce((n, l) => n + Math.max(1, Math.ceil((l.length * 7) / 258)), 0);
  return { width, height: wrapped * 18 + 18 };
}

/** Whether two boxes, each grown by half the gap, touch. */
function near(a: Rect, b: Rect, gap: number): boolean {
  const g = gap / 2;
  return a.x - g < b.x + b.width + g && b.x - g < a.x + a.width + g && a.y - g < b.y + b.height + g && b.y - g < a.y + a.height + g;
}

/**
 * The offset to paste `items` (their boxes where they were copied) by, so that none of
 * them comes within `gap` of `occupied`: in place if that is free, else the nearest free
 * spot straight below or beside, in steps of the copy's height (or width) plus the gap, so
 * repeated pastes line up rather than scatter.
 */
export function pasteOffset(items: readonly Rect[], occupied: readonly Rect[], gap = PASTE_GAP): Point {
  const box = union([...items]);
  if (!box) return { x: 0, y: 0 };
  // Only what could meet the copy somewhere along the two search lines matters.
  const reach = MAX_STEPS * (Math.max(box.width, box.height) + gap);
  const candidates = occupied.filter(
    (r) =>
      (r.x < box.x + box.width + gap && r.x + r.width > box.x - gap && r.y + r.height > box.y - gap && r.y < box.y + reach) ||
      (r.y < box.y + box.height + gap && r.y + r.height > box.y - gap && r.x + r.width > box.x - gap && r.x < box.x + reach),
  );
  const free = (dx: number, dy: number) =>
    items.every((item) => {
      const moved = { ...item, x: item.x + dx, y: item.y + dy };
      return !candidates.some((r) => near(moved, r, gap));
    });
  if (free(0, 0)) return { x: 0, y: 0 };
  // The two lines of spots, walked nearest first (below wins a tie: flows read downwards).
  const down = box.height + gap;
  const right = box.width + gap;
  let d = 1;
  let r = 1;
  while (d <= MAX_STEPS || r <= MAX_STEPS) {
    if (r > MAX_STEPS || (d <= MAX_STEPS && d * down <= r * right)) {
      if (free(0, d * down)) return { x: 0, y: d * down };
      d++;
    } else {
      if (free(r * right, 0)) return { x: r * right, y: 0 };
      r++;
    }
  }
  return { x: gap, y: gap };
}
