/**
 * Keyboard shortcuts of the studio. Ignored while typing in an input or the code editor,
 * where the keys belong to the text — except Esc, which closes the node editor from its
 * own fields, as editors do. (The code editor stops its keys from reaching the window:
 * CodeEditor.vue binds Ctrl/⌘+Enter and Esc itself.) The sheet is app/shortcutList.ts.
 */
import { closeFind, openFind } from '@/canvas/find/findState';
import { tidyUp } from '@/canvas/layout/tidyUp';
import type { useFlowsStore } from '@/stores';
import { shortcutSheetOpen } from './shortcutSheet';

type Flows = ReturnType<typeof useFlowsStore>;

export interface ShortcutActions {
  fit: () => void;
  runFlow: () => void;
  runNode: (id: string) => void;
}

/** Whether keys at `target` belong to what is being typed. */
export function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || !!el.closest?.('.cm-editor'));
}

/** The node Shift+Enter runs: the one selected node, else the one being edited. */
export function nodeToRun(flows: Pick<Flows, 'selection' | 'editing' | 'doc'>): string | null {
  const nodes = new Set(flows.doc?.nodes.map((n) => n.id) ?? []);
  const selected = flows.selection.filter((id) => nodes.has(id));
  if (selected.length === 1) return selected[0] ?? null;
  if (selected.length === 0 && flows.editing && nodes.has(flows.editing)) return flows.editing;
  return null;
}

export function installShortcuts(flows: Flows, actions: ShortcutActions): () => void {
  const onKey = (event: KeyboardEvent) => {
    const key = event.key.toLowerCase();
    if (typing(event.target)) {
      // Esc in the node editor's own fields (name, settings) closes it, as in the code editor.
      const el = event.target as HTMLElement;
      if (key === 'escape' && el.closest?.('[data-testid="node-editor"]')) {
        el.blur();
        flows.editing = null;
        event.preventDefault();
      }
      return;
    }
    if (event.isComposing) return;
    const mod = event.ctrlKey || event.metaKey;
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
    else if (!mod && !event.shiftKey && key === 'f') actions.fit();
    else if (mod && key === 'f' && !event.shiftKey && !event.altKey) openFind();
    else if (!mod && event.shiftKey && key === 't') void tidyUp(flows);
    else if (!mod && event.key === '?') shortcutSheetOpen.value = !shortcutSheetOpen.value;
    else if (key === 'escape') {
      closeFind();
      flows.selection = [];
      flows.editing = null;
    } else handled = false;
    if (handled) event.preventDefault();
  };
  // The run keys are taken before they reach a focused button (Quasar's buttons click on
  // Enter, and stop it): after clicking Debug, Ctrl/⌘+Enter runs the flow, not Debug again.
  const onRunKey = (event: KeyboardEvent) => {
    if (event.key !== 'Enter' || typing(event.target) || event.isComposing || event.altKey) return;
    const mod = event.ctrlKey || event.metaKey;
    const id = !mod && event.shiftKey ? nodeToRun(flows) : null;
    if (!mod && !id) return;
    event.preventDefault();
    event.stopPropagation();
    if (mod) actions.runFlow();
    else if (id) actions.runNode(id);
  };
  window.addEventListener('keydown', onRunKey, true);
  window.addEventListener('keydown', onKey);
  return () => {
    window.removeEventListener('keydown', onRunKey, true);
    window.removeEventListener('keydown', onKey);
  };
}
