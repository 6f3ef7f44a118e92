/**
 * The search loop, once, for both state spaces: pop, enable, reduce, apply, judge, store, push.
 * A `LoopStates` holds the states (packed vectors in kernel.ts, frozen worlds in reference.ts): the
 * state being expanded ("current") and the successor just made ("next"); the loop only decides.
 */
import { checkDeterminism } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { Positions } from '../core/positions.ts';
import type { StepFailure, Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from './blocked.ts';
import type { ExploreOutcome } from './explore.ts';
import type { LockOrderGraph } from './lockOrder.ts';
import type { ExploreConfig } from './options.ts';
import type { Failure, PropertyChecks } from './propertyChecks.ts';
import { formatPath } from './result.ts';
import { selectsFailure } from './selection.ts';
import type { SharedSearch } from './sharedStore.ts';
import { FULL, SEEN } from './stateStore.ts';
import { withPath, type SearchTally, type TallyStore } from './tally.ts';
import type { Reduction } from '../reduction/index.ts';

export const NEXT = 0;
export const EXITED = 1;
export const FAILED = 2;

/** The states of one search, as the loop sees them. */
export interface LoopStates<G> {
  readonly store: TallyStore;
  readonly queued: number;
  /** Makes the initial state the next one. */
  initial(): void;
  /** Stores the next state reached from `parent` by step `via` (-1, 0: the initial state): its index, SEEN or FULL. */
  visit(parent: number, via: number, limit: number): number;
  /** After `visit` returned SEEN: whether that state was stored deeper than `depth` (the cycle proviso). */
  seenDeeper(depth: number): boolean;
  /** After `visit` returned SEEN: that state's index (needed only with a graph recorder). */
  seenIndex?(): number;
  /** The next state was stored as `index` at `depth`. */
  stored(index: number, depth: number): void;
  /** Invariants of the next state; then the `sometimes` properties it witnesses. */
  judge(index: number, tally: SearchTally<G>): Failure | undefined;
  /** onExit properties after the step that finished thread `tid` (the next state). */
  judgeExit(tid: number): Failure | undefined;
  /** Queues the next state; makes the oldest (BFS) or newest (DFS) queued state the current one. */
  push(index: number, depth: number): void;
  pop(): number;
  /** Depth of the state `pop` made current. */
  readonly depth: number;
  /** Hands the state that `pop` would take to another worker (its index). */
  give(): number;
  /** Makes the state at the end of `path` current and queues it. */
  adopt(index: number, path: readonly number[]): void;
  /** Enabled steps of the current state: how many; then each by index. */
  enable(): number;
  tid(k: number): number;
  /** The threads of the enabled steps, in order (for partial-order reduction). */
  tids(n: number): ArrayLike<number>;
  transition(k: number): Transition;
  acquires(k: number): boolean;
  /** Applies step `k` of the current state, making the next one: NEXT, EXITED or FAILED (see `failure`). */
  apply(k: number): number;
  readonly failure: StepFailure | undefined;
  /** The current state as a world (deadlock and end checks, determinism checks). */
  world(): World<G>;
  /** Applies the current state's guards and steps twice and compares (default: on its world, with the reference space). */
  checkDeterminism?(path: string): void;
  /** Thread positions and locks of the current state, for partial-order reduction. */
  positions(): Positions;
  /** Records the lock order step `k` of the current state creates. */
  observeLock(graph: LockOrderGraph, k: number, index: number): void;
  /** What to return instead of throwing `thrown` (a restart signal of the compiled space), if anything. */
  caught?(thrown: unknown): unknown;
  /** Hands a snapshot of the search to `ExploreConfig.checkpoint` (the compiled space only). */
  readonly checkpoint?: (() => void) | undefined;
}

/** The enabled steps of the state being expanded, by index. */
export interface StepsAt {
  transition(k: number): Transition;
}

/**
 * Observes the state graph as the search makes it (the liveness graph: liveness.ts). States are
 * expanded in the order they were stored (BFS), so `expand` calls come in index order.
 */
export interface GraphRecorder {
  /** State `index` is expanded, with `n` enabled steps (`at` names them); false ends the search as over budget. */
  expand(index: number, n: number, at: StepsAt): boolean;
  /** The next state was stored as `index`, reached from `parent` (-1: none) by step `via`. */
  state(index: number, parent: number, via: number): void;
  /** Step `k` of the state being expanded (`at` names it) leads to state `to`. */
  edge(k: number, to: number, at: StepsAt): void;
}

export interface LoopParts<G> {
  readonly model: Model<G>;
  readonly cfg: ExploreConfig;
  readonly checks: PropertyChecks<G>;
  readonly tally: SearchTally<G>;
  readonly lockOrder: LockOrderGraph | undefined;
  readonly reduction: Reduction<G> | undefined;
  readonly shared: SharedSearch | undefined;
  /** The states to expand are already queued (a batch of a distributed search, a search resumed from a snapshot): no initial state. */
  readonly preloaded?: boolean;
  readonly graph?: GraphRecorder | undefined;
  /**
   * The steps the search takes from state `index`, whose enabled steps' threads are `tids[0..n)`
   * (all of them when it returns undefined; `at` names each): a bound on the search, such as the
   * preemption bound (src/trace/preemptionBounded.ts), or a walk's one step (walk.ts). Not
   * combined with partial-order reduction.
   */
  readonly steps?: ((index: number, tids: ArrayLike<number>, n: number, at: StepsAt) => number[] | undefined) | undefined;
}

/** Runs the search over `states`; a complete search ends in `end()`, anything else returns early. */
export function searchLoop<G, R>(states: LoopStates<G>, parts: LoopParts<G>, end: () => ExploreOutcome): ExploreOutcome | R {
  const { model, cfg, checks, tally, lockOrder, reduction, shared, graph } = parts;
  const selected = cfg.properties;
  const checkDeadlocks = !selected || selected.has('deadlock');
  const por = reduction !== undefined && reduction.active.por;
  let at = -1;
  try {
    if (!parts.preloaded && (!shared || shared.seeds)) {
      states.initial();
      at = states.visit(-1, 0, Number.POSITIVE_INFINITY);
      states.stored(at, 0);
      graph?.state(at, -1, -1);
      const initFailure = states.judge(at, tally);
      if (initFailure) return tally.fail(at, initFailure);
      states.push(at, 0);
    }
    for (;;) {
      // checkpoint: between two expansions, when the clock said one is due
      if (tally.checkpointDue) states.checkpoint?.();
      // pop (a parallel search: stop when another worker ended it, share with idle workers, wait for work)
      if (shared) {
        if (shared.store.stopped() !== 0) break;
        shared.store.sync();
        if (states.queued > 1 && shared.store.hungry()) {
          for (let n = Math.min(states.queued >> 1, 256); n > 0; n--) shared.store.give(states.give());
        }
        if (states.queued === 0) {
          const given = shared.store.take();
          if (given < 0) break;
          states.adopt(given, states.store.pathTo(given));
        }
      } else if (states.queued === 0) break;
      const index = states.pop();
      const depth = states.depth;
      at = index;
      tally.expanded++;
      const budget = tally.tick(cfg, states.queued);
      if (budget !== undefined) return tally.incomplete(budget);
      // enable
      const n = states.enable();
      tally.spend(n + 1);
      if (graph !== undefined && !graph.expand(index, n, states)) return tally.incomplete('maxStates');
      if (n === 0) {
        const world = states.world();
        const blocked = checkDeadlocks ? blockedThreads(model, world) : [];
        if (blocked.length > 0) return tally.deadlock(index, describeDeadlock(blocked), blocked);
        const endFailure = checks.checkEnd(world);
        if (endFailure) return tally.fail(index, endFailure);
        continue;
      }
      if (depth >= cfg.maxDepth) {
        tally.truncated = true;
        continue;
      }
      if (tally.expanded <= cfg.determinismChecks) {
        const path = formatPath(states.store.pathTo(index));
        if (states.checkDeterminism) states.checkDeterminism(path);
        else checkDeterminism(model, states.world(), path);
      }
      // reduce: an ample set first; the rest too if the cycle proviso (src/reduction/por.ts) asks
      const ample = por ? reduction.ampleAt(states.positions(), states.tids(n), n) : undefined;
      const order: number[] | undefined = ample ? [...ample] : parts.steps?.(index, states.tids(n), n, states);
      let full = ample === undefined;
      let provisoHit = false;
      for (let k = 0; ; k++) {
        if (k === (order === undefined ? n : order.length)) {
          if (full || !provisoHit) break;
          full = true;
          reduction!.provisoExpansions++;
          for (let j = 0; j < n; j++) if (!ample!.includes(j)) order!.push(j);
        }
        const i = order === undefined ? k : order[k]!;
        // apply
        if (cfg.heartbeat !== undefined) {
          const t = states.transition(i);
          tally.beat(cfg.heartbeat, index, t.tid, t.fn, t.stmt, t.alt, i);
        }
        const kind = states.apply(i);
        tally.transitions++;
        if (kind === FAILED) {
          // A failed assertion outside the selection: the step cannot complete, so it has no successor.
          // (An ample set must lead somewhere: such a step in one makes the state expand fully.)
          const out = states.failure!;
          if (!selectsFailure(model, selected, out.verdict === 'deadlock' ? 'deadlock' : out.property)) {
            provisoHit = true;
            continue;
          }
          if (out.verdict === 'deadlock') return tally.deadlock(index, `${tally.actor(states.tid(i))}: ${out.message}`, [], i);
          return tally.fail(index, { property: { name: out.property, kind: 'assertion' }, message: out.message }, [i]);
        }
        if (lockOrder !== undefined && states.acquires(i)) states.observeLock(lockOrder, i, index);
        // judge the step: a thread that finished
        if (kind === EXITED && checks.hasExitChecks) {
          const exitFailure = states.judgeExit(states.tid(i));
          if (exitFailure) return tally.fail(index, exitFailure, [i]);
          // An ample step that finishes its thread is visible to onExit properties: expand fully.
          if (!full && reduction!.exitsVisible) provisoHit = true;
        }
        // store
        const next = states.visit(index, i, cfg.maxStates);
        if (next === SEEN) {
          if (!full && !states.seenDeeper(depth)) provisoHit = true;
          graph?.edge(i, states.seenIndex!(), states);
          continue;
        }
        if (next === FULL) return tally.incomplete('maxStates');
        states.stored(next, depth + 1);
        graph?.state(next, index, i);
        if (depth + 1 > tally.maxDepth) tally.maxDepth = depth + 1;
        // judge the state, push
        const failure = states.judge(next, tally);
        if (failure) return tally.fail(next, failure);
        states.push(next, depth + 1);
        graph?.edge(i, next, states);
      }
      if (!full) reduction!.pruned += n - order!.length;
    }
  } catch (thrown) {
    const instead = states.caught?.(thrown);
    if (instead !== undefined) return instead as R;
    throw withPath(model, thrown, at >= 0 ? states.store.pathTo(at) : undefined);
  }
  return end();
}
