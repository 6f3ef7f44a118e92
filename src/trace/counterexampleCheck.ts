/**
 * Re-running a candidate counterexample step by step with the explorer's own checks, to learn the
 * first thing that goes wrong on it. Used by the minimiser and the preemption-bounded search, so a
 * reordered or newly found trace is judged exactly as the search judges one: each is a walk
 * (explorer/walk.ts), the search loop following the given steps.
 */
import type { Model } from '../core/model.ts';
import type { Transition } from '../core/transitions.ts';
import { followPath, walkReference } from '../explorer/walk.ts';

export interface Problem {
  readonly verdict: 'violation' | 'deadlock';
  readonly property: string;
  readonly message: string;
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
 * enabled list, and stops at the first problem the search would report on the way, judged under
 * the `--property` selection `properties`. Returns undefined when a step is not enabled where
 * the sequence needs it, or the sequence goes on after a step that fails an unselected assertion
 * (such a step cannot complete).
 */
export function runSteps<G>(model: Model<G>, properties: readonly string[] | undefined, steps: readonly Transition[]): Run | undefined {
  const taken: Transition[] = [];
  const out = walkReference(
    model,
    steps.length,
    (k, _tids, n, at) => {
      const want = steps[k]!;
      for (let i = 0; i < n; i++) {
        const t = at.transition(i);
        if (sameTransition(t, want)) {
          taken.push(t);
          return i;
        }
      }
      return -1;
    },
    undefined,
    properties ? { properties } : {},
  );
  if (out.left) return undefined;
  if (out.failure) return { path: out.path, transitions: taken.slice(0, out.path.length), problem: out.failure };
  // A step that failed an unselected assertion ended the walk short of the sequence's end.
  if (out.path.length < steps.length) return undefined;
  return { path: out.path, transitions: taken };
}

/** The transitions a replay path names (up to a step that is not enabled or cannot complete). */
export function transitionsOf<G>(model: Model<G>, path: readonly number[]): Transition[] {
  const out: Transition[] = [];
  followPath(model, path, (t) => out.push(t));
  return out;
}
