/**
 * Re-running a candidate counterexample step by step with the explorer's own checks, to learn the
 * first thing that goes wrong on it. Used by the minimiser and the preemption-bounded search, so a
 * reordered or newly found trace is judged exactly as the search judges one.
 */
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, type StepOutcome, type Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from '../explorer/blocked.ts';
import { selectsFailure } from '../explorer/explore.ts';
import { PropertyChecks } from '../explorer/propertyChecks.ts';

export interface Problem {
  readonly verdict: 'violation' | 'deadlock';
  readonly property: string;
  readonly message: string;
}

/** The explorer's verdict on states and steps, honouring a `--property` selection. */
export class ProblemFinder<G> {
  readonly checks: PropertyChecks<G>;
  private readonly checkDeadlocks: boolean;

  constructor(
    readonly model: Model<G>,
    private readonly selected?: ReadonlySet<string>,
  ) {
    this.checks = new PropertyChecks(model, selected);
    this.checkDeadlocks = !selected || selected.has('deadlock');
  }

  /** A failed step: a problem if selected, `pruned` if the step just cannot complete. */
  failedStep(out: Extract<StepOutcome<G>, { kind: 'failed' }>): Problem | 'pruned' {
    const name = out.verdict === 'deadlock' ? 'deadlock' : out.property;
    if (!selectsFailure(this.model, this.selected, name)) return 'pruned';
    return { verdict: out.verdict, property: out.property, message: out.message };
  }

  /** Invariants of a state reached by `t` (plus `onExit` if `t` finished its thread). */
  afterStep(world: World<G>, t: Transition | undefined, exited: boolean): Problem | undefined {
    const f = this.checks.checkState(world, exited && t ? t.tid : undefined);
    return f ? { verdict: 'violation', property: f.property.name, message: f.message } : undefined;
  }

  /** Deadlock or end-of-run failure of a state with no enabled step. */
  terminal(world: World<G>): Problem | undefined {
    const blocked = this.checkDeadlocks ? blockedThreads(this.model, world) : [];
    if (blocked.length > 0) return { verdict: 'deadlock', property: 'deadlock', message: describeDeadlock(blocked) };
    const end = this.checks.checkEnd(world);
    return end ? { verdict: 'violation', property: end.property.name, message: end.message } : undefined;
  }
}

export function sameTransition(a: Transition, b: Transition): boolean {
  return a.tid === b.tid && a.fn === b.fn && a.stmt === b.stmt && a.alt === b.alt;
}

export interface Run {
  /** Replay-path entries of the steps actually taken (up to the first problem). */
  readonly path: number[];
  readonly transitions: Transition[];
  readonly problem?: Problem;
}

/**
 * Applies `steps` in order, matching each by identity (thread, statement, alternative) in the
 * enabled list, and stops at the first problem. Returns undefined when a step is not enabled
 * where the sequence needs it or a step fails an unselected assertion.
 */
export function runSteps<G>(finder: ProblemFinder<G>, steps: readonly Transition[]): Run | undefined {
  const model = finder.model;
  let world = model.initial;
  const path: number[] = [];
  const taken: Transition[] = [];
  const initial = finder.afterStep(world, undefined, false);
  if (initial) return { path, transitions: taken, problem: initial };
  for (const want of steps) {
    const enabled = enabledTransitions(model, world);
    const i = enabled.findIndex((t) => sameTransition(t, want));
    if (i < 0) return undefined;
    path.push(i);
    taken.push(enabled[i]!);
    const out = applyTransition(model, world, enabled[i]!);
    if (out.kind === 'failed') {
      const p = finder.failedStep(out);
      return p === 'pruned' ? undefined : { path, transitions: taken, problem: p };
    }
    world = out.world;
    const problem = finder.afterStep(world, want, out.exited);
    if (problem) return { path, transitions: taken, problem };
  }
  if (enabledTransitions(model, world).length === 0) {
    const problem = finder.terminal(world);
    if (problem) return { path, transitions: taken, problem };
  }
  return { path, transitions: taken };
}

/** The transitions a replay path names. */
export function transitionsOf<G>(model: Model<G>, path: readonly number[]): Transition[] {
  let world = model.initial;
  const out: Transition[] = [];
  for (const i of path) {
    const t = enabledTransitions(model, world)[i];
    if (t === undefined) break;
    out.push(t);
    const next = applyTransition(model, world, t);
    if (next.kind === 'failed') break;
    world = next.world;
  }
  return out;
}
