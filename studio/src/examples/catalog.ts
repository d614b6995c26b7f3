/**
 * The example flows shipped with the studio (`examples/` in the build, from
 * `templates/flows/`): their index, read once, and opening one — as `?flow=examples/<file>`
 * does, through the engine's validation. Opening an example never runs it.
 */
import { ref } from 'vue';
import { notice } from '@/app/notices';
import { importFlowFromUrl } from '@/files/flowFile';
import type { Result } from '@/protocol/bridge';
import type { useEngineStore, useFlowsStore } from '@/stores';

export interface Example {
  /** File name in `examples/`, e.g. `hello.json`; its stem names the test hooks (`example-hello`). */
  file: string;
  name: string;
  description: string;
}

/** Where the build puts the examples, relative to the studio's page. */
export const EXAMPLES_DIR = 'examples/';

const list = ref<Example[]>([]);
/** The example being opened (its file), while the engine validates it. */
export const opening = ref<string | null>(null);
const failure = ref<string | null>(null);
let loading: Promise<void> | null = null;

/** The examples' index, fetched on first use (`failure` says why it could not be read). */
export function useExamples(): { list: typeof list; failure: typeof failure } {
  loading ??= fetch(new URL(`${EXAMPLES_DIR}index.json`, document.baseURI))
    .then(async (response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      list.value = (await response.json()) as Example[];
    })
    .catch((error: unknown) => {
      failure.value = `The examples could not be read: ${(error as Error).message}`;
    });
  return { list, failure };
}

/** The name of an example's test hooks: `hello.json` → `hello`. */
export function exampleId(example: Example): string {
  return example.file.replace(/\.json$/, '');
}

/**
 * Open an example in a new tab, validated by the engine first like any import (before
 * Python has loaded, it opens once it has: a notice says so).
 */
export async function openExample(
  example: Example,
  engine: ReturnType<typeof useEngineStore>,
  flows: ReturnType<typeof useFlowsStore>,
): Promise<Result<string>> {
  if (engine.status !== 'ready') notice('info', `Opening “${example.name}” once Python has loaded…`);
  opening.value = example.file;
  try {
    return await importFlowFromUrl(`${EXAMPLES_DIR}${example.file}`, engine, flows);
  } finally {
    if (opening.value === example.file) opening.value = null;
  }
}
