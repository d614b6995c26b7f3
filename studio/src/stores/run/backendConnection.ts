/**
 * What a backend run's events connection does, shown in its session: re-attached (the
 * server replays the run: a fresh view, window events not sent twice), lost (reconnecting),
 * ended with the backend, failed, or closed.
 */
import { notice } from '@/app/notices';
import type { FlowDocument } from '@/protocol/flow';
import { applyEvents, emptyView } from '@/run/runView';
import type { Connection } from '../backend';
import type { RunSession } from '../run';
import { SCHEDULES_ELSEWHERE } from './schedulesElsewhere';

/** What the run store lends to follow a connection. */
export interface ConnectionContext {
  /** The session showing this backend run, if any. */
  sessionOf(run: string): RunSession | undefined;
  /** The backend's URL, as notices name it. */
  backendUrl(): string;
  message(s: RunSession, level: 'info' | 'warning' | 'error', text: string): void;
  nodeName(id: string, doc: FlowDocument | null): string;
  /** The session's run is over (its lock and re-attach note go). */
  ended(s: RunSession): void;
  /** Show what changed, on the next frame. */
  touch(): void;
}

export function followConnection(c: Connection, context: ConnectionContext): void {
  const { sessionOf, backendUrl, message, nodeName, ended, touch } = context;
  const s = sessionOf(c.run);
  if (!s || s.target !== 'backend' || s.view.run !== c.run) return;
  switch (c.state) {
    case 'attached':
      // The server sends the run's state first: fold it into a fresh view.
      s.view = emptyView(c.run, 'starting');
      s.debug.newRun();
      s.connectionNote = null;
      s.lostNotified = false;
      if (c.reattach) {
        s.replay.replaying();
        message(s, 'info', `Reconnected to the backend: showing run ${c.run} again`);
      }
      if (s.schedulesElsewhere) message(s, 'warning', `${SCHEDULES_ELSEWHERE}: this run fires none.`);
      break;
    case 'lost':
      // Said once per loss; the toolbar's note counts down the attempts.
      s.connectionNote = `Connection to the backend lost: reconnecting in ${Math.round(c.retryInMs / 100) / 10} s…`;
      if (!s.lostNotified) {
        message(s, 'warning', `${c.message}: reconnecting…`);
        notice('warning', 'Lost the connection to the backend: reconnecting…', `${backendUrl()} · run ${c.run}`);
      }
      s.lostNotified = true;
      break;
    case 'ended':
      // The backend no longer has the run (it stopped, or restarted, meanwhile): the run
      // ended with it. What was shown stays, as it last was, and this is said once; the
      // next run starts a fresh session, without it.
      s.connectionNote = null;
      applyEvents(s.view, [{ event: 'run_stopped', run: c.run, reason: 'stopped', message: c.message }], (id) => nodeName(id, s.flow));
      notice('warning', `${c.message.charAt(0).toUpperCase()}${c.message.slice(1)}`, `${backendUrl()} · run ${c.run}`);
      ended(s);
      break;
    case 'failed':
      s.connectionNote = null;
      s.view.phase = 'failed';
      message(s, 'error', `Backend: ${c.message}`);
      notice('error', 'The backend run cannot be shown', c.message);
      ended(s);
      break;
    case 'closed':
      s.connectionNote = null;
      break;
    default: {
      const unknown: never = c;
      console.warn('unknown connection state', unknown);
    }
  }
  touch();
}
