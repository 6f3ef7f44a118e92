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
import { CompiledSpace, EXITED, FAILED } from '../core/compiled/space.ts';
import { blockedThreads, describeDeadlock } from '../explorer/blocked.ts';
import { enableOrRelayout, encodeInitial, propertyDiffers, Relayout, relayoutFor, withLayout } from '../explorer/kernel.ts';
import { PropertyChecks, type Failure } from '../explorer/propertyChecks.ts';
import { selectsFailure } from '../explorer/selection.ts';

export interface BoundedOptions {
  readonly bound: number;
  /** The state space (default compiled; the reference space when the layout cannot hold the model). */
  readonly engine?: 'compiled' | 'reference';
  readonly properties?: readonly string[];
  /** Give up (result `incomplete`) after storing this many search states. */
  readonly maxStates?: number;
}

export type BoundedResult =
  | { readonly kind: 'found'; readonly path: ReplayPath; readonly problem: Problem; readonly preemptions: number; readonly states: number }
  | { readonly kind: 'none' | 'incomplete'; readonly states: number };

/**
 * The bounded search's nodes, on either space: each a state (a packed vector or a world) with its
 * key, parent link, preemptions, depth and the thread that moved last; the fewest preemptions
 * each key was reached with; and the order to expand them in (buckets[preemptions][depth]: fewest
 * preemptions first, then fewest steps).
 */
class Nodes<S> {
  readonly states: S[] = [];
  readonly last: number[] = [];
  readonly depth: number[] = [];
  private readonly keys: string[] = [];
  private readonly parent: number[] = [];
  private readonly choice: number[] = [];
  private readonly preemptions: number[] = [];
  private readonly best = new Map<string, number>();
  private readonly buckets: number[][][] = [];

  get size(): number {
    return this.states.length;
  }

  add(state: S, key: string, parent: number, choice: number, preemptions: number, depth: number, last: number): number {
    const index = this.states.push(state) - 1;
    this.keys.push(key);
    this.parent.push(parent);
    this.choice.push(choice);
    this.preemptions.push(preemptions);
    this.depth.push(depth);
    this.last.push(last);
    this.best.set(key, preemptions);
    ((this.buckets[preemptions] ??= [])[depth] ??= []).push(index);
    return index;
  }

  /** Whether `key` was reached already with at most `preemptions`. */
  known(key: string, preemptions: number): boolean {
    const b = this.best.get(key);
    return b !== undefined && b <= preemptions;
  }

  /**
   * Calls `visit` on each node in order, up to `bound` preemptions, nodes added meanwhile included
   * and nodes reached again with fewer preemptions skipped; stops at its first result.
   */
  drain<R>(bound: number, visit: (index: number, preemptions: number) => R | undefined): R | undefined {
    for (let p = 0; p <= bound; p++) {
      const levels = this.buckets[p] ?? [];
      for (let d = 0; d < levels.length; d++) {
        const level = levels[d] ?? [];
        for (let k = 0; k < level.length; k++) {
          const index = level[k]!;
          if (this.best.get(this.keys[index]!)! < p) continue;
          const r = visit(index, p);
          if (r !== undefined) return r;
        }
      }
    }
    return undefined;
  }

  pathTo(index: number, extra: readonly number[] = []): number[] {
    const out: number[] = [];
    for (let i = index; this.parent[i]! >= 0; i = this.parent[i]!) out.push(this.choice[i]!);
    return [...out.reverse(), ...extra];
  }

  found(index: number, problem: Problem, extra: readonly number[] = [], preemptions = this.preemptions[index]!): BoundedResult {
    return { kind: 'found', path: this.pathTo(index, extra), problem, preemptions, states: this.size };
  }
}

export function preemptionBounded<G>(model: Model<G>, options: BoundedOptions): BoundedResult {
  if (options.engine !== 'reference') {
    const run = withLayout(model, (space) => boundedCompiled(model, space, options));
    if (!('fallback' in run)) return run;
  }
  return boundedReference(model, options);
}

/**
 * The bounded search on the compiled space: the same order, keys and checks as on the reference
 * space (a state is its packed vector, exact under one layout, plus the thread that moved last).
 * Whatever misbehaves on the packed state is replayed on the reference space, as in the kernel.
 */
