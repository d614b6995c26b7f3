/**
 * Every keyboard shortcut of the studio, as the shortcut sheet (`?`) lists them. `mod` is
 * Ctrl, or ⌘ on a Mac.
 */
export interface Shortcut {
  /** Keys pressed together, e.g. `['mod', 'Enter']`; alternatives are separate entries. */
  keys: string[][];
  what: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: Shortcut[];
}

export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Run',
    shortcuts: [
      { keys: [['mod', 'Enter']], what: 'Run the flow (in the code editor too)' },
      { keys: [['Shift', 'Enter']], what: 'Run the selected node' },
    ],
  },
  {
    title: 'Edit',
    shortcuts: [
      { keys: [['mod', 'Z']], what: 'Undo' },
      { keys: [['mod', 'Shift', 'Z'], ['mod', 'Y']], what: 'Redo' },
      { keys: [['mod', 'C'], ['mod', 'V'], ['mod', 'D']], what: 'Copy, paste, duplicate the selection' },
      { keys: [['Delete']], what: 'Delete the selection (or the selected edge)' },
      { keys: [['mod', 'A']], what: 'Select all' },
    ],
  },
  {
    title: 'View',
    shortcuts: [
      { keys: [['F']], what: 'Fit the flow in view' },
      { keys: [['Shift', 'T']], what: 'Tidy up the layout' },
      { keys: [['mod', 'F']], what: 'Find a node' },
      { keys: [['Esc']], what: 'Close the node editor (in the code editor too); clear the selection' },
      { keys: [['?']], what: 'Show this sheet' },
    ],
  },
];

/** How a key is written on this platform: `mod` is ⌘ on a Mac, Ctrl elsewhere. */
export function keyLabel(key: string, mac: boolean): string {
  if (key === 'mod') return mac ? '⌘' : 'Ctrl';
  return key;
}

/** Whether this looks like a Mac (⌘ rather than Ctrl). */
export function isMac(platform: string = globalThis.navigator?.platform ?? ''): boolean {
  return /Mac|iPhone|iPad/.test(platform);
}
