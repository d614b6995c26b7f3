/**
 * Keyboard shortcuts of the canvas. Ignored while typing in an input or the code editor,
 * where the keys belong to the text.
 */
import { closeFind, openFind } from '@/canvas/find/findState';
import { tidyUp } from '@/canvas/layout/tidyUp';
import type { useFlowsStore } from '@/stores/flows';

type Flows = ReturnType<typeof useFlowsStore>;

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest('.cm-editor'));
}

export function installShortcuts(flows: Flows, fit: () => void): () => void {
  const onKey = (event: KeyboardEvent) => {
    if (typing(event.target)) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    let handled = true;
    if (mod && key === 'z' && !event.shiftKey) flows.undo();
    else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) flows.redo();
    else if (mod && key === 'c') handled = flows.copySelection();
    else if (mod && key === 'v') flows.paste();
    else if (mod && key === 'd') flows.duplicateSelection();
    else if (mod && key === 'g' && !event.shiftKey) flows.groupSelection();
    else if (mod && key === 'g' && event.shiftKey) flows.ungroupItems();
    else if (mod && key === 'a') flows.selection = [...(flows.doc?.nodes.map((n) => n.id) ?? []), ...(flows.doc?.ui?.notes?.map((n) => n.id) ?? [])];
    else if (!mod && (key === 'delete' || key === 'backspace')) flows.deleteSelection();
    else if (!mod && key === 'f') fit();
    else if (mod && key === 'f' && !event.shiftKey && !event.altKey) openFind();
    else if (!mod && event.shiftKey && key === 't') void tidyUp(flows);
    else if (key === 'escape') {
      closeFind();
      flows.selection = [];
      flows.editing = null;
    } else handled = false;
    if (handled) event.preventDefault();
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
