/**
 * A flow's requirements, installed before it runs in this browser: from our own
 * wheelhouse first, then (online, and if the settings allow) a package index.
 */
import { notice } from '@/app/notices';
import type { ErrorInfo } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { addMessage, updateMessage } from '@/run/runView';
import type { RunSession } from '../run';

const PYPI_SIMPLE = 'https://pypi.org/simple';
/** A requirement install failure, by `ErrorInfo.problem`, as a notice's title says it. */
const PROBLEM_WORDS: Record<NonNullable<ErrorInfo['problem']>, string> = {
  offline: 'could not be downloaded',
  not_found: 'was not found',
  not_for_browser: 'is not available for the browser',
  conflict: 'conflicts with an installed version',
  other: 'could not be installed',
};

/** Our own wheelhouse as a micropip index URL (braces must stay literal, so no URL()). */
export function wheelhouseIndexUrl(base: string): string {
  return `${new URL('wheels/', base).href}simple/{package_name}/index.html`;
}

/** Where requirements come from: our wheelhouse, then the index in settings when online. */
export function requirementIndexUrls(
  runtimeBase: string,
  index: { usePackageIndex: boolean; packageIndexUrl: string },
  online: boolean = globalThis.navigator?.onLine ?? false,
): string[] {
  const urls = [wheelhouseIndexUrl(runtimeBase)];
  if (index.usePackageIndex && online) urls.push(index.packageIndexUrl.trim() || PYPI_SIMPLE);
  return urls;
}

/**
 * Install the flow's requirements one by one, each on its own line in Messages
 * ("Installing pandas… done"). A failure is said once, in the engine's plain words
 * (offline, not found, not for the browser, a conflict), and the run does not start.
 * `touch`: show what changed.
 */
export async function installRequirements(s: RunSession, doc: FlowDocument, indexUrls: readonly string[], touch: () => void): Promise<boolean> {
  const requirements = doc.requirements ?? [];
  if (requirements.length === 0) return true;
  s.view.phase = 'installing';
  const packageBase = s.runner.packageBaseURL ?? null;
  for (const requirement of requirements) {
    s.installing = requirement;
    addMessage(s.view, { level: 'info', text: `Installing ${requirement}…` });
    touch();
    const line = s.view.messages.at(-1)!.id;
    const result = await s.runner.call('install', { requirements: [requirement], index_urls: [...indexUrls], package_base_url: packageBase });
    s.installing = null;
    if (!result.ok) {
      s.view.phase = 'failed';
      updateMessage(s.view, line, { level: 'error', text: `Installing ${requirement}… failed: ${result.error.message}` });
      touch();
      notice('error', `“${doc.name}” cannot run: ${requirement} ${PROBLEM_WORDS[result.error.problem ?? 'other']}`, result.error.message);
      return false;
    }
    const done = result.value.installed.length ? 'done' : 'already installed';
    updateMessage(s.view, line, { level: 'info', text: `Installing ${requirement}… ${done}` });
    touch();
  }
  return true;
}
