/**
 * Tidy up: a layered layout, left to right as data flows, of the whole flow or of the
 * selected nodes, as one undoable edit; and the first layout of a flow opened without
 * positions. Notes stay where they are.
 */
import { computed, nextTick, ref } from 'vue';
import { notice } from '@/app/notices';
import type { FlowDocument, Point } from '@/protocol/flow';
import type { useFlowsStore } from '@/stores';
import { buildElkGraph, LAYER_GAP, positionsFrom, topLeftOf } from './elkGraph';
import { boxesOf } from './nodeBox';
import { runElk } from './runElk';

type Flows = ReturnType<typeof useFlowsStore>;

/** Layouts being computed (two flows dropped at once are laid out one after the other). */
const running = ref(0);
/** Whether a layout is being computed (the Tidy up button shows it; tests wait on it). */
export const tidying = computed(() => running.value > 0);

/** Where a flow with no positions at all starts (as `layoutMissing` places it). */
const ORIGIN: Point = { x: 60, y: 60 };

function reason(error: unknown): string {
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Positions for the nodes `ids` of `doc`, laid out by ELK with their top-left at `origin`. */
async function layOut(flows: Flows, doc: FlowDocument, ids: string[], origin: Point, root: ParentNode): Promise<Record<string, Point>> {
  const graph = buildElkGraph(doc, ids, flows.shapeOf, boxesOf(doc, flows.shapeOf, root));
  return positionsFrom(await runElk(graph), origin);
}

/**
 * Tidy up the active flow: the selected nodes (and the edges among them) when two or more
 * are selected, else every node. The laid-out nodes keep their top-left corner. One
 * undoable edit, "Tidy up"; dropped if any of those nodes moved before the layout came
 * back. Resolves to whether anything was laid out.
 */
export async function tidyUp(flows: Flows, root: ParentNode = document): Promise<boolean> {
  const flow = flows.active;
  if (!flow || tidying.value) return false;
  const all = flow.doc.nodes.map((n) => n.id);
  const present = new Set(all);
  const selected = flows.selection.filter((id) => present.has(id));
  const ids = selected.length >= 2 ? selected : all;
  if (ids.length === 0) return false;
  const where = () => JSON.stringify(ids.map((id) => flow.doc.ui?.nodes?.[id]));
  const before = where();
  running.value++;
  try {
    const positions = await layOut(flows, flow.doc, ids, topLeftOf(flow.doc, ids) ?? ORIGIN, root);
    // A big flow takes seconds: moves made meanwhile are the user's newer word.
    if (where() !== before) {
      notice('info', 'Not tidied: nodes moved while the layout was computed', 'Press Tidy up again.');
      return false;
    }
    flows.placeNodes(flow.key, positions, 'Tidy up');
    return true;
  } catch (error) {
    notice('error', 'Tidy up failed', reason(error));
    return false;
  } finally {
    running.value--;
  }
}

/**
 * The first layout of a flow opened with nodes that have no position (written by hand or
 * by a script), which `openDocument` put on a provisional grid. With no positions at all, the
 * whole flow is laid out; otherwise only the unplaced nodes, as a block below the placed
 * ones (the user's own arrangement is left alone). Not an undo step: it is part of
 * opening the file, and undoing it would only bring back the grid. Skipped when the user
 * moved one of those nodes before the layout came back.
 */
export async function layOutOpened(flows: Flows, key: string, unplaced: string[], root: ParentNode = document): Promise<void> {
  const flow = flows.open.find((f) => f.key === key);
  if (!flow || unplaced.length === 0) return;
  const where = () => JSON.stringify(unplaced.map((id) => flow.doc.ui?.nodes?.[id]));
  const provisional = where();
  running.value++; // busy from the start, so nobody reads the grid as the result
  try {
    await nextTick(); // cards rendered, so measured rather than estimated
    const doc = flow.doc;
    const missing = new Set(unplaced);
    const placed = doc.nodes.filter((n) => !missing.has(n.id));
    let origin = topLeftOf(doc, unplaced) ?? ORIGIN;
    if (placed.length > 0) {
      const boxOf = boxesOf(doc, flows.shapeOf, root);
      const corner = topLeftOf(doc, placed.map((n) => n.id)) ?? ORIGIN;
      const bottom = Math.max(...placed.map((n) => (doc.ui?.nodes?.[n.id]?.y ?? 0) + boxOf(n.id).height));
      origin = { x: corner.x, y: bottom + LAYER_GAP };
    }
    const positions = await layOut(flows, doc, unplaced, origin, root);
    if (where() !== provisional) return;
    flows.placeNodes(key, positions);
  } catch (error) {
    notice('warning', 'The flow could not be laid out', reason(error));
  } finally {
    running.value--;
  }
}
