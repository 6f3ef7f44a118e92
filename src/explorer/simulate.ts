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
 * Runs are driven by fast-check: a run is a value of an arbitrary (the random choices), so a failing
 * run is shrunk by fast-check's shrinker to a shorter one that still fails, and the seed reproduces
 * the whole session. Choices past the end of a shrunk run default to the first enabled step.
 */
import fc from 'fast-check';
import { ModelError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from './blocked.ts';
import { PropertyChecks } from './propertyChecks.ts';
import type { ReplayPath } from './result.ts';

export type Scheduler = 'uniform' | 'pct';

export interface SimulateOptions {
  readonly runs?: number;
  /** Steps per run at most. */
  readonly depth?: number;
  readonly seed?: number;
  readonly scheduler?: Scheduler;
  /** PCT's bug depth d: d - 1 priority change points per run (default 3). */
  readonly pctDepth?: number;
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
  readonly shrinks: number;
  readonly failure: SimulationFailure | null;
  readonly elapsedMs: number;
}

interface Schedule {
  /** Thread priorities (PCT) — larger runs first. */
  readonly priorities: readonly number[];
  /** Steps at which the running thread's priority drops (PCT). */
  readonly changes: readonly number[];
  /** Choice per step: among enabled steps (uniform) or among the chosen thread's alternatives (PCT). */
  readonly choices: readonly number[];
}

type RunOutcome = { readonly path: number[]; readonly failure?: { verdict: 'violation' | 'deadlock'; property: string; message: string } };

/** Executes one run under a schedule; stops at the first failure, at `depth`, or when nothing can move. */
function run<G>(model: Model<G>, checks: PropertyChecks<G>, s: Schedule, depth: number, scheduler: Scheduler): RunOutcome {
  let world: World<G> = model.initial;
  const path: number[] = [];
  const priorities = [...s.priorities];
  const initial = checks.checkState(world, undefined);
  if (initial) return { path, failure: { verdict: 'violation', property: initial.property.name, message: initial.message } };
  for (let k = 0; k < depth; k++) {
    const enabled = enabledTransitions(model, world);
    if (enabled.length === 0) {
      const blocked = blockedThreads(model, world);
      if (blocked.length > 0) return { path, failure: { verdict: 'deadlock', property: 'deadlock', message: describeDeadlock(blocked) } };
      const end = checks.checkEnd(world);
      if (end) return { path, failure: { verdict: 'violation', property: end.property.name, message: end.message } };
      return { path };
    }
    const c = s.choices[k] ?? 0;
    let pick: number;
    if (scheduler === 'uniform') pick = c % enabled.length;
    else {
      let best = enabled[0]!.tid;
      for (const t of enabled) if ((priorities[t.tid] ?? 0) > (priorities[best] ?? 0)) best = t.tid;
      const mine = enabled.map((t, i) => [t, i] as const).filter(([t]) => t.tid === best);
      pick = mine[c % mine.length]![1];
      if (s.changes.includes(k)) priorities[best] = -1 - s.changes.indexOf(k);
    }
    const t = enabled[pick]!;
    path.push(pick);
    const out = applyTransition(model, world, t);
    if (out.kind === 'failed') return { path, failure: { verdict: out.verdict, property: out.property, message: out.message } };
    world = out.world;
    const bad = checks.checkState(world, out.exited ? t.tid : undefined);
    if (bad) return { path, failure: { verdict: 'violation', property: bad.property.name, message: bad.message } };
  }
  return { path };
}

class RunFailed extends Error {
  constructor(readonly outcome: RunOutcome) {
    super('run failed');
  }
}

export function simulate<G>(model: Model<G>, options: SimulateOptions = {}): SimulationResult {
  const runs = options.runs ?? 1000;
  const depth = options.depth ?? 200;
  const seed = options.seed ?? 1;
  const scheduler = options.scheduler ?? 'uniform';
  const pctDepth = options.pctDepth ?? 3;
  if (!Number.isInteger(runs) || runs < 1) throw new ModelError(`runs must be a positive integer, got ${runs}`, { model: model.name });
  const checks = new PropertyChecks(model);
  const n = model.actors.length;
  const schedule: fc.Arbitrary<Schedule> = fc.record({
    priorities: fc.array(fc.nat({ max: 1_000_000 }), { minLength: n, maxLength: n }),
    changes: scheduler === 'pct' ? fc.array(fc.nat({ max: Math.max(0, depth - 1) }), { maxLength: Math.max(0, pctDepth - 1) }) : fc.constant([]),
    // Full-length runs when generated; shrinking pulls choices towards 0 (the first enabled step).
    choices: fc.array(fc.nat({ max: 1_000_000 }), { minLength: depth, maxLength: depth }),
  });
  const started = Date.now();
  let firstFound: RunOutcome | undefined;
  const details = fc.check(
    fc.property(schedule, (s) => {
      const out = run(model, checks, s, depth, scheduler);
      if (out.failure) {
        firstFound ??= out;
        throw new RunFailed(out);
      }
    }),
    { seed, numRuns: runs, endOnFailure: false },
  );
  const elapsedMs = Date.now() - started;
  const base = { seed, scheduler, depth, shrinks: details.numShrinks, elapsedMs };
  if (!details.failed) return { ...base, runs: details.numRuns, failure: null };
  const err: unknown = details.errorInstance;
  // A model error inside a run (a step that throws, say) is not a failing run: report it as such.
  if (!(err instanceof RunFailed) || details.counterexample === null) throw err;
  const [shrunk] = details.counterexample;
  const out = run(model, checks, shrunk, depth, scheduler);
  const f = out.failure ?? err.outcome.failure!;
  return {
    ...base,
    runs: details.numRuns,
    failure: { ...f, path: out.failure ? out.path : err.outcome.path, foundPath: firstFound?.path ?? err.outcome.path },
  };
}
