/**
 * Finding nodes by name: which nodes match a query, and stepping through them. Pure (the
 * find box is FindBar.vue).
 */
import type { FlowNode } from '@/protocol/flow';

/**
 * The ids of the nodes whose name or id contains `query` (case-insensitive, the query's
 * surrounding spaces ignored), in the flow's order. An empty query matches nothing.
 */
export function matchNodes(nodes: readonly FlowNode[], query: string): string[] {
  const needle = query.trim().toLocaleLowerCase();
  if (!needle) return [];
  return nodes
    .filter((n) => n.name.toLocaleLowerCase().includes(needle) || n.id.toLocaleLowerCase().includes(needle))
    .map((n) => n.id);
}

/**
 * The match after (`step` 1) or before (-1) `current`, wrapping around; from no current
 * match (-1), the first or the last. -1 when there are none.
 */
export function stepMatch(current: number, count: number, step: 1 | -1): number {
  if (count <= 0) return -1;
  if (current < 0 || current >= count) return step === 1 ? 0 : count - 1;
  return (current + step + count) % count;
}

/** "3 of 12" on a match; before the first jump, how many there are; "No match". */
export function countText(current: number, count: number): string {
  if (count === 0) return 'No match';
  if (current < 0) return count === 1 ? '1 match' : `${count} matches`;
  return `${current + 1} of ${count}`;
}
