/**
 * A flow's requirements, installed before it runs in this browser: from our own
 * wheelhouse first, then (online, and if the settings allow) a package index.
 */
import { notice } from '@/app/notices';
import type { ErrorInfo } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { addMessage, updateMessage } from '@/run/runView';
import type { RunStartHooks } from '@/runner/Runner';
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

/**
 * Where requirements come from: our wheelhouse, then the index in settings — offline too,
 * since what was installed from it once is kept (offline/files.ts) and installs again.
 */
export function requirementIndexUrls(runtimeBase: string, index: { usePackageIndex: boolean; packageIndexUrl: string }): string[] {
  const urls = [wheelhouseIndexUrl(runtimeBase)];
  if (index.usePackageIndex) urls.push(index.packageIndexUrl.trim() || PYPI_SIMPLE);
  return urls;
}

/** What a run's start tells of its requirements, as lines in Messages. */
export interface InstallMessages extends Required<Pick<RunStartHooks, 'installing' | 'installed'>> {
  /** A requirement could not be installed (said already: the run's start failing needs no more words). */
  readonly failed: boolean;
}

/**
 * The runner installs the flow's requirements one by one; each gets its own line in
 * Messages ("Installing pandas… done"). A failure is said once, in the engine's plain
 * words (offline, not found, not for the browser, a conflict), and the run does not start.
 * `touch`: show what changed.
 */
export function installMessages(s: RunSession, doc: FlowDocument, touch: () => void): InstallMessages {
  let line = 0;
  let failed = false;
  return {
    get failed() {
      return failed;
    },
    installing(requirement) {
      s.view.phase = 'installing';
      s.installing = requirement;
      addMessage(s.view, { level: 'info', text: `Installing ${requirement}…` });
      line = s.view.messages.at(-1)!.id;
      touch();
    },
    installed(requirement, result) {
      s.installing = null;
      if (!result.ok) {
        failed = true;
        updateMessage(s.view, line, { level: 'error', text: `Installing ${requirement}… failed: ${result.error.message}` });
        notice('error', `“${doc.name}” cannot run: ${requirement} ${PROBLEM_WORDS[result.error.problem ?? 'other']}`, result.error.message);
      } else {
        updateMessage(s.view, line, { level: 'info', text: `Installing ${requirement}… ${result.value.installed.length ? 'done' : 'already installed'}` });
      }
      touch();
    },
  };
}
