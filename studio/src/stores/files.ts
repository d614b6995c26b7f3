/**
 * Files the user picked for node code: each is handed to Python in this browser, where
 * code reads it at `files/<name>` (`open("files/sales.csv")`). They last for the page's
 * life (a restarted engine gets them again); a reload asks for them again. Backend runs
 * do not see them: they are on this machine, not the server's.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { notice } from '@/app/notices';
import { useEngineStore } from './engine';

export interface PickedFile {
  name: string;
  size: number;
  /** Where node code reads it, relative to its working directory. */
  path: string;
}

export const useFilesStore = defineStore('files', () => {
  const engine = useEngineStore();
  const picked = ref<PickedFile[]>([]);

  /** Hand these files to Python; a file picked again under the same name replaces the first. */
  async function pick(files: File[]): Promise<void> {
    for (const file of files) {
      const result = await engine.putFile(file.name, await file.arrayBuffer());
      if (!result.ok) {
        notice('error', `Cannot hand ${file.name} to Python`, result.error.message);
        continue;
      }
      const entry = { name: file.name, size: file.size, path: result.value.path };
      picked.value = [...picked.value.filter((f) => f.name !== file.name), entry];
      notice('success', `${file.name}: node code reads it at ${entry.path}`);
    }
  }

  return { picked, pick };
});
