/**
 * Counterexamples: a replay path turned back into steps (actor, label, what changed), checking on
 * the way that the model behaves the same as it did during the search.
 */
import { checkDeterminism, encodeWorld, NONDETERMINISM_HINT } from '../core/determinism.ts';
import { ModelError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, transitionLabel, type Transition } from '../core/transitions.ts';
import type { Stack, World } from '../core/world.ts';
import { formatPath, type ReplayPath } from '../explorer/result.ts';
import { diff, type Change } from './diff.ts';

export interface TraceStep {
  /** Index of this step in the enabled list of the state before it (the replay path entry). */
  readonly choice: number;
  readonly actor: string;
  /** The routine the step belongs to (e.g. `hmm_invalidate_range_start` inside a munmap thread). */
  readonly routine: string;
  /** The step ran inside a called routine (not the actor's outermost one). */
  readonly nested: boolean;
  readonly label: string;
  readonly changes: readonly Change[];
  /** Set on a final step whose assertion failed (it changed nothing). */
  readonly failed?: { readonly verdict: 'violation' | 'deadlock'; readonly property: string; readonly message: string };
}

export interface Trace<G = unknown> {
  readonly model: string;
  readonly path: ReplayPath;
  readonly initial: World<G>;
  readonly steps: readonly TraceStep[];
  /** The state after each step (the last is the violating or deadlocked state). */
  readonly states: readonly World<G>[];
}

export interface ReplayOptions {
  /** Encodings the search recorded along the path; a mismatch means the model is nondeterministic. */
  readonly expectedKeys?: readonly string[];
  /** Also run each visited state's steps twice (catches Math.random() and friends). Default true. */
  readonly checkDeterminism?: boolean;
}

export function replay<G>(model: Model<G>, path: ReplayPath, options: ReplayOptions = {}): Trace<G> {
  let world = model.initial;
  const states: World<G>[] = [];
  const steps: TraceStep[] = [];
  const expected = options.expectedKeys;
  for (let k = 0; k < path.length; k++) {
    const here = formatPath(path.slice(0, k));
    if (options.checkDeterminism ?? true) checkDeterminism(model, world, here);
    const enabled = enabledTransitions(model, world);
    const choice = path[k]!;
    const t = enabled[choice];
    if (t === undefined) {
      throw new ModelError(
        `replay path entry ${k + 1} is ${choice}, but only ${enabled.length} step${enabled.length === 1 ? ' is' : 's are'} enabled there (${enabled.map((e, i) => `${i}: ${describe(model, e)}`).join('; ') || 'none'})`,
        { model: model.name, path: here },
        expected
          ? NONDETERMINISM_HINT
          : 'the path does not belong to this model or these parameters; copy it from the same check command',
      );
    }
    const out = applyTransition(model, world, t);
    const actor = model.actors[t.tid]!.name;
    const routine = model.routineAt(t.fn).name;
    const label = transitionLabel(model, t);
    const nested = world.threads[t.tid]!.length > 1;
    if (out.kind === 'failed') {
      if (k !== path.length - 1) {
        throw new ModelError(`step ${k + 1} fails an assertion but the path goes on`, { model: model.name, actor, step: label, path: here }, NONDETERMINISM_HINT);
      }
      steps.push({ choice, actor, routine, nested, label, changes: [], failed: { verdict: out.verdict, property: out.property, message: out.message } });
      states.push(world);
      break;
    }
    if (expected?.[k + 1] !== undefined && expected[k + 1] !== encodeWorld(model, out.world)) {
      throw new ModelError(
        'replaying the counterexample reached a different state than the search did',
        { model: model.name, actor, step: label, path: formatPath(path.slice(0, k + 1)) },
        NONDETERMINISM_HINT,
      );
    }
    steps.push({ choice, actor, routine, nested, label, changes: stepChanges(model, world, out.world, t) });
    states.push(out.world);
    world = out.world;
  }
  return { model: model.name, path, initial: model.initial, steps, states };
}

function describe<G>(model: Model<G>, t: Transition): string {
  return `${model.actors[t.tid]!.name} ${transitionLabel(model, t)}`;
}

function stackName<G>(model: Model<G>, stack: Stack): string {
  return stack.length === 0 ? '(finished)' : stack.map((f) => model.routineAt(f.fn).name).join(' › ');
}

/** Shared fields that changed, then the acting thread's locals (`actor.x`) and call stack. */
export function stepChanges<G>(model: Model<G>, before: World<G>, after: World<G>, t: Transition): Change[] {
  const changes = diff(before.shared, after.shared);
  model.actors.forEach((a, tid) => {
    const was = before.threads[tid]!;
    const now = after.threads[tid]!;
    if (was === now) return;
    const wasTop = was[was.length - 1];
    const nowTop = now[now.length - 1];
    if (was.length === now.length && wasTop && nowTop && wasTop.fn === nowTop.fn) {
      diff(wasTop.locals, nowTop.locals, a.name, changes);
    } else {
      changes.push({ path: `${a.name}.stack`, from: stackName(model, was), to: stackName(model, now) });
      if (tid === t.tid && nowTop && wasTop && now.length < was.length) {
        diff(was[now.length - 1]?.locals, nowTop.locals, a.name, changes);
      }
    }
  });
  return changes;
}
