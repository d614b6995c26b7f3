/**
 * What can be dragged onto the canvas. Data and Script are the engine's two node types;
 * Note is canvas-only (kept under `ui.notes`, invisible to the engine).
 */
import { defineStore } from 'pinia';
import { computed } from 'vue';
import type { NodeType } from '@/protocol/flow';

export type PaletteKind = NodeType | 'note';

export interface PaletteItem {
  kind: PaletteKind;
  label: string;
  icon: string;
  description: string;
  /** Starter code for a new node; empty for notes. */
  code: string;
}

/**
 * Node templates are declared once, in `templates/nodes/*.json`: the palette reads them
 * here, and the engine's tests check that their code reads as the node type says.
 */
const TEMPLATE_FILES = import.meta.glob<PaletteItem & { order: number }>('../../../templates/nodes/*.json', {
  eager: true,
  import: 'default',
});
const ITEMS: PaletteItem[] = Object.values(TEMPLATE_FILES)
  .sort((a, b) => a.order - b.order)
  .map(({ kind, label, icon, description, code }) => ({ kind, label, icon, description, code }));

/** The drag-and-drop data type the canvas accepts from the palette. */
export const PALETTE_MIME = 'application/x-headrace-palette';

export const usePaletteStore = defineStore('palette', () => {
  const items = computed(() => ITEMS);

  function template(kind: PaletteKind): PaletteItem {
    const item = ITEMS.find((i) => i.kind === kind);
    if (!item) throw new Error(`no palette item '${kind}'`);
    return item;
  }

  return { items, template };
});
