/**
 * Fetch and read an embed's flow file. The engine then validates it; until the reader
 * clicks Run, nothing in it runs. Every failure is a sentence naming the file and what is
 * wrong with it, for the element's box.
 */
import { crossOriginHint } from '@/files/fetchProblem';
import type { Result } from '@/protocol/bridge';

export interface FetchedFlow {
  /** The file's absolute URL (for "Open in studio"). */
  url: string;
  document: unknown;
}

export async function fetchFlow(
  src: string | null,
  base: string,
  fetcher: typeof fetch = fetch,
  pageOrigin: string = location.origin,
): Promise<Result<FetchedFlow>> {
  if (!src) return fail('no flow given: set the src attribute to a flow .json file');
  let url: string;
  try {
    url = new URL(src, base).href;
  } catch {
    return fail(`src ${JSON.stringify(src)} is not a URL`);
  }
  let text: string;
  try {
    const response = await fetcher(url);
    if (!response.ok) return fail(`Cannot load ${src}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    text = await response.text();
  } catch (error) {
    const hint = crossOriginHint(url, pageOrigin, error);
    return fail(`Cannot load ${src}: ${(error as Error).message}${hint ? `. ${hint}` : ''}`);
  }
  try {
    return { ok: true, value: { url, document: JSON.parse(text) as unknown } };
  } catch (error) {
    return fail(`${src} is not JSON: ${(error as Error).message}`);
  }
}

function fail(message: string): Result<FetchedFlow> {
  return { ok: false, error: { type: 'FlowError', message } };
}

/** The studio's address that opens `flowUrl` (the studio validates it again and runs nothing). */
export function studioLink(studio: string, flowUrl: string): string {
  const link = new URL(studio);
  link.searchParams.set('flow', flowUrl);
  return link.href;
}
