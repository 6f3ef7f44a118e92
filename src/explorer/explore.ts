/**
 * The explorer: one loop for every strategy. Pop a state, compute its enabled steps, apply each,
 * fingerprint the result, check properties on new states, store and push them.
 */
import { UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, StepFailure, transitionLabel, type Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { frontierFor, type Frontier } from './frontier.ts';
import { LOCK_ORDER, LockOrderGraph, nestsSymmetricLocks, withoutSymmetry } from './lockOrder.ts';
import { exploreCompiled, keysAlong } from './kernel.ts';
import { EXITED, FAILED, NEXT, searchLoop, type GraphRecorder, type LoopParts, type LoopStates } from './loop.ts';
import { WorldPositions } from '../core/positions.ts';
import { SearchTally } from './tally.ts';
import { selectableProperties } from './selection.ts';
import { resolveOptions, type ExploreConfig, type ExploreOptions } from './options.ts';
import { PropertyChecks } from './propertyChecks.ts';
import type { ExploreResult } from './result.ts';
import { stateStore, type StateStore } from './stateStore.ts';
import { Reduction } from '../reduction/index.ts';

/** Result plus the encodings of the states along its path, for cross-checking a replay. */
export type ExploreOutcome = ExploreResult & { readonly pathKeys?: readonly string[] };

export { selectableProperties, selectsFailure } from './selection.ts';
export { SYMMETRY_OFF_LOCKS, withoutSymmetry } from './lockOrder.ts';

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
  if (cfg.onStore) return 'onStore observers need the reference space';
  return undefined;
}

export function explore<G>(model: Model<G>, options: ExploreOptions = {}): ExploreOutcome {
  const cfg = resolveOptions(options);
  if (cfg.properties) checkSelection(model, cfg.properties);
  if (cfg.checkpoint !== undefined || cfg.resume !== undefined) {
    // Snapshots are of the compiled search's typed arrays.
    const why = cfg.engine === 'reference' ? 'the reference space was asked for' : referenceOnly(model, cfg);
    if (why !== undefined) throw new UsageError(`checkpoints are taken of the compiled state space's search with one worker, and this search cannot run there: ${why}`);
  }
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

/**
 * A search on the reference space with its own store, queue, steps and end (the preemption-bounded
 * search: src/trace/preemptionBounded.ts; walks: walk.ts), and a graph recorder (the liveness
 * graph: liveness.ts); lock order is not tracked.
 */
export interface ReferenceParts<G> {
  readonly store: StateStore<G>;
  readonly frontier: Frontier<G>;
  readonly steps: LoopParts<G>['steps'];
  readonly end: () => ExploreOutcome;
  readonly graph?: GraphRecorder;
}

export function searchReference<G>(model: Model<G>, cfg: ExploreConfig, parts: ReferenceParts<G>): ExploreOutcome {
  return exploreReference(model, {}, cfg, parts);
}

function exploreReference<G>(model: Model<G>, options: ExploreOptions, cfg: ExploreConfig, parts?: ReferenceParts<G>): ExploreOutcome {
  const shared = cfg.shared;
  const store: StateStore<G> = parts?.store ?? (shared ? (shared.store as StateStore<unknown> as StateStore<G>) : stateStore(model, cfg.exact));
  const frontier = parts?.frontier ?? frontierFor<G>(cfg.strategy, cfg.compactFrontier);
  const selected = cfg.properties;
  const checks = new PropertyChecks(model, selected);
  const lockOrder = parts === undefined && (!selected || selected.has(LOCK_ORDER)) ? new LockOrderGraph() : undefined;
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
  let world = model.initial;
  let next = model.initial;
  let key = model.initial;
  let depth = 0;
  let enabled: Transition[] = [];
  let failure: StepFailure | undefined;
  const states: LoopStates<G> = {
    store,
    get queued() {
      return frontier.size;
    },
    get depth() {
      return depth;
    },
    get failure() {
      return failure;
    },
    initial: () => {
      next = model.initial;
    },
    visit: (parent, via, limit) => {
      key = stored(next);
      return store.visit(key, parent, via, limit, parent < 0 ? undefined : () => siteOf(model, enabled[via]!));
    },
    seenDeeper: (d) => reduction!.deeper(key, d),
    seenIndex: () => store.seenIndex!,
    stored: (_index, d) => {
      reduction?.stored(key, d);
      onStore?.(next);
    },
    judge: (index, t) => {
      const f = checks.checkState(next, undefined);
      if (f) return f;
      t.witnessed(index, checks.reached(next, t.pending));
      return undefined;
    },
    judgeExit: (tid) => checks.checkExit(next, tid),
    push: (index, d) => frontier.push(index, next, d),
    pop: () => {
      const q = frontier.pop();
      world = q.world;
      depth = q.depth;
      return q.index;
    },
    give: () => frontier.pop().index,
    adopt: (index, path) => frontier.push(index, replayed.worldAt(path), path.length),
    enable: () => {
      enabled = enabledTransitions(model, world);
      return enabled.length;
    },
    tid: (k) => enabled[k]!.tid,
    tids: () => enabled.map((t) => t.tid),
    transition: (k) => enabled[k]!,
    acquires: () => true,
    apply: (k) => {
      const out = applyTransition(model, world, enabled[k]!);
      if (out.kind === 'failed') {
        failure = new StepFailure(out.verdict, out.property, out.message);
        return FAILED;
      }
      next = out.world;
      return out.exited ? EXITED : NEXT;
    },
    world: () => world,
    positions: () => new WorldPositions(world),
    observeLock: (graph, k, index) => graph.observe(model, world, enabled[k]!, index, k),
  };

  const symmetricLockNesting = (): boolean => nestsSymmetricLocks(model, reduction?.symmetric === true, lockOrder);
  return searchLoop(states, { model, cfg, checks, tally, lockOrder, reduction, shared, steps: parts?.steps, graph: parts?.graph }, () => {
    if (parts) return parts.end();
    if (shared) return tally.finishShared(shared.finished, symmetricLockNesting());
    if (!lockOrder?.inversion && symmetricLockNesting()) {
      return withoutSymmetry(explore(model, { ...options, symmetry: false, engine: 'reference' }), tally.stats().elapsedMs);
    }
    return tally.end();
  });
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
