/**
 * Lock-order tracking in the spirit of the kernel's lockdep: every time a thread acquires a lock
 * while holding others, the explorer records "held → acquired" between lock classes (a lock's
 * `name`, e.g. `hmm->lock`). The graph is kept across the whole state space, not per state, so an
 * inversion (A → B somewhere, B → A somewhere else) is found even when no explored interleaving
 * actually deadlocked, exactly as lockdep warns about a possible deadlock from two separate runs.
 *
 * Trylocks add no edge for the lock they take (they cannot wait), but locks they took count as held
 * afterwards. Taking the same class again (e.g. a recursive `down_read`) is left to the deadlock
 * search, which finds the real hazard with a writer queued in between.
 */
import { locksHeld } from '../core/kernel/locksHeld.ts';
import type { Model } from '../core/model.ts';
import type { Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import type { ExploreResult, Stats, Witness } from './result.ts';
import type { ExploreOutcome } from './explore.ts';

export const LOCK_ORDER = 'lock order';

export interface LockEdge {
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  /** Kernel call that took `to` while `from` was held. */
  readonly step: string;
  /** Where it first happened: the stored state it was taken from and the choice taken there. */
  readonly state: number;
  readonly choice: number;
}

export class LockOrderGraph {
  private readonly edges = new Map<string, Map<string, LockEdge>>();
  /** The first cycle closed, as its edges in order; the last edge is the one that closed it. */
  inversion: readonly LockEdge[] | undefined;

  /** Records the orders a transition creates, if its alternative acquires a lock. */
  observe<G>(model: Model<G>, world: World<G>, t: Transition, state: number, choice: number): void {
    const s = model.routineAt(t.fn).statements[t.stmt];
    if (s === undefined || s.kind !== 'step') return;
    const acquires = s.alternatives[t.alt]?.acquires;
    if (acquires === undefined) return;
    const stack = world.threads[t.tid]!;
    this.record(model, t, acquires(world.shared, stack[stack.length - 1]!.locals as never), locksHeld(world.shared, t.tid), state, choice);
  }

  /** Records "held → to" for the lock `to` that transition `t` acquires while holding `heldLocks`. */
  record<G>(model: Model<G>, t: Transition, to: string, heldLocks: readonly { readonly name: string }[], state: number, choice: number): void {
    const s = model.routineAt(t.fn).statements[t.stmt];
    if (s === undefined || s.kind !== 'step') return;
    const held = new Set(heldLocks.map((h) => h.name));
    held.delete(to);
    for (const from of held) {
      if (this.edges.get(from)?.has(to)) continue;
      this.absorb({ from, to, actor: model.actors[t.tid]!.name, step: s.label, state, choice });
    }
  }

  /** Every recorded order, first occurrence each (for merging the graphs of parallel workers). */
  edgeList(): LockEdge[] {
    return [...this.edges.values()].flatMap((out) => [...out.values()]);
  }

  /** The graph a snapshot kept: its edges in `edgeList` order (which rebuilds the same maps) and the inversion found. */
  restore(edges: readonly LockEdge[], inversion: readonly LockEdge[] | undefined): void {
    for (const e of edges) this.put(e);
    this.inversion = inversion;
  }

  /** Adds an order recorded elsewhere (another worker), finding an inversion as `observe` does. */
  absorb(edge: LockEdge): void {
    if (!this.put(edge)) return;
    if (this.inversion === undefined) {
      const back = this.pathBetween(edge.to, edge.from);
      if (back) this.inversion = [...back, edge];
    }
  }

  /** Adds `edge` unless an order between its locks is known: whether it was new. */
  private put(edge: LockEdge): boolean {
    let out = this.edges.get(edge.from);
    if (out === undefined) this.edges.set(edge.from, (out = new Map()));
    if (out.has(edge.to)) return false;
    out.set(edge.to, edge);
    return true;
  }

  /** Edges of a path from `a` to `b`, if one exists. */
  private pathBetween(a: string, b: string): LockEdge[] | undefined {
    const seen = new Set<string>([a]);
    const queue: { at: string; via: LockEdge[] }[] = [{ at: a, via: [] }];
    for (let i = 0; i < queue.length; i++) {
      const { at, via } = queue[i]!;
      for (const [next, e] of this.edges.get(at) ?? []) {
        if (next === b) return [...via, e];
        if (!seen.has(next)) {
          seen.add(next);
          queue.push({ at: next, via: [...via, e] });
        }
      }
    }
    return undefined;
  }
}

export function describeInversion(cycle: readonly LockEdge[]): string {
  const orders = cycle.map((e) => `${e.from} → ${e.to} (${e.actor}: ${e.step})`);
  return `possible circular locking dependency: ${orders.join('; ')}; threads taking these in turn can deadlock`;
}

/** The "lock order" violation for an inversion: the closing acquisition's path, and a path to each edge. */
export function inversionViolation(
  cycle: readonly LockEdge[],
  pathTo: (state: number) => number[],
  stats: Stats,
  witnesses: readonly Witness[],
): Extract<ExploreResult, { verdict: 'violation' }> {
  const last = cycle[cycle.length - 1]!;
  return {
    verdict: 'violation',
    property: { name: LOCK_ORDER, kind: 'lockOrder' },
    message: describeInversion(cycle),
    path: [...pathTo(last.state), last.choice],
    stats,
    witnesses,
    lockOrder: cycle.map((e) => ({ from: e.from, to: e.to, actor: e.actor, step: e.step, path: [...pathTo(e.state), e.choice] })),
  };
}

/**
 * Under symmetry the lock-order graph holds only the acquisitions of the states stored, which are
 * class representatives: a renaming can change which locks a symmetric actor nests, so an
 * inversion could be missed. Whether a symmetric actor nested locks (then search again without symmetry).
 */
export function nestsSymmetricLocks<G>(model: Model<G>, symmetric: boolean, lockOrder: LockOrderGraph | undefined): boolean {
  if (!symmetric || lockOrder === undefined) return false;
  const members = new Set((model.symmetry ?? []).flatMap((g) => g.tids.map((tid) => model.actors[tid]!.name)));
  return lockOrder.edgeList().some((e) => members.has(e.actor));
}

export const SYMMETRY_OFF_LOCKS = 'symmetric actors take a lock while holding another, and lock-order tracking needs every acquisition';

/** The result of a search repeated without symmetry, with the first search's time and the reason. */
export function withoutSymmetry(again: ExploreOutcome, firstMs: number): ExploreOutcome {
  const r = again.stats.reduction ?? { por: false, symmetry: false as const, prunedSteps: 0, provisoExpansions: 0 };
  return { ...again, stats: { ...again.stats, elapsedMs: again.stats.elapsedMs + firstMs, reduction: { ...r, symmetryOff: SYMMETRY_OFF_LOCKS } } };
}