function boundedCompiled<G>(model: Model<G>, space: CompiledSpace<G>, options: BoundedOptions): BoundedResult | Relayout {
  const selected = options.properties ? new Set(options.properties) : undefined;
  const checks = new PropertyChecks(model, selected);
  const checkDeadlocks = !selected || selected.has('deadlock');
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  space.keepExitLocals = checks.hasExitChecks;
  const { root: g, view } = space;
  const nodes = new Nodes<Uint8Array>();
  /** Invariants of the state in `b` (plus onExit when step `tid` finished its thread), as ProblemFinder.afterStep. */
  const judge = (b: Uint8Array, exited: number | undefined): Problem | undefined => {
    space.point(b);
    let f: Failure | undefined;
    try {
      f = checks.stateFailure(g, view);
      if (f === undefined && exited !== undefined) {
        const locals = space.exitLocals;
        view.exiting = locals ? { tid: exited, locals } : undefined;
        f = checks.exitFailure(g, view, exited);
      }
    } catch (thrown) {
      throw propertyDiffers(space, b, thrown, (w) => checks.checkState(w, exited));
    } finally {
      view.exiting = undefined;
    }
    return f ? { verdict: 'violation', property: f.property.name, message: f.message } : undefined;
  };
  const initial = encodeInitial(model, space);
  if (initial instanceof Relayout) return initial;
  const initialProblem = judge(initial, undefined);
  nodes.add(initial, `${vectorKey(initial)}#-1`, -1, -1, 0, 0, -1);
  if (initialProblem) return nodes.found(0, initialProblem);
  const out = new Uint8Array(space.size);
  try {
    const r = nodes.drain(options.bound, (index, p): BoundedResult | undefined => {
      const b = nodes.states[index]!;
      const n = enableOrRelayout(model, space, b);
      if (n === 0) {
        const world = space.decode(b);
        const blocked = checkDeadlocks ? blockedThreads(model, world) : [];
        if (blocked.length > 0) return nodes.found(index, { verdict: 'deadlock', property: 'deadlock', message: describeDeadlock(blocked) });
        const end = checks.checkEnd(world);
        return end ? nodes.found(index, { verdict: 'violation', property: end.property.name, message: end.message }) : undefined;
      }
      const last = nodes.last[index]!;
      const tids = space.en.tid;
      let lastCanGoOn = false;
      for (let i = 0; i < n && last >= 0; i++) if (tids[i] === last) lastCanGoOn = true;
      const depth = nodes.depth[index]!;
      for (let i = 0; i < n; i++) {
        const tid = tids[i]!;
        const cost = lastCanGoOn && tid !== last ? 1 : 0;
        if (p + cost > options.bound) continue;
        out.set(b);
        let kind: number;
        try {
          kind = space.applyEnabled(i, out);
        } catch (thrown) {
          throw relayoutFor(model, space, b, space.transition(i), thrown);
        }
        if (kind === FAILED) {
          const f = space.failure!;
          const name = f.verdict === 'deadlock' ? 'deadlock' : f.property;
          if (selectsFailure(model, selected, name)) return nodes.found(index, { verdict: f.verdict, property: f.property, message: f.message }, [i], p + cost);
          continue;
        }
        const key = `${vectorKey(out)}#${tid}`;
        if (nodes.known(key, p + cost)) continue;
        if (nodes.size >= maxStates) return { kind: 'incomplete', states: nodes.size };
        const next = nodes.add(out.slice(), key, index, i, p + cost, depth + 1, tid);
        const problem = judge(nodes.states[next]!, kind === EXITED ? tid : undefined);
        if (problem) return nodes.found(next, problem);
      }
      return undefined;
    });
    return r ?? { kind: 'none', states: nodes.size };
  } catch (thrown) {
    if (thrown instanceof Relayout) return thrown;
    throw thrown;
  }
}

/** A vector as a string key: exact (under one layout a vector is a canonical encoding). */
function vectorKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

function boundedReference<G>(model: Model<G>, options: BoundedOptions): BoundedResult {
  const finder = new ProblemFinder(model, options.properties ? new Set(options.properties) : undefined);
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  const nodes = new Nodes<World<G>>();
  const initialProblem = finder.afterStep(model.initial, undefined, false);
  nodes.add(model.initial, `${encodeWorld(model, model.initial)}#-1`, -1, -1, 0, 0, -1);
  if (initialProblem) return nodes.found(0, initialProblem);
  const r = nodes.drain(options.bound, (index, p): BoundedResult | undefined => {
    const world = nodes.states[index]!;
    const enabled = enabledTransitions(model, world);
    if (enabled.length === 0) {
      const problem = finder.terminal(world);
      return problem ? nodes.found(index, problem) : undefined;
    }
    const last = nodes.last[index]!;
    const lastCanGoOn = last >= 0 && enabled.some((t) => t.tid === last);
    for (let i = 0; i < enabled.length; i++) {
      const t = enabled[i]!;
      const cost = lastCanGoOn && t.tid !== last ? 1 : 0;
      if (p + cost > options.bound) continue;
      const out = applyTransition(model, world, t);
      if (out.kind === 'failed') {
        const problem = finder.failedStep(out);
        if (problem !== 'pruned') return nodes.found(index, problem, [i], p + cost);
        continue;
      }
      const key = `${encodeWorld(model, out.world, { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) })}#${t.tid}`;
      if (nodes.known(key, p + cost)) continue;
      if (nodes.size >= maxStates) return { kind: 'incomplete', states: nodes.size };
      const next = nodes.add(out.world, key, index, i, p + cost, nodes.depth[index]! + 1, t.tid);
      const problem = finder.afterStep(out.world, t, out.exited);
      if (problem) return nodes.found(next, problem);
    }
    return undefined;
  });
  return r ?? { kind: 'none', states: nodes.size };
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
