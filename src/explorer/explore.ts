/**
 * The explorer: one loop for every strategy. Pop a state, compute its enabled steps, apply each,
 * fingerprint the result, check properties on new states, store and push them.
 */
import { checkDeterminism, encodeWorld } from '../core/determinism.ts';
import { ModelError, UsageError } from '../core/errors.ts';
import { LOCK_DISCIPLINE } from '../core/kernel/mutex.ts';
import { USE_AFTER_FREE } from '../core/kernel/lifetime.ts';
import { SLEEP_UNDER_SPINLOCK } from '../core/program.ts';
import type { Model } from '../core/model.ts';
import { applyTransition, enabledTransitions, transitionLabel } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from './blocked.ts';
import { frontierFor } from './frontier.ts';
import { describeInversion, LOCK_ORDER, LockOrderGraph } from './lockOrder.ts';
import { resolveOptions, type ExploreOptions } from './options.ts';
import { PropertyChecks, type Failure } from './propertyChecks.ts';
import { formatPath, type ExploreResult, type Stats, type Witness } from './result.ts';
import { StateStore } from './stateStore.ts';
import { Reduction } from '../reduction/index.ts';

/** Result plus the encodings of the states along its path, for cross-checking a replay. */
export type ExploreOutcome = ExploreResult & { readonly pathKeys?: readonly string[] };

/** Names `--property` accepts: the model's properties, deadlock, and the built-in assertion names. */
export function selectableProperties<G>(model: Model<G>): string[] {
  return [...model.properties.map((p) => p.name), 'deadlock', LOCK_DISCIPLINE, LOCK_ORDER, SLEEP_UNDER_SPINLOCK, USE_AFTER_FREE, 'assertion'];
}

function checkSelection<G>(model: Model<G>, selected: ReadonlySet<string>): void {
  const known = new Set(selectableProperties(model));
  for (const name of selected) {
    if (!known.has(name)) {
      throw new UsageError(`model ${model.name} has no property "${name}"; it has: ${[...known].map((k) => `"${k}"`).join(', ')}`);
    }
  }
}

