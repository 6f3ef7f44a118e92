/**
 * Preemption-bounded search (as in CHESS and loom): explore the interleavings that switch away
 * from a thread that could have gone on at most `bound` times, fewest preemptions first and, for
 * equal preemptions, fewest steps first. Switching away from a thread that is blocked or finished
 * is free. The first problem found therefore has the fewest preemptions any counterexample within
 * the bound can have. It drives the public transition relation and the explorer's checks; the
 * search state is a world plus the thread that moved last.
 */
import { encodeWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, transitionLabel } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import type { ReplayPath } from '../explorer/result.ts';
import { ProblemFinder, type Problem } from './counterexampleCheck.ts';

export interface BoundedOptions {
  readonly bound: number;
  readonly properties?: readonly string[];
  /** Give up (result `incomplete`) after storing this many search states. */
  readonly maxStates?: number;
}

export type BoundedResult =
  | { readonly kind: 'found'; readonly path: ReplayPath; readonly problem: Problem; readonly preemptions: number; readonly states: number }
  | { readonly kind: 'none' | 'incomplete'; readonly states: number };

interface Node<G> {
  readonly world: World<G>;
  readonly last: number;
  readonly preemptions: number;
  readonly depth: number;
  readonly parent: number;
  readonly choice: number;
  readonly key: string;
}

export function preemptionBounded<G>(model: Model<G>, options: BoundedOptions): BoundedResult {
  const finder = new ProblemFinder(model, options.properties ? new Set(options.properties) : undefined);
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const nodes: Node<G>[] = [];
  const best = new Map<string, number>();
  // buckets[preemptions][depth] = node indices: fewest preemptions first, then fewest steps.
  const buckets: number[][][] = [];
  const pathTo = (index: number, extra: number[] = []): number[] => {
    const out: number[] = [];
    for (let i = index; nodes[i]!.parent >= 0; i = nodes[i]!.parent) out.push(nodes[i]!.choice);
    return [...out.reverse(), ...extra];
  };
  const found = (index: number, problem: Problem, extra: number[] = []): BoundedResult => ({
    kind: 'found',
    path: pathTo(index, extra),
    problem,
    preemptions: nodes[index]!.preemptions,
    states: nodes.length,
  });
  const add = (node: Node<G>): number => {
    const index = nodes.push(node) - 1;
    best.set(node.key, node.preemptions);
    ((buckets[node.preemptions] ??= [])[node.depth] ??= []).push(index);
    return index;
  };

  const initialProblem = finder.afterStep(model.initial, undefined, false);
  add({ world: model.initial, last: -1, preemptions: 0, depth: 0, parent: -1, choice: -1, key: `${encodeWorld(model, model.initial)}#-1` });
  if (initialProblem) return found(0, initialProblem);

  for (let p = 0; p <= options.bound; p++) {
    const levels = buckets[p] ?? [];
    for (let d = 0; d < levels.length; d++) {
      const level = levels[d] ?? [];
      for (let k = 0; k < level.length; k++) {
        const index = level[k]!;
        const node = nodes[index]!;
        if (best.get(node.key)! < node.preemptions) continue; // reached again with fewer preemptions
        const enabled = enabledTransitions(model, node.world);
        if (enabled.length === 0) {
          const problem = finder.terminal(node.world);
          if (problem) return found(index, problem);
          continue;
        }
        const lastCanGoOn = node.last >= 0 && enabled.some((t) => t.tid === node.last);
        for (let i = 0; i < enabled.length; i++) {
          const t = enabled[i]!;
          const cost = lastCanGoOn && t.tid !== node.last ? 1 : 0;
          if (p + cost > options.bound) continue;
          const out = applyTransition(model, node.world, t);
          if (out.kind === 'failed') {
            const problem = finder.failedStep(out);
            if (problem !== 'pruned') return { kind: 'found', path: pathTo(index, [i]), problem, preemptions: p + cost, states: nodes.length };
            continue;
          }
          const key = `${encodeWorld(model, out.world, { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) })}#${t.tid}`;
          const known = best.get(key);
          if (known !== undefined && known <= p + cost) continue;
          if (nodes.length >= maxStates) return { kind: 'incomplete', states: nodes.length };
          const next = add({ world: out.world, last: t.tid, preemptions: p + cost, depth: node.depth + 1, parent: index, choice: i, key });
          const problem = finder.afterStep(out.world, t, out.exited);
          if (problem) return found(next, problem);
        }
      }
    }
  }
  return { kind: 'none', states: nodes.length };
}

/** Preemptions along a path: switches away from a thread that still had a step enabled. */
export function countPreemptions<G>(model: Model<G>, path: ReplayPath): number {
  let world = model.initial;
  let last = -1;
  let n = 0;
  for (const i of path) {
    const enabled = enabledTransitions(model, world);
    const t = enabled[i];
    if (t === undefined) break;
    if (last >= 0 && t.tid !== last && enabled.some((e) => e.tid === last)) n++;
    last = t.tid;
    const out = applyTransition(model, world, t);
    if (out.kind === 'failed') break;
    world = out.world;
  }
  return n;
}
