/**
 * `interleave check` runs its search on a worker thread, so that the main thread stays free to
 * answer Ctrl-C and SIGTERM (partial statistics, exit 130 or 143) and to watch the search's
 * heartbeat (explorer/options.ts, `Heartbeat`): a step that has not returned after `--step-timeout`
 * seconds is stopped, and reported with its actor, its label and the replay path of the state it
 * was expanding (exit 2). See docs/watchdog.md.
 *
 * The thread is started before the main thread has parsed its arguments (main.ts), so that loading
 * the engine on both threads overlaps. The path of the state being expanded is not known to the
 * heartbeat, which costs the search nothing: after a hang, a second thread runs the same search
 * again, deterministically, learning each state's parent from the beats (pathRecorder.ts), until it
 * reaches the step that does not return.
 */
import { ModelError, UsageError } from '../core/errors.ts';
import type { Model, Params } from '../core/model.ts';
import { transitionLabel } from '../core/transitions.ts';
import type { CheckOptions } from '../explorer/check.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { Heartbeat } from '../explorer/options.ts';
import { formatPath, type ProgressReport } from '../explorer/result.ts';
import { EXIT } from './exitCodes.ts';
import { replayCommandFor } from './runCheck.ts';
import type { Output } from './output.ts';
import { Published, publishedPath } from './pathRecorder.ts';
import type { CheckpointPlan } from './checkpointRun.ts';
import { checkpointRequestOf, controlOf, heartbeatOf, Phase, SearchThread, sharedSlots, type PlainCheckOptions, type SearchJob, type SearchReply } from './searchJob.ts';

/** Default `--step-timeout`, in seconds. */
export const DEFAULT_STEP_TIMEOUT_S = 10;
/** How long a signal waits for the search to start writing the checkpoint it asked for. */
const CHECKPOINT_WAIT_MS = 3000;
/** Longest replay path the second run can hand back. */
const MAX_PATH = 1 << 16;

/** Where the search was when it was stopped: the heartbeat's slots. */
type Beat = Readonly<Record<Exclude<keyof typeof Heartbeat, 'size'>, number>>;

type Ending =
  | Extract<SearchReply, { kind: 'result' | 'error' }>
  | { kind: 'signal'; signal: 'SIGINT' | 'SIGTERM'; beat: Beat; phase: number; elapsedMs: number; saved?: { dir: string; states: number } }
  | { kind: 'stuck'; beat: Beat }
  | { kind: 'crashed'; error: Error };

export interface ThreadCheck<G> {
  readonly spec: string;
  /** The parameters as given on the command line. */
  readonly params: Params;
  readonly model: Model<G>;
  readonly options: CheckOptions;
  /** Milliseconds a step may run before the watchdog stops it; 0: no watchdog. */
  readonly stepTimeoutMs: number;
  readonly onProgress?: (report: ProgressReport) => void;
  /** `--checkpoint`, `--resume`. */
  readonly checkpoint?: CheckpointPlan;
}

/** The check's outcome, or the exit code when it was stopped by a signal. Throws a ModelError for a step that does not return. */
export async function checkInThread<G>(thread: SearchThread, check: ThreadCheck<G>, out: Output): Promise<{ outcome: ExploreOutcome } | { code: number }> {
  const options = plain(check.options);
  const shared = sharedSlots();
  const plan = check.checkpoint ? { checkpoint: check.checkpoint } : {};
  const first = await run(thread, { spec: check.spec, params: check.params, options, progress: check.onProgress !== undefined, shared, ...plan }, check.stepTimeoutMs, 0, check.onProgress, out);
  if (first.kind === 'result') return { outcome: first.outcome };
  if (first.kind !== 'stuck') return { code: ended(first, out) };
  const seconds = check.stepTimeoutMs / 1000;
  out.stderr(`interleave: a step of ${check.model.name} has run for more than ${seconds} s; searching again to find the replay path of the state it was expanding`);
  const published = new SharedArrayBuffer((Published.path + MAX_PATH) * Int32Array.BYTES_PER_ELEMENT);
  const { timeoutMs: _, ...again } = options;
  const second = await run(
    SearchThread.start(),
    { spec: check.spec, params: check.params, options: { ...again, determinismChecks: 0 }, progress: false, shared: sharedSlots(), diagnose: { from: first.beat.beat, published }, ...plan },
    Math.min(check.stepTimeoutMs, 2000),
    first.beat.beat,
  );
  if (second.kind === 'signal') return { code: ended(second, out) };
  if (second.kind === 'stuck') throw stuckError(check, second.beat, publishedPath(new Int32Array(published), second.beat.state), undefined);
  const why = second.kind === 'result' ? 'the second search did not stop there (does the model depend on time or randomness?)' : `the second search failed: ${second.kind === 'error' ? second.message : second.error.message}`;
  throw stuckError(check, first.beat, undefined, why);
}

/** Options without functions: the thread makes its own memory probe and progress callback. */
function plain(options: CheckOptions): PlainCheckOptions {
  const { onProgress: _, now: __, memoryProbe: ___, onStore: ____, heartbeat: _____, shared: ______, ...rest } = options;
  return rest;
}

