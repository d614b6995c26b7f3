/** Whether the shortcut sheet is open: shared by the `?` shortcut, the toolbar and the sheet. */
import { ref } from 'vue';

export const shortcutSheetOpen = ref(false);
