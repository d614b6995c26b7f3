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

const ITEMS: PaletteItem[] = [
  {
    kind: 'data',
    label: 'Data',
    icon: 'dataset',
    description: 'Values: each public top-level name is an output socket',
    code: '# Each public top-level value is an output socket.\nvalue = 21\n',
  },
  {
    kind: 'script',
    label: 'Script',
    icon: 'code',
    description: 'Functions: each public function is a socket, its parameters are ports',
    code: '# Each public function is an output socket; its parameters are input ports.\ndef double(x):\n    return x * 2\n',
  },
  {
    kind: 'note',
    label: 'Note',
    icon: 'sticky_note_2',
    description: 'A label on the canvas',
    code: '',
  },
];

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
