/**
 * Whether the canvas's find box is open: shared by the shortcut that opens it
 * (app/shortcuts.ts, Ctrl/⌘+F) and the box itself (FindBar.vue).
 */
import { ref } from 'vue';

export const findOpen = ref(false);
/** Counts Ctrl/⌘+F presses, so a box already open takes the focus again. */
export const findRequests = ref(0);

export function openFind(): void {
  findOpen.value = true;
  findRequests.value++;
}

export function closeFind(): void {
  findOpen.value = false;
}
