/** Where a tab's latest edits are: only `saved` means IndexedDB has committed them. */
export type SaveState = 'new' | 'unsaved' | 'saved' | 'conflict' | 'failed';
