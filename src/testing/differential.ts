/**
 * Differential checks of a reduced search against the full one on the same model: the same
 * verdict for every property and for deadlock, the reduced states a subset of the full ones (and,
 * under symmetry, the same classes), every reduced counterexample replaying in the unreduced model
 * to the same failure. Used by the fuzz tests and by the per-model pins.
 */
import { encodeWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import { enabledTransitions } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads } from '../explorer/blocked.ts';
import { explore, selectableProperties, type ExploreOutcome } from '../explorer/explore.ts';
import type { ExploreOptions } from '../explorer/options.ts';
import { LOCK_ORDER } from '../explorer/lockOrder.ts';
import { PropertyChecks } from '../explorer/propertyChecks.ts';
import { confirmLockOrder } from '../trace/judge.ts';
import { replay } from '../trace/trace.ts';
import { SymmetryKeys } from '../reduction/symmetry.ts';

export type Variant = Pick<ExploreOptions, 'por' | 'symmetry'>;

/** Verdict and failing property, the part of an outcome a reduction must preserve. */
export function summary(r: ExploreOutcome): string {
  if (r.verdict === 'violation') return `violation: ${r.property.name}`;
  return r.verdict;
}

/** Replays a reduced counterexample without any reduction; returns what is wrong, or undefined if it ends in the reported failure. */
export function replayProblem<G>(model: Model<G>, r: ExploreOutcome, selected: readonly string[] | undefined): string | undefined {
  if (r.verdict !== 'violation' && r.verdict !== 'deadlock') return undefined;
  if (r.path === null) return undefined; // a `sometimes` never reached: nothing to replay
  if (r.verdict === 'violation' && r.lockOrder) {
    return confirmLockOrder(model, r.lockOrder) ? undefined : 'a lock-order edge does not replay to its actor holding both locks';
  }
  const trace = replay(model, r.path, { checkDeterminism: false });
  const last = trace.steps[trace.steps.length - 1];
  const wanted = r.verdict === 'deadlock' ? 'deadlock' : r.property.name;
  if (last?.failed) return last.failed.property === wanted || (wanted === 'deadlock' && last.failed.verdict === 'deadlock') ? undefined : `replay ended in a failed step of ${last.failed.property}, not ${wanted}`;
  const world: World<G> = trace.states[trace.states.length - 1] ?? model.initial;
  const terminal = enabledTransitions(model, world).length === 0;
  if (r.verdict === 'deadlock') return terminal && blockedThreads(model, world).length > 0 ? undefined : 'replay does not end in a deadlock';
  const checks = new PropertyChecks(model, selected ? new Set(selected) : undefined);
  const exitedTid = last ? model.actors.findIndex((a) => a.name === last.actor) : -1;
  const exited = exitedTid >= 0 && world.threads[exitedTid]!.length === 0 ? exitedTid : undefined;
  const failure = checks.checkState(world, exited) ?? (terminal ? checks.checkEnd(world) : undefined);
  if (failure?.property.name === wanted) return undefined;
  return `replay ends in ${failure ? failure.property.name : 'no failure'}, not ${wanted}`;
}

export interface Difference {
  readonly selection: readonly string[] | 'all';
  readonly variant: Variant;
  readonly problem: string;
}

/**
 * Runs the full search and each variant, for every selectable property alone and for all of them
 * together, and lists every disagreement.
 */
export function compareReductions<G>(model: Model<G>, variants: readonly Variant[], base: ExploreOptions = {}): Difference[] {
  const out: Difference[] = [];
  const builtIn = new Set(['deadlock', 'assertion', LOCK_ORDER]);
  const names = selectableProperties(model).filter((n) => builtIn.has(n) || model.properties.some((p) => p.name === n));
  const selections: (readonly string[] | undefined)[] = [undefined, ...names.map((n) => [n])];
  for (const sel of selections) {
    const opts = { ...base, ...(sel ? { properties: sel } : {}) };
    const full = explore(model, opts);
    for (const v of variants) {
      const red = explore(model, { ...opts, ...v });
      const where = { selection: sel ?? ('all' as const), variant: v };
      // With everything selected the first failure found may differ; each one alone must match.
      const agree = sel ? summary(red) === summary(full) : (red.verdict === 'pass') === (full.verdict === 'pass');
      if (!agree) out.push({ ...where, problem: `full search: ${summary(full)}, reduced: ${summary(red)}` });
      const bad = replayProblem(model, red, sel);
      if (bad) out.push({ ...where, problem: bad });
    }
  }
  // State sets: nothing selected, so both searches run to the end.
  const states = (v: Variant): World<G>[] => {
    const seen: World<G>[] = [];
    explore(model, { ...base, ...v, properties: [], onStore: (w) => seen.push(w as World<G>) });
    return seen;
  };
  const fullStates = states({});
  const fullKeys = new Set(fullStates.map((w) => encodeWorld(model, w)));
  for (const v of variants) {
    const red = states(v);
    const outside = red.find((w) => !fullKeys.has(encodeWorld(model, w)));
    if (outside) out.push({ selection: [], variant: v, problem: `reduced search stored a state the full one never reaches: ${encodeWorld(model, outside)}` });
    if (v.symmetry && (model.symmetry?.length ?? 0) > 0) {
      const keys = new SymmetryKeys(model, 'canonical');
      const classes = (ws: World<G>[]): Set<string> => new Set(ws.map((w) => keys.key(w)));
      const a = classes(fullStates);
      const b = classes(red);
      // Symmetry alone reaches every class; with partial-order reduction, a subset of them.
      if ([...b].some((k) => !a.has(k)) || (!v.por && [...a].some((k) => !b.has(k)))) {
        out.push({ selection: [], variant: v, problem: `full search reaches ${a.size} classes of states, the reduced one ${b.size}` });
      }
      if (v.symmetry !== 'sorted' && !v.por && red.length !== a.size) {
        out.push({ selection: [], variant: v, problem: `canonical symmetry stored ${red.length} states for ${a.size} classes` });
      }
    }
  }
  return out;
}
