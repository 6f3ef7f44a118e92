/**
 * A whole check of a model: the safety search first (invariants, assertions, deadlocks, lock
 * order), then, if it passes, the liveness properties on the full state graph. One result.
 */
import type { Model } from '../core/model.ts';
import { explore, type ExploreOutcome } from './explore.ts';
import { checkLiveness, livenessProperties, type Fairness } from './liveness.ts';
import type { ExploreOptions } from './options.ts';

export interface CheckOptions extends ExploreOptions {
  /** Fairness assumed by liveness properties (default weak, per actor). */
  readonly fairness?: Fairness;
}

/** `safety`: the safety search's result when it was run elsewhere (a parallel search). */
export function checkModel<G>(model: Model<G>, options: CheckOptions = {}, safety: ExploreOutcome = explore(model, options)): ExploreOutcome {
  if (safety.verdict !== 'pass') return safety;
  const selected = options.properties;
  const live = livenessProperties(model, selected);
  if (live.length === 0) return safety;
  const r = checkLiveness(model, {
    fairness: options.fairness ?? 'weak',
    properties: live.map((p) => p.name),
    ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.engine !== undefined ? { engine: options.engine } : {}),
  });
  const stats = { ...safety.stats, elapsedMs: safety.stats.elapsedMs + r.stats.elapsedMs };
  if (r.verdict === 'pass') {
    // Liveness always runs on the full graph: neither reduction as built preserves it.
    const unreduced = options.por === true || (options.symmetry !== undefined && options.symmetry !== false) ? { unreduced: true as const } : {};
    return { ...safety, stats, liveness: { fairness: options.fairness ?? 'weak', properties: live.map((q) => q.name), states: r.stats.states, ...unreduced } };
  }
  if (r.verdict === 'incomplete') return { verdict: 'incomplete', budget: 'maxStates', stats, witnesses: safety.witnesses };
  return {
    verdict: 'violation',
    property: r.property,
    message: r.message,
    path: r.path,
    cycleStart: r.cycleStart,
    stats,
    witnesses: safety.witnesses,
  };
}
