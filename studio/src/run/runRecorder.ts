/**
 * Records one run of the studio into the run history (persistence/runHistory.ts), as the
 * engine's Recorder does for the command line (py/headrace/recording.py): a record when the
 * run starts; its view every few seconds while it runs; its view and every socket's kept
 * values whenever it goes idle or ends. Writes are one at a time and coalesced — a run
 * emitting thousands of values a second costs one write per interval, not one per event —
 * and never hold the run up: the engine goes on whatever the browser's storage does.
 */
import type { Result } from '@/protocol/bridge';
import type { ExportedSocketValues, RunState, ValuesResult, ViewData } from '@/protocol/events';
import type { FlowDocument } from '@/protocol/flow';
import { RunHistoryError, type RunHistory } from '@/persistence/runHistory';

/** How often a running run's view is written (values are read when it rests or ends). */
export const CHECKPOINT_MS = 2000;

/** A run's record state from its view: how `headrace.history.final_state` reads a run. */
export function recordState(view: ViewData): RunState {
  switch (view.phase) {
    case 'idle':
      // Resting with a schedule still to fire is still going (its page closing interrupts it).
      if (Object.values(view.nodes).some((n) => Object.values(n.schedules).some((sc) => sc.next_at !== null))) return 'running';
      return view.unrouted_errors ? 'failure' : 'success';
    case 'failed':
      return 'error';
    case 'stopped':
      if (view.reason === 'failed') return 'error';
      if (view.reason === 'finished') return view.unrouted_errors ? 'failure' : 'success';
      return 'stopped';
    default:
      return 'running';
  }
}

/** Just the engine's view, without what only the studio shows (messages, pulses). */
function viewData(view: ViewData): ViewData {
  const { run, flow, phase, reason, message, emitted, errors, unrouted_errors, nodes } = view;
  return JSON.parse(JSON.stringify({ run, flow, phase, reason, message, emitted, errors, unrouted_errors, nodes })) as ViewData;
}

export interface RecorderOptions {
  history: RunHistory;
  run: string;
  flow: FlowDocument;
  /** What started it: `run-flow`, `node:NAME`, `replay`, … */
  trigger: string;
  parent?: string | null;
  /** A page of a socket's kept values (the runner's `values`). */
  readValues(node: string, socket: string, limit: number): Promise<Result<ValuesResult>>;
  keepValues: number;
  /** The history could not be written (said once per run; the run goes on unrecorded). */
  onProblem(message: string): void;
  now?: () => number;
}

export class RunRecorder {
  private writing: Promise<void> = Promise.resolve();
  /** A write is queued behind the one in flight (the latest view wins). */
  private queued: { view: ViewData; values: boolean; state: RunState; ended: number | null } | null = null;
  /** How the run stood when it last rested (success or failure), or null while it works. */
  private restedAs: { state: RunState; ended: number } | null = null;
  private lastWrite = 0;
  private lastPhase: string | null = null;
  private failed = false;
  private readonly now: () => number;

  constructor(private readonly o: RecorderOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** Keep the run's record from its start. */
  begin(): Promise<void> {
    const started = this.now() / 1000;
    this.writing = this.o.history
      .begin(
        {
          id: this.o.run, flow_name: this.o.flow.name, trigger: this.o.trigger, parent: this.o.parent ?? null,
          started_at: started, ended_at: null, state: 'running', message: null, emitted: 0, errors: 0, unrouted_errors: 0,
        },
        this.o.flow,
      )
      .catch((err: unknown) => this.problem(err));
    this.lastWrite = this.now();
    return this.writing;
  }

  /**
   * The run's view changed: write it when it rested or ended (with its values), or when the
   * last write is `CHECKPOINT_MS` old. Resolves when what it queued is written.
   */
  observe(view: ViewData): Promise<void> {
    if (this.failed) return this.writing;
    this.track(view);
    const rested = view.phase !== this.lastPhase && ['idle', 'stopped', 'failed'].includes(view.phase);
    this.lastPhase = view.phase;
    if (!rested && this.now() - this.lastWrite < CHECKPOINT_MS) return this.writing;
    return this.write(view, rested);
  }

  /** Write the run as it is now, with its values (on Stop, or when the page goes). */
  flush(view: ViewData): Promise<void> {
    if (this.failed) return this.writing;
    this.track(view);
    return this.write(view, true);
  }

  /**
   * The record's state for `view`. A run stopped while it rested with nothing left to do
   * (the next Run Flow stops the last run, which stays open for ▶ until then) keeps how it
   * rested: it finished; Stop did not cut anything short.
   */
  private stateOf(view: ViewData): { state: RunState; ended: number | null } {
    if (view.phase === 'stopped' && view.reason === 'stopped' && this.restedAs) return this.restedAs;
    const state = recordState(view);
    return { state, ended: state === 'running' ? null : this.now() / 1000 };
  }

  /** Follow whether the run rests with its work done (see stateOf). */
  private track(view: ViewData): void {
    if (view.phase === 'idle') {
      const state = recordState(view);
      if (state === 'running') this.restedAs = null;
      else if (this.restedAs?.state !== state) this.restedAs = { state, ended: this.now() / 1000 };
    } else if (view.phase !== 'stopped' && view.phase !== 'failed') {
      this.restedAs = null;
    }
  }

  private write(view: ViewData, values: boolean): Promise<void> {
    this.lastWrite = this.now();
    const snapshot = viewData(view);
    const { state, ended } = this.stateOf(view);
    if (this.queued) {
      // Behind a write in flight already: this view replaces the one waiting.
      this.queued = { view: snapshot, values: values || this.queued.values, state, ended };
      return this.writing;
    }
    this.queued = { view: snapshot, values, state, ended };
    this.writing = this.writing.then(async () => {
      const next = this.queued;
      this.queued = null;
      if (!next || this.failed) return;
      try {
        const { state, ended } = next;
        await this.o.history.checkpoint(this.o.run, {
          view: next.view, state, message: next.view.message, ended_at: ended,
          ...(next.values ? { values: await this.values(next.view) } : {}),
        });
      } catch (err) {
        this.problem(err);
      }
    });
    return this.writing;
  }

  /** Every socket's kept values, read from the runner (one page of the ring each). */
  private async values(view: ViewData): Promise<ExportedSocketValues[]> {
    const out: ExportedSocketValues[] = [];
    for (const [node, nv] of Object.entries(view.nodes)) {
      for (const [socket, sv] of Object.entries(nv.sockets)) {
        if (!sv.count) continue;
        const page = await this.o.readValues(node, socket, this.o.keepValues);
        if (!page.ok) continue; // the engine no longer keeps this run's values: the view stays
        out.push({ node, socket, values: page.value.values.map((v) => [v.index, v.value, v.repr]) });
      }
    }
    return out;
  }

  private problem(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const text = err instanceof RunHistoryError ? err.message : `The run history could not be written: ${err instanceof Error ? err.message : String(err)}`;
    this.o.onProblem(text);
  }
}
