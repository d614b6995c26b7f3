/**
 * A re-attached backend run replays its events from the start. The run view is reset
 * before the replay, so folding it again is right; but the window events
 * (headrace:emit/error/idle) already went out once and must not go out twice. This
 * remembers what was dispatched and lets only the new part of a replay through.
 */
import type { EngineEvent } from '@/protocol/events';

export class ReplayFilter {
  private maxSeq = 0;
  private errors = 0;
  private idles = 0;
  private skipErrors = 0;
  private skipIdles = 0;

  /** A replay starts: the errors and idles seen so far will come again. */
  replaying(): void {
    this.skipErrors = this.errors;
    this.skipIdles = this.idles;
  }

  /** The events not dispatched before. */
  fresh(events: EngineEvent[]): EngineEvent[] {
    return events.filter((ev) => {
      switch (ev.event) {
        case 'emit':
          if (ev.seq <= this.maxSeq) return false;
          this.maxSeq = ev.seq;
          return true;
        case 'node_error':
          if (this.skipErrors > 0) return this.skipErrors-- < 0;
          this.errors += 1;
          return true;
        case 'run_idle':
          if (this.skipIdles > 0) return this.skipIdles-- < 0;
          this.idles += 1;
          return true;
        default:
          return true;
      }
    });
  }
}
