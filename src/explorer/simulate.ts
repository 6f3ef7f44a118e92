/**
 * Random simulation, for models too large to explore exhaustively: many random runs of bounded
 * depth, each checked against the safety properties (invariants, step assertions, `onExit`,
 * `atEnd`, deadlocks) as it goes. Two schedulers:
 *
 * - `uniform`: every step picks uniformly among the enabled steps;
 * - `pct` (probabilistic concurrency testing, Burckhardt et al. 2010): threads get random distinct
 *   priorities and the highest-priority enabled thread runs; at `pctDepth - 1` random steps the
 *   running thread drops below all others. Bugs that need few ordering constraints between threads
 *   are found with much higher probability than by uniform choice.
 *
 * Each run is a walk (walk.ts): the search loop with a walk's store, queue and step filter, on
 * the compiled space or the reference one, so it is judged as the exhaustive search judges.
 *
 * Runs are driven by fast-check: a run is a value of an arbitrary (the random choices), so a failing
 * run is shrunk by fast-check's shrinker to a shorter one that still fails, and the seed reproduces
 * the whole session. Choices past the end of a shrunk run default to the first enabled step.
 */
import fc from 'fast-check';
import { fingerprint, type Fingerprint } from '../core/canonical.ts';
import { ModelError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';
import { CompiledSpace, hashWords } from '../core/compiled/space.ts';
import { learnLayout, Relayout } from './kernel.ts';
import { resolveOptions, type Engine } from './options.ts';
import type { ReplayPath } from './result.ts';
import { walkCompiled, walkReference, type Chooser, type WalkOutcome } from './walk.ts';

export type Scheduler = 'uniform' | 'pct';

export interface SimulateOptions {
  readonly runs?: number;
  /** Steps per run at most. */
  readonly depth?: number;
  readonly seed?: number;
  readonly scheduler?: Scheduler;
  /** PCT's bug depth d: d - 1 priority change points per run (default 3). */
  readonly pctDepth?: number;
  /** The state space the runs take (default compiled; any run it cannot take runs on the reference one). */
  readonly engine?: Engine;
  /**
   * Called with `stateFingerprint` of the states the runs visit, about once per distinct state
   * (a state may be reported again after the compiled layout grows): for coverage counts.
   */
  readonly onState?: (fp: Fingerprint) => void;
}

/**
 * A fingerprint of a state that does not depend on the process computing it: frames name their
 * routine instead of its index (indices follow the order of first use, which differs between
 * processes), and no packed layout is involved. Equal states give equal fingerprints everywhere.
 */
export function stateFingerprint<G>(model: Model<G>, world: World<G>): Fingerprint {
  const threads = world.threads.map((stack) => stack.map((f) => ({ ...f, fn: model.routineAt(f.fn).name })));
  return fingerprint({ shared: world.shared, threads });
}

/** Reports each state once per key (a fingerprint of the packed vector, or the state's own). */
class Visits<G> {
  private readonly keys = new Set<number>();
  constructor(
    private readonly model: Model<G>,
    readonly report: (fp: Fingerprint) => void,
  ) {}
  /** 53 bits of a 64-bit fingerprint: enough to tell apart the states one session meets. */
  private fresh(fp: Fingerprint): boolean {
    const key = (fp.hi >>> 0) * 2097152 + (fp.lo >>> 11);
    if (this.keys.has(key)) return false;
    if (this.keys.size >= 4_000_000) this.keys.clear();
    this.keys.add(key);
    return true;
  }
  packed(space: CompiledSpace<G>, w: Uint32Array): void {
    if (this.fresh(hashWords(w))) this.report(stateFingerprint(this.model, space.decode(new Uint8Array(w.buffer, w.byteOffset, w.byteLength))));
  }
  world(world: World<G>): void {
    const fp = stateFingerprint(this.model, world);
    if (this.fresh(fp)) this.report(fp);
  }
  /** The packed layout changed: vector fingerprints from before no longer name the same states. */
  relayout(): void {
    this.keys.clear();
  }
}

export interface SimulationFailure {
  readonly verdict: 'violation' | 'deadlock';
  readonly property: string;
  readonly message: string;
  /** The shrunk failing run, as a replay path. */
  readonly path: ReplayPath;
  /** The failing run as first found, before shrinking. */
  readonly foundPath: ReplayPath;
}

export interface SimulationResult {
  readonly seed: number;
  readonly scheduler: Scheduler;
  readonly depth: number;
  /** Runs made (up to and including the first failing one). */
  readonly runs: number;
  /** Steps taken by all runs, shrinking included. */
  readonly steps: number;
  readonly shrinks: number;
  readonly failure: SimulationFailure | null;
  readonly elapsedMs: number;
}

export interface Schedule {
  /** Thread priorities (PCT) — larger runs first. */
  readonly priorities: readonly number[];
  /** Steps at which the running thread's priority drops (PCT). */
  readonly changes: readonly number[];
  /** Choice per step: among enabled steps (uniform) or among the chosen thread's alternatives (PCT). */
  readonly choices: readonly number[];
}

export type RunOutcome = WalkOutcome;

/** A schedule as a walk's chooser (walk.ts): each run starts from the schedule's priorities. */
function chooser(s: Schedule, scheduler: Scheduler): Chooser {
  const priorities = [...s.priorities];
  return (k, tids, n) => pickStep(s, k, tids, n, priorities, scheduler);
}

/** One run on the compiled space; a Relayout when the layout cannot take it. */
function runCompiled<G>(model: Model<G>, space: CompiledSpace<G>, s: Schedule, depth: number, scheduler: Scheduler, visits: Visits<G> | undefined): RunOutcome | Relayout {
  return walkCompiled(model, space, depth, chooser(s, scheduler), visits && ((w) => visits.packed(space, w)));
}

/** One run on the reference space; stops at the first failure, at `depth`, or when nothing can move. */
function run<G>(model: Model<G>, s: Schedule, depth: number, scheduler: Scheduler, visits?: Visits<G>): RunOutcome {
  return walkReference(model, depth, chooser(s, scheduler), visits && ((w) => visits.world(w)));
}

/** Which step a schedule picks among the enabled ones (their threads are `tids[0..n)`), updating PCT priorities. */
function pickStep(s: Schedule, k: number, tids: ArrayLike<number>, n: number, priorities: number[], scheduler: Scheduler): number {
  const c = s.choices[k] ?? 0;
  if (scheduler === 'uniform') return c % n;
  let best = tids[0]!;
  for (let i = 0; i < n; i++) if ((priorities[tids[i]!] ?? 0) > (priorities[best] ?? 0)) best = tids[i]!;
  const mine: number[] = [];
  for (let i = 0; i < n; i++) if (tids[i] === best) mine.push(i);
  if (s.changes.includes(k)) priorities[best] = -1 - s.changes.indexOf(k);
  return mine[c % mine.length]!;
}

/**
 * Runs on the compiled space, with a layout learnt by a short compiled search; a run it cannot take
 * (a state the layout cannot hold, a guard or step that throws) is taken on the reference space,
 * which gives the same outcome or the model's error, and the layout learns from it for later runs.
 */
function compiledRunner<G>(model: Model<G>, visits: Visits<G> | undefined): ((s: Schedule, depth: number, scheduler: Scheduler) => RunOutcome) | undefined {
  const facts = learnLayout(model, resolveOptions({}), 20_000);
  let space: CompiledSpace<G>;
  const build = (): boolean => {
    try {
      space = new CompiledSpace(model, facts);
      visits?.relayout();
      return true;
    } catch {
      return false;
    }
  };
  if (!build()) return undefined;
  return (s, depth, scheduler) => {
    const out = runCompiled(model, space, s, depth, scheduler, visits);
    if (!(out instanceof Relayout)) return out;
    // The run on the reference space: the layout learns its states, for the runs after it.
    if (out.world !== undefined) facts.absorbWorld(out.world);
    const reference = walkReference(model, depth, chooser(s, scheduler), (w) => {
      visits?.world(w);
      facts.absorbWorld(w as World<unknown>);
    });
    build();
    return reference;
  };
}

/**
 * What a series of `simulate` calls on one model can share: the property checks and the compiled
 * layout (learning it is a short search, too slow to repeat for every small batch of runs).
 */
export interface SimulationSession<G> {
  readonly model: Model<G>;
  /** Takes one run under a schedule. */
  take(s: Schedule, depth: number, scheduler: Scheduler): RunOutcome;
}

export function simulationSession<G>(model: Model<G>, options: Pick<SimulateOptions, 'engine' | 'onState'> = {}): SimulationSession<G> {
  const visits = options.onState ? new Visits(model, options.onState) : undefined;
  const compiled = (options.engine ?? 'compiled') === 'compiled' ? compiledRunner(model, visits) : undefined;
  return { model, take: (s, depth, scheduler) => compiled?.(s, depth, scheduler) ?? run(model, s, depth, scheduler, visits) };
}

class RunFailed extends Error {
  constructor(readonly outcome: RunOutcome) {
    super('run failed');
  }
}

/** Random runs; `session` (one per model) carries the learnt layout from one call to the next. */
export function simulate<G>(model: Model<G>, options: SimulateOptions = {}, session?: SimulationSession<G>): SimulationResult {
  const runs = options.runs ?? 1000;
  const depth = options.depth ?? 200;
  const seed = options.seed ?? 1;
  const scheduler = options.scheduler ?? 'uniform';
  const pctDepth = options.pctDepth ?? 3;
  if (!Number.isInteger(runs) || runs < 1) throw new ModelError(`runs must be a positive integer, got ${runs}`, { model: model.name });
  if (session !== undefined && session.model !== model) throw new Error('simulate: the session belongs to another model');
  const n = model.actors.length;
  const schedule: fc.Arbitrary<Schedule> = fc.record({
    priorities: fc.array(fc.nat({ max: 1_000_000 }), { minLength: n, maxLength: n }),
    changes: scheduler === 'pct' ? fc.array(fc.nat({ max: Math.max(0, depth - 1) }), { maxLength: Math.max(0, pctDepth - 1) }) : fc.constant([]),
    // Full-length runs when generated; shrinking pulls choices towards 0 (the first enabled step).
    choices: fc.array(fc.nat({ max: 1_000_000 }), { minLength: depth, maxLength: depth }),
  });
  const started = Date.now();
  const runner = session ?? simulationSession(model, options);
  let steps = 0;
  const take = (s: Schedule): RunOutcome => {
    const out = runner.take(s, depth, scheduler);
    steps += out.path.length;
    return out;
  };
  let firstFound: RunOutcome | undefined;
  const details = fc.check(
    fc.property(schedule, (s) => {
      const out = take(s);
      if (out.failure) {
        firstFound ??= out;
        throw new RunFailed(out);
      }
    }),
    { seed, numRuns: runs, endOnFailure: false },
  );
  const elapsedMs = Date.now() - started;
  const base = { seed, scheduler, depth, shrinks: details.numShrinks, elapsedMs };
  if (!details.failed) return { ...base, runs: details.numRuns, steps, failure: null };
  const err: unknown = details.errorInstance;
  // A model error inside a run (a step that throws, say) is not a failing run: report it as such.
  if (!(err instanceof RunFailed) || details.counterexample === null) throw err;
  const [shrunk] = details.counterexample;
  const out = take(shrunk);
  const f = out.failure ?? err.outcome.failure!;
  return {
    ...base,
    runs: details.numRuns,
    steps,
    failure: { ...f, path: out.failure ? out.path : err.outcome.path, foundPath: firstFound?.path ?? err.outcome.path },
  };
}