export function explore<G>(model: Model<G>, options: ExploreOptions = {}): ExploreOutcome {
  const cfg = resolveOptions(options);
  const store = new StateStore();
  const frontier = frontierFor<G>(cfg.strategy);
  const selected = cfg.properties;
  if (selected) checkSelection(model, selected);
  const checks = new PropertyChecks(model, selected);
  const checkDeadlocks = !selected || selected.has('deadlock');
  const lockOrder = !selected || selected.has(LOCK_ORDER) ? new LockOrderGraph() : undefined;
  const reduction = cfg.por || cfg.symmetry !== false ? new Reduction(model, { por: cfg.por, symmetry: cfg.symmetry, properties: selected }) : undefined;
  // Symmetry stores states under their representative's encoding; the frontier keeps the actual state.
  const keyOf = (world: World<G>, site?: { actor: string; step: string }): string =>
    reduction ? reduction.key(world, site) : encodeWorld(model, world, site);
  const onStore = cfg.onStore as ((world: World<G>) => void) | undefined;
  // Stored keys are representatives under symmetry, so a replay cannot be cross-checked against them.
  const keysTo = (i: number): { pathKeys?: string[] } => (reduction?.symmetric ? {} : { pathKeys: store.keysTo(i) });
  const started = cfg.now();
  let transitions = 0;
  let maxDepth = 0;
  let expanded = 0;
  let truncated = false;
  let lastProgress = started;
  const pending = new Set(checks.sometimes.map((_, i) => i));
  const found: (number[] | null)[] = checks.sometimes.map(() => null);

  const stats = (): Stats => {
    const elapsedMs = Math.max(0, cfg.now() - started);
    return {
      states: store.size,
      transitions,
      depth: maxDepth,
      elapsedMs,
      statesPerSecond: elapsedMs > 0 ? Math.round((store.size * 1000) / elapsedMs) : store.size,
      ...(reduction
        ? { reduction: { ...reduction.active, prunedSteps: reduction.pruned, provisoExpansions: reduction.provisoExpansions } }
        : {}),
    };
  };
  const witnesses = (): Witness[] =>
    checks.sometimes.map((p, i) => ({ property: p.name, path: found[i] ?? null }));
  const fail = (index: number, failure: Failure, extra: number[] = []): ExploreOutcome => ({
    verdict: 'violation',
    property: failure.property,
    message: failure.message,
    path: [...store.pathTo(index), ...extra],
    stats: stats(),
    witnesses: witnesses(),
    ...keysTo(index),
  });
  /** A lock-order inversion seen anywhere is reported when the search would otherwise pass or stop short. */
  const inversion = (): ExploreOutcome | undefined => {
    const cycle = lockOrder?.inversion;
    if (cycle === undefined) return undefined;
    const last = cycle[cycle.length - 1]!;
    return {
      verdict: 'violation',
      property: { name: LOCK_ORDER, kind: 'lockOrder' },
      message: describeInversion(cycle),
      path: [...store.pathTo(last.state), last.choice],
      stats: stats(),
      witnesses: witnesses(),
      lockOrder: cycle.map((e) => ({ from: e.from, to: e.to, actor: e.actor, step: e.step, path: [...store.pathTo(e.state), e.choice] })),
      ...keysTo(last.state),
    };
  };
  const noteWitnesses = (index: number, world: World<G>): void => {
    for (const i of checks.reached(world, pending)) {
      pending.delete(i);
      found[i] = store.pathTo(index);
    }
  };

  let at = -1;
  try {
    const initKey = keyOf(model.initial);
    at = store.insert(initKey, -1, -1, 0);
    reduction?.stored(initKey, 0);
    onStore?.(model.initial);
    const initFailure = checks.checkState(model.initial, undefined);
    if (initFailure) return fail(at, initFailure);
    noteWitnesses(at, model.initial);
    frontier.push(at, model.initial);

    while (frontier.size > 0) {
      const { index, world } = frontier.pop();
      at = index;
      expanded++;
      if ((expanded & 255) === 0) {
        const now = cfg.now();
        if (now - started >= cfg.timeoutMs) {
          return inversion() ?? { verdict: 'incomplete', budget: 'timeout', stats: stats(), witnesses: witnesses() };
        }
        if (cfg.onProgress && now - lastProgress >= cfg.progressIntervalMs) {
          lastProgress = now;
          cfg.onProgress({ ...stats(), queued: frontier.size });
        }
      }
      const enabled = enabledTransitions(model, world);
      if (enabled.length === 0) {
        const blocked = checkDeadlocks ? blockedThreads(model, world) : [];
        if (blocked.length > 0) {
          return {
            verdict: 'deadlock',
            message: describeDeadlock(blocked),
            path: store.pathTo(index),
            blocked,
            stats: stats(),
            witnesses: witnesses(),
            ...keysTo(index),
          };
        }
        const endFailure = checks.checkEnd(world);
        if (endFailure) return fail(index, endFailure);
        continue;
      }
      const depth = store.depth(index);
      if (depth >= cfg.maxDepth) {
        truncated = true;
        continue;
      }
      if (expanded <= cfg.determinismChecks) checkDeterminism(model, world, formatPath(store.pathTo(index)));
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
        const out = applyTransition(model, world, t);
        transitions++;
        if (lockOrder !== undefined && out.kind === 'next') lockOrder.observe(model, world, t, index, i);
        if (out.kind === 'failed') {
          // A failed assertion outside the selection: the step cannot complete, so it has no successor.
          // (An ample set must lead somewhere: such a step in one makes the state expand fully.)
          if (selected && !selected.has(out.verdict === 'deadlock' ? 'deadlock' : out.property)) {
            provisoHit = true;
            continue;
          }
          const failure: Failure = { property: { name: out.property, kind: 'assertion' }, message: out.message };
          if (out.verdict === 'violation') return fail(index, failure, [i]);
          return {
            verdict: 'deadlock',
            message: `${model.actors[t.tid]!.name}: ${out.message}`,
            path: [...store.pathTo(index), i],
            blocked: [],
            stats: stats(),
            witnesses: witnesses(),
            ...keysTo(index),
          };
        }
        if (out.exited) {
          const exitFailure = checks.checkExit(out.world, t.tid);
          if (exitFailure) return fail(index, exitFailure, [i]);
        }
        const key = keyOf(out.world, { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) });
        if (store.has(key)) {
          if (!full && !reduction!.deeper(key, depth)) provisoHit = true;
          continue;
        }
        if (store.size >= cfg.maxStates) {
          return inversion() ?? { verdict: 'incomplete', budget: 'maxStates', stats: stats(), witnesses: witnesses() };
        }
        const next = store.insert(key, index, i, depth + 1);
        reduction?.stored(key, depth + 1);
        onStore?.(out.world);
        if (depth + 1 > maxDepth) maxDepth = depth + 1;
        const failure = checks.checkState(out.world, undefined);
        if (failure) return fail(next, failure);
        noteWitnesses(next, out.world);
        frontier.push(next, out.world);
      }
      if (!full) reduction!.pruned += enabled.length - order.length;
    }
  } catch (thrown) {
    if (thrown instanceof ModelError && thrown.site.path === undefined && at >= 0) {
      throw new ModelError(thrown.problem, { ...thrown.site, model: model.name, path: formatPath(store.pathTo(at)) }, thrown.hint, {
        cause: thrown,
      });
    }
    throw thrown;
  }

  const inverted = inversion();
  if (inverted) return inverted;
  if (truncated) return { verdict: 'incomplete', budget: 'maxDepth', stats: stats(), witnesses: witnesses() };
  const missing = checks.sometimes.findIndex((_, i) => found[i] === null);
  if (missing >= 0) {
    const name = checks.sometimes[missing]!.name;
    return {
      verdict: 'violation',
      property: { name, kind: 'sometimes' },
      message: `no reachable state satisfies "${name}"`,
      path: null,
      stats: stats(),
      witnesses: witnesses(),
    };
  }
  return { verdict: 'pass', stats: stats(), witnesses: witnesses() };
}
