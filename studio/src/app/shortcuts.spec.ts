import { afterEach, describe, expect, it, vi } from 'vitest';
import type { useFlowsStore } from '@/stores';
import { shortcutSheetOpen } from './shortcutSheet';
import { installShortcuts, nodeToRun, typing } from './shortcuts';

type Flows = ReturnType<typeof useFlowsStore>;

function fakeFlows(selection: string[], editing: string | null = null) {
  return {
    doc: { nodes: [{ id: 'a' }, { id: 'b' }], ui: { notes: [{ id: 'n1' }] } },
    selection,
    editing,
    undo: vi.fn(),
  } as unknown as Flows;
}

function press(target: EventTarget, key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

let uninstall = () => {};
afterEach(() => {
  uninstall();
  document.body.innerHTML = '';
  shortcutSheetOpen.value = false;
});

describe('shortcuts', () => {
  it('runs the one selected node, else the one being edited, never a note or several', () => {
    expect(nodeToRun(fakeFlows(['a']))).toBe('a');
    expect(nodeToRun(fakeFlows([], 'b'))).toBe('b');
    expect(nodeToRun(fakeFlows(['a', 'b']))).toBeNull();
    expect(nodeToRun(fakeFlows(['n1']))).toBeNull();
    expect(nodeToRun(fakeFlows([]))).toBeNull();
  });

  it('knows typing: inputs, text areas, editable text and the code editor', () => {
    document.body.innerHTML = '<input id="i"><textarea id="t"></textarea><div class="cm-editor"><div id="c"></div></div><button id="b"></button>';
    for (const id of ['i', 't', 'c']) expect(typing(document.getElementById(id))).toBe(true);
    expect(typing(document.getElementById('b'))).toBe(false);
  });

  it('runs the flow on Ctrl+Enter even from a focused button, which does not see the key', () => {
    const actions = { fit: vi.fn(), runFlow: vi.fn(), runNode: vi.fn() };
    uninstall = installShortcuts(fakeFlows([]), actions);
    document.body.innerHTML = '<button id="b"></button>';
    const button = document.getElementById('b')!;
    const clicked = vi.fn();
    button.addEventListener('keydown', clicked);
    const event = press(button, 'Enter', { ctrlKey: true });
    expect(actions.runFlow).toHaveBeenCalledTimes(1);
    expect(clicked).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(true);
  });

  it('leaves Enter, Shift+Enter and ? to what is being typed', () => {
    const actions = { fit: vi.fn(), runFlow: vi.fn(), runNode: vi.fn() };
    uninstall = installShortcuts(fakeFlows(['a']), actions);
    document.body.innerHTML = '<textarea id="t"></textarea>';
    const area = document.getElementById('t')!;
    expect(press(area, 'Enter', { shiftKey: true }).defaultPrevented).toBe(false);
    expect(press(area, 'Enter', { ctrlKey: true }).defaultPrevented).toBe(false);
    press(area, '?', { shiftKey: true });
    expect(actions.runNode).not.toHaveBeenCalled();
    expect(actions.runFlow).not.toHaveBeenCalled();
    expect(shortcutSheetOpen.value).toBe(false);
  });

  it('runs the selected node on Shift+Enter and toggles the sheet on ?', () => {
    const actions = { fit: vi.fn(), runFlow: vi.fn(), runNode: vi.fn() };
    uninstall = installShortcuts(fakeFlows(['a']), actions);
    press(document.body, 'Enter', { shiftKey: true });
    expect(actions.runNode).toHaveBeenCalledWith('a');
    press(document.body, '?', { shiftKey: true });
    expect(shortcutSheetOpen.value).toBe(true);
    press(document.body, '?', { shiftKey: true });
    expect(shortcutSheetOpen.value).toBe(false);
  });
});
