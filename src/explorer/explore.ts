/**
 * The explorer: one loop for every strategy. Pop a state, compute its enabled steps, apply each,
 * fingerprint the result, check properties on new states, store and push them.
 */
import { checkDeterminism } from '../core/determinism.ts';
import { UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, transitionLabel, type Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from './blocked.ts';
import { frontierFor } from './frontier.ts';
import { LOCK_ORDER, LockOrderGraph } from './lockOrder.ts';
import { exploreCompiled, keysAlong } from './kernel.ts';
import { SearchTally, withPath } from './tally.ts';
import { selectableProperties, selectsFailure } from './selection.ts';
import { resolveOptions, type ExploreConfig, type ExploreOptions } from './options.ts';
import { PropertyChecks } from './propertyChecks.ts';
import { formatPath, type ExploreResult } from './result.ts';
import { FULL, SEEN, stateStore, type StateStore } from './stateStore.ts';
import { Reduction } from '../reduction/index.ts';

/** Result plus the encodings of the states along its path, for cross-checking a replay. */
export type ExploreOutcome = ExploreResult & { readonly pathKeys?: readonly string[] };

export { selectableProperties, selectsFailure } from './selection.ts';

function checkSelection<G>(model: Model<G>, selected: ReadonlySet<string>): void {
  const known = new Set(selectableProperties(model));
  for (const name of selected) {
    if (!known.has(name)) {
      throw new UsageError(`model ${model.name} has no property "${name}"; it has: ${[...known].map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

/** Why a search runs on the reference space although the compiled one was asked for, or undefined. */
function referenceOnly<G>(model: Model<G>, cfg: ExploreConfig): string | undefined {
  if (cfg.shared) return 'parallel search (--workers) runs on the reference space';
  if (cfg.symmetry !== false && (model.symmetry?.length ?? 0) > 0) return 'symmetry reduction runs on the reference space';
  if (cfg.exact) return 'the exact store runs on the reference space';
  if (cfg.onStore) return 'onStore observers need the reference space';
  return undefined;
}

export function explore<G>(model: Model<G>, options: ExploreOptions = {}): ExploreOutcome {
  const cfg = resolveOptions(options);
  if (cfg.properties) checkSelection(model, cfg.properties);
  if (cfg.engine === 'compiled') {
    const why = referenceOnly(model, cfg) ?? compiledRun(model, cfg);
    if (typeof why !== 'string') return why;
    const r = exploreReference(model, options, cfg);
    return { ...r, stats: { ...r.stats, engine: { name: 'reference', fallback: why } } };
  }
  const r = exploreReference(model, options, cfg);
  return { ...r, stats: { ...r.stats, engine: { name: 'reference' } } };
}

function compiledRun<G>(model: Model<G>, cfg: ExploreConfig): ExploreOutcome | string {
  const run = exploreCompiled(model, cfg);
  return 'fallback' in run ? run.fallback : run.outcome;
}

function exploreReference<G>(model: Model<G>, options: ExploreOptions, cfg: ExploreConfig): ExploreOutcome {
  const shared = cfg.shared;
  const store: StateStore<G> = shared ? (shared.store as StateStore<unknown> as StateStore<G>) : stateStore(model, cfg.exact);
  const frontier = frontierFor<G>(cfg.strategy, cfg.compactFrontier);
  const selected = cfg.properties;
  const checks = new PropertyChecks(model, selected);
  const checkDeadlocks = !selected || selected.has('deadlock');
  const lockOrder = !selected || selected.has(LOCK_ORDER) ? new LockOrderGraph() : undefined;
  const reduction = cfg.por || cfg.symmetry !== false ? new Reduction(model, { por: cfg.por, symmetry: cfg.symmetry, properties: selected }) : undefined;
  // Symmetry stores each state under its class representative; the frontier keeps the actual state,
  // so stored paths replay exactly in the unreduced model.
  const stored = (world: World<G>): World<G> => (reduction?.symmetric ? reduction.representative(world) : world);
  const onStore = cfg.onStore as ((world: World<G>) => void) | undefined;
  const tally = new SearchTally(
    model,
    checks,
    store,
    lockOrder,
    cfg.now,
    cfg.now(),
    () => (reduction ? { reduction: { ...reduction.active, prunedSteps: reduction.pruned, provisoExpansions: reduction.provisoExpansions } } : {}),
    // The encodings along a path are those of actual states, not of the stored representatives.
    (i) => (reduction?.symmetric ? {} : { pathKeys: keysAlong(model, store.pathTo(i)) }),
  );
  const replayed = new PathReplayer(model);
  let at = -1;
  try {
    if (!shared || shared.seeds) {
      const initial = stored(model.initial);
      at = store.visit(initial, -1, 0, Number.POSITIVE_INFINITY);
      reduction?.stored(initial, 0);
      onStore?.(model.initial);
      const initFailure = checks.checkState(model.initial, undefined);
      if (initFailure) return tally.fail(at, initFailure);
      tally.witnessed(at, checks.reached(model.initial, tally.pending));
      frontier.push(at, model.initial, 0);
    }

    for (;;) {
      if (shared) {
        // A parallel search: stop when another worker ended it; share states with idle workers;
        // when this frontier runs dry, wait for a state from another worker.
        if (shared.store.stopped() !== 0) break;
        if (frontier.size > 1 && shared.store.hungry()) {
          // Give the oldest states (in BFS the shallowest, with the largest subtrees), up to half.
          for (let n = Math.min(frontier.size >> 1, 256); n > 0; n--) shared.store.give(frontier.pop().index);
        }
        if (frontier.size === 0) {
          const given = shared.store.take();
          if (given < 0) break;
          const path = store.pathTo(given);
          frontier.push(given, replayed.worldAt(path), path.length);
        }
      } else if (frontier.size === 0) break;
      const { index, world, depth } = frontier.pop();
      at = index;
      tally.expanded++;
      const budget = tally.tick(cfg, frontier.size);
      if (budget !== undefined) return tally.incomplete(budget);
      const enabled = enabledTransitions(model, world);
      tally.spend(enabled.length + 1);
      if (enabled.length === 0) {
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
      if (tally.expanded <= cfg.determinismChecks) checkDeterminism(model, world, formatPath(store.pathTo(index)));
      // Partial-order reduction: expand an ample set first; if one of its successors was stored
      // no deeper than this state (the cycle proviso, src/reduction/por.ts), expand the rest too.
      const ample = reduction?.ample(world, enabled);
      const order: number[] = ample ? [...ample] : enabled.map((_, i) => i);
      let full = ample === undefined;
      let provisoHit = false;
      for (let k = 0; ; k++) {
        if (k === order.length) {
          if (full || !provisoHit) break;
          full = true;
          reduction!.provisoExpansions++;
          for (let i = 0; i < enabled.length; i++) if (!ample!.includes(i)) order.push(i);
        }
        const i = order[k]!;
        const t = enabled[i]!;
        tally.beat(cfg.heartbeat, index, t.tid, t.fn, t.stmt, t.alt, i);
        const out = applyTransition(model, world, t);
        tally.transitions++;
        if (lockOrder !== undefined && out.kind === 'next') lockOrder.observe(model, world, t, index, i);
        if (out.kind === 'failed') {
          // A failed assertion outside the selection: the step cannot complete, so it has no successor.
          // (An ample set must lead somewhere: such a step in one makes the state expand fully.)
          if (!selectsFailure(model, selected, out.verdict === 'deadlock' ? 'deadlock' : out.property)) {
            provisoHit = true;
            continue;
          }
          if (out.verdict === 'deadlock') return tally.deadlock(index, `${tally.actor(t.tid)}: ${out.message}`, [], i);
          return tally.fail(index, { property: { name: out.property, kind: 'assertion' }, message: out.message }, [i]);
        }
        if (out.exited) {
          const exitFailure = checks.checkExit(out.world, t.tid);
          if (exitFailure) return tally.fail(index, exitFailure, [i]);
          // An ample step that finishes its thread is visible to onExit properties: expand fully.
          if (!full && reduction!.exitsVisible) provisoHit = true;
        }
        const key = stored(out.world);
        const next = store.visit(key, index, i, cfg.maxStates, () => siteOf(model, t));
        if (next === SEEN) {
          if (!full && !reduction!.deeper(key, depth)) provisoHit = true;
          continue;
        }
        if (next === FULL) return tally.incomplete('maxStates');
        reduction?.stored(key, depth + 1);
        onStore?.(out.world);
        if (depth + 1 > tally.maxDepth) tally.maxDepth = depth + 1;
        const failure = checks.checkState(out.world, undefined);
        if (failure) return tally.fail(next, failure);
        tally.witnessed(next, checks.reached(out.world, tally.pending));
        frontier.push(next, out.world, depth + 1);
      }
      if (!full) reduction!.pruned += enabled.length - order.length;
    }
  } catch (thrown) {
    throw withPath(model, thrown, at >= 0 ? store.pathTo(at) : undefined);
  }

  // Under symmetry the lock-order graph holds only the acquisitions of the states stored, which are
  // class representatives: a renaming can change which locks a symmetric actor nests, so an
  // inversion could be missed. If a symmetric actor nested locks, search again without symmetry.
  const members = new Set((reduction?.symmetric ? (model.symmetry ?? []) : []).flatMap((g) => g.tids.map((tid) => model.actors[tid]!.name)));
  const symmetricLockNesting = lockOrder !== undefined && lockOrder.edgeList().some((e) => members.has(e.actor));
  if (shared) return tally.finishShared(shared.finished as never, symmetricLockNesting);
  if (!lockOrder?.inversion && symmetricLockNesting) {
    return withoutSymmetry(explore(model, { ...options, symmetry: false, engine: 'reference' }), tally.stats().elapsedMs);
  }
  return tally.end();
}

export const SYMMETRY_OFF_LOCKS = 'symmetric actors take a lock while holding another, and lock-order tracking needs every acquisition';

/** The result of a search repeated without symmetry, with the first search's time and the reason. */
export function withoutSymmetry(again: ExploreOutcome, firstMs: number): ExploreOutcome {
  const r = again.stats.reduction ?? { por: false, symmetry: false as const, prunedSteps: 0, provisoExpansions: 0 };
  return { ...again, stats: { ...again.stats, elapsedMs: again.stats.elapsedMs + firstMs, reduction: { ...r, symmetryOff: SYMMETRY_OFF_LOCKS } } };
}

function siteOf<G>(model: Model<G>, t: Transition): { actor: string; step: string } {
  return { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) };
}

/**
 * Rebuilds the worlds of states handed over by another worker by replaying their paths from the
 * initial state. States handed over together are close in the search, so their paths share long
 * prefixes: the worlds along the last path are kept and replay resumes where the paths part.
 */
class PathReplayer<G> {
  private path: readonly number[] = [];
  private readonly worlds: World<G>[];

  constructor(private readonly model: Model<G>) {
    this.worlds = [model.initial];
  }

  worldAt(path: readonly number[]): World<G> {
    let k = 0;
    while (k < path.length && k < this.path.length && path[k] === this.path[k]) k++;
    this.worlds.length = k + 1;
    for (let i = k; i < path.length; i++) {
      const world = this.worlds[i]!;
      const out = applyTransition(this.model, world, enabledTransitions(this.model, world)[path[i]!]!);
      if (out.kind !== 'next') throw new Error(`replaying a stored path failed at step ${i}`);
      this.worlds.push(out.world);
    }
    this.path = path;
    return this.worlds[path.length]!;
  }
}
