/**
 * What is picked on the active canvas: the selected items, the selected edge, the node
 * whose editor is open, and the items the canvas is asked to bring into view.
 */
import { ref } from 'vue';

/** The selection state of the flows store (it is the same for every tab: switching clears it). */
export function useSelection() {
  /** Selected node and note ids on the active canvas. */
  const selection = ref<string[]>([]);
  const selectedEdge = ref<string | null>(null);
  /** The node whose editor is open. */
  const editing = ref<string | null>(null);
  /**
   * Items the canvas is asked to bring into view (a paste that landed off screen, a node
   * named in Messages); `seq` tells one request from the next for the same items.
   */
  const revealing = ref<{ ids: string[]; seq: number } | null>(null);

  /** Select `ids` and ask the canvas to bring them into view. */
  function reveal(ids: string[]): void {
    selection.value = ids;
    revealing.value = { ids, seq: (revealing.value?.seq ?? 0) + 1 };
  }

  return { selection, selectedEdge, editing, revealing, reveal };
}

export type Selection = ReturnType<typeof useSelection>;
