/**
 * How the Runs panel names a past run: what started it, how long it took, and how its state
 * looks. Pure functions of the record (persistence/runHistory.ts), so the panel stays a view.
 */
import type { ExportedRunSummary, RunState } from '@/protocol/events';

/** What started a run, in words: `run-flow` → "Run Flow", `node:Fetch` → "▶ Fetch", … */
export function triggerLabel(trigger: string): string {
  if (trigger === 'run-flow') return 'Run Flow';
  if (trigger.startsWith('node:')) return `▶ ${trigger.slice(5)}`;
  if (trigger === 'cli') return 'command line';
  if (trigger.startsWith('replay')) return 'replay';
  return trigger;
}

/** `ms` as the panel shows a duration: "3 ms", "4.2 s", "12 s", "3 min 5 s", "2 h 10 min". */
export function durationText(ms: number): string {
  if (!(ms >= 0)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long a run took (or has been going, at `now` ms since the epoch). */
export function runDuration(run: Pick<ExportedRunSummary, 'started_at' | 'ended_at'>, now = Date.now()): string {
  const end = run.ended_at ?? now / 1000;
  return durationText((end - run.started_at) * 1000);
}

/** When a run started, as a person reads it: the time today, else the date and time. */
export function startedText(startedAt: number, now = new Date()): string {
  const at = new Date(startedAt * 1000);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: at.getFullYear() === now.getFullYear() ? undefined : 'numeric' })} ${time}`;
}

export const STATE_LOOK: Record<RunState, { icon: string; color: string; title: string }> = {
  running: { icon: 'play_circle', color: 'primary', title: 'Running, or waiting for a trigger or schedule' },
  success: { icon: 'check_circle', color: 'positive', title: 'Succeeded: every error (if any) went to an error socket that is wired' },
  failure: { icon: 'cancel', color: 'negative', title: 'Failed: a node raised an error nothing handled' },
  error: { icon: 'report', color: 'negative', title: 'The flow itself could not go on' },
  stopped: { icon: 'stop_circle', color: 'grey-7', title: 'Stopped before it finished' },
  interrupted: { icon: 'pause_circle', color: 'warning', title: 'Interrupted: its page closed or reloaded while it ran' },
};

/** The short form of a run's id: the engine's own ids (`run-1-mx68c7k9`) are short already. */
export function shortId(id: string): string {
  return id.length <= 16 ? id : id.slice(0, 8);
}