/** Runs one job on `thread`, watching its heartbeat; the thread is stopped unless it finished. */
function run(thread: SearchThread, job: SearchJob, stallMs: number, fromBeat: number, onProgress?: (report: ProgressReport) => void, out?: Output): Promise<Ending> {
  const { worker } = thread;
  const beat = heartbeatOf(job.shared);
  const phase = controlOf(job.shared);
  const started = Date.now();
  return new Promise<Ending>((resolve) => {
    let seen = -1;
    let since = started;
    // With checkpoints on, a signal first asks the search for one (it stops once that is written).
    let stopping: { signal: 'SIGINT' | 'SIGTERM'; at: number } | undefined;
    let saved: { dir: string; states: number } | undefined;
    const finish = (end: Ending): void => {
      clearInterval(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (end.kind === 'result' || end.kind === 'error') resolve(end);
      else void thread.stop().then(() => resolve(end));
    };
    const stop = (s: 'SIGINT' | 'SIGTERM'): void => finish({ kind: 'signal', signal: s, beat: read(beat), phase: Atomics.load(phase, 0), elapsedMs: Date.now() - started, ...(saved ? { saved } : {}) });
    const signal = (s: 'SIGINT' | 'SIGTERM') => (): void => {
      const now = Atomics.load(phase, 0);
      if (job.checkpoint === undefined || job.diagnose !== undefined || stopping !== undefined || (now !== Phase.search && now !== Phase.saving)) return stop(stopping?.signal ?? s);
      stopping = { signal: s, at: Date.now() };
      Atomics.store(checkpointRequestOf(job.shared), 0, 1);
      out?.stderr(`interleave: ${s}: writing a checkpoint to ${job.checkpoint.dir} before stopping (again to stop at once)`);
    };
    const onInt = signal('SIGINT');
    const onTerm = signal('SIGTERM');
    const onMessage = (m: SearchReply): void => {
      if (m.kind === 'progress') onProgress?.(m.report);
      else if (m.kind === 'note') out?.stderr(m.message);
      else if (m.kind === 'checkpoint') {
        saved = { dir: job.checkpoint!.dir, states: m.states };
        if (stopping) stop(stopping.signal);
      } else finish(m);
    };
    const onError = (error: Error): void => finish({ kind: 'crashed', error });
    const onExit = (code: number): void => finish({ kind: 'crashed', error: new Error(`the search thread exited with code ${code}`) });
    const timer = setInterval(
      () => {
        const b = Atomics.load(beat, Heartbeat.beat);
        const now = Date.now();
        // Asked for a checkpoint that is not being written: a step does not return, or the search has moved on to liveness.
        if (stopping && Atomics.load(phase, 0) !== Phase.saving && now - stopping.at >= CHECKPOINT_WAIT_MS) return stop(stopping.signal);
        if (Atomics.load(phase, 0) !== Phase.search || b !== seen) {
          seen = b;
          since = now;
        } else if (stallMs > 0 && b >= fromBeat && now - since >= stallMs) finish({ kind: 'stuck', beat: read(beat) });
      },
      Math.max(10, Math.min(250, stallMs / 5 || 250)),
    );
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job);
  });
}

function read(beat: Int32Array): Beat {
  const at = (slot: number): number => Atomics.load(beat, slot);
  return {
    beat: at(Heartbeat.beat),
    state: at(Heartbeat.state),
    tid: at(Heartbeat.tid),
    fn: at(Heartbeat.fn),
    stmt: at(Heartbeat.stmt),
    alt: at(Heartbeat.alt),
    choice: at(Heartbeat.choice),
    states: at(Heartbeat.states),
    transitions: at(Heartbeat.transitions),
  };
}

/** A search that ended without an outcome: the error rethrown here, or the partial statistics of an interrupted one. */
function ended(end: Exclude<Ending, { kind: 'result' | 'stuck' }>, out: Output): number {
  if (end.kind === 'crashed') throw end.error;
  if (end.kind === 'error') {
    if (end.name === 'ModelError') throw new ModelError(end.problem ?? end.message, end.site ?? {}, end.hint);
    if (end.name === 'UsageError') throw new UsageError(end.message);
    const e = new Error(end.message);
    e.name = end.name;
    if (end.stack !== undefined) e.stack = end.stack;
    throw e;
  }
  const n = (x: number): string => x.toLocaleString('en-US');
  const b = end.beat;
  const where = end.phase === Phase.after ? ' (the safety search had finished; the liveness check was running)' : '';
  out.stderr(`interleave: interrupted (${end.signal}) after ${n(b.states)} states, ${n(b.transitions)} transitions, ${(end.elapsedMs / 1000).toFixed(2)} s${where}; the search did not finish`);
  if (end.saved) out.stderr(`interleave: the checkpoint in ${end.saved.dir} holds ${n(end.saved.states)} states: continue with --resume ${end.saved.dir}`);
  return end.signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
}

function stuckError<G>(check: ThreadCheck<G>, beat: Beat, path: readonly number[] | undefined, why: string | undefined): ModelError {
  const { model } = check;
  const actor = model.actors[beat.tid]?.name ?? `thread ${beat.tid}`;
  const step = transitionLabel(model, { tid: beat.tid, fn: beat.fn, stmt: beat.stmt, alt: beat.alt });
  const seconds = check.stepTimeoutMs / 1000;
  const where =
    path !== undefined
      ? `it is enabled step ${beat.choice} of the state at the replay path, which \`${replayCommandFor(check.spec, check.params, path)}\` shows`
      : `the replay path of the state it was expanding is not known: ${why ?? 'it is too long to hand back'}`;
  return new ModelError(
    `the step did not return within ${seconds} s and was stopped (${where})`,
    { model: model.name, actor, step, ...(path !== undefined ? { path: formatPath(path) } : {}) },
    `look for a loop in this step that never ends (or in a property checked after it); if the step is only slow, raise --step-timeout (0 turns the watchdog off)`,
  );
}
