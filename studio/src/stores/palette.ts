/**
 * What can be dragged onto the canvas: the node templates. Each is a Data or a Script
 * node (the engine's two node types) with starter code, or a Note (canvas-only, kept
 * under `ui.notes`, invisible to the engine). Items are known by their template id.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FlowNode, NodeType, SocketView } from '@/protocol/flow';

export type PaletteKind = NodeType | 'note';

/** The node fields a template may preset besides its code (copied into each new node). */
export type NodePreset = Partial<Pick<FlowNode, 'schedule' | 'ports' | 'sockets' | 'time_limit'>>;

export interface PaletteItem extends NodePreset {
  /** The template's file stem (`templates/nodes/<id>.json`): what drags and `addNode` carry. */
  id: string;
  kind: PaletteKind;
  /** The header it is listed under. */
  group: string;
  label: string;
  icon: string;
  description: string;
  /** Starter code for a new node; empty for notes. */
  code: string;
  order: number;
  /** How the new node's Results show its sockets (kept in the flow's `ui.views`): a Chart's socket as a chart. */
  views?: Record<string, SocketView>;
}

export interface PaletteGroup {
  name: string;
  /** The name in lower case, words joined by `-` (`network-files`): for test ids. */
  slug: string;
  items: PaletteItem[];
}

/**
 * Node templates are declared once, in `templates/nodes/*.json`: the palette reads them
 * here, and the engine's tests check that their code reads as the node type says and
 * does what the docs say (tests/py/test_node_templates.py).
 */
const TEMPLATE_FILES = import.meta.glob<PaletteItem>('../../../templates/nodes/*.json', {
  eager: true,
  import: 'default',
});
const ITEMS: PaletteItem[] = Object.values(TEMPLATE_FILES).sort((a, b) => a.order - b.order);

/** The drag-and-drop data type the canvas accepts from the palette (a template id). */
export const PALETTE_MIME = 'application/x-headrace-palette';

/** The node fields `preset` copies, when a template has them. */
const PRESET_FIELDS = ['schedule', 'ports', 'sockets', 'time_limit'] as const;

/** A template's preset node fields, deep-copied (a new node must not share them with the template). */
export function preset(item: PaletteItem): NodePreset {
  const out: Record<string, unknown> = {};
  for (const field of PRESET_FIELDS) {
    if (item[field] !== undefined) out[field] = JSON.parse(JSON.stringify(item[field])) as unknown;
  }
  return out as NodePreset;
}

/**
 * The items whose label, description or group contains every word of `query`
 * (case-insensitive); all of them for a blank query.
 */
export function filterItems(items: readonly PaletteItem[], query: string): PaletteItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((item) => {
    const text = `${item.label} ${item.description} ${item.group}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Items under their group headers, groups in the order of their first item. */
export function groupItems(items: readonly PaletteItem[]): PaletteGroup[] {
  const groups: PaletteGroup[] = [];
  for (const item of items) {
    let group = groups.find((g) => g.name === item.group);
    if (!group) groups.push((group = { name: item.group, slug: slug(item.group), items: [] }));
    group.items.push(item);
  }
  return groups;
}

export const usePaletteStore = defineStore('palette', () => {
  const items = computed(() => ITEMS);
  /** What the search box holds. */
  const query = ref('');
  /** Group headers the user folded. */
  const collapsed = ref<string[]>([]);
  const shown = computed(() => filterItems(ITEMS, query.value));
  const groups = computed(() => groupItems(shown.value));

  function template(id: string): PaletteItem {
    const item = ITEMS.find((i) => i.id === id);
    if (!item) throw new Error(`no palette template '${id}'`);
    return item;
  }

  function toggleGroup(name: string): void {
    collapsed.value = collapsed.value.includes(name) ? collapsed.value.filter((g) => g !== name) : [...collapsed.value, name];
  }

  return { items, query, collapsed, shown, groups, template, toggleGroup };
});
