import { ModelError } from '../core/errors.ts';
/** Small helpers shared by the unit tests: compile a toy model in one call, walk a replay path. */
import {
  applyTransition,
  compileModel,
  defineModel,
  enabledTransitions,
  explore,
  replay,
  type ActorSpec,
  type AnyModelDefinition,
  type ExploreOutcome,
  type Model,
  type Params,
  type Property,
  type World,
} from '../index.ts';

/** Compiles a parameterless toy model. */
export function toy<G>(
  name: string,
  shared: G,
  actors: readonly ActorSpec<G>[],
  properties: readonly Property<G>[] = [],
): Model<G> {
  return compileModel(
    defineModel<Record<string, never>, G>({
      name,
      description: `toy model ${name}`,
      params: {},
      build: () => ({ shared, actors, properties }),
    }),
  );
}

/** Applies `choices` (indices into each state's enabled list) from the initial state; every step must succeed. */
export function walk<G>(model: Model<G>, choices: readonly number[]): World<G> {
  let world = model.initial;
  for (const [k, c] of choices.entries()) {
    const enabled = enabledTransitions(model, world);
    const t = enabled[c];
    if (t === undefined) throw new Error(`choice ${k} (${c}) out of range: ${enabled.length} enabled`);
    const out = applyTransition(model, world, t);
    if (out.kind !== 'next') throw new Error(`choice ${k} failed: ${out.property}: ${out.message}`);
    world = out.world;
  }
  return world;
}

/** Where thread `tid` is: the program counters of its stack, outermost first (empty once finished). */
export function pcs<G>(world: World<G>, tid: number): number[] {
  return (world.threads[tid] ?? []).map((f) => f.pc);
}

/** Locals of thread `tid`'s innermost frame. */
export function topLocals<G>(world: World<G>, tid: number): Readonly<Record<string, unknown>> | undefined {
  const stack = world.threads[tid] ?? [];
  return stack[stack.length - 1]?.locals;
}

/** Runs `f` and returns the ModelError it throws; any other outcome fails the calling test. */
export function modelErrorOf(f: () => unknown): ModelError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('expected a ModelError, but nothing was thrown');
}

/** Explores a registered model definition with parameters and an optional property selection. */
export function checkDefinition(
  definition: AnyModelDefinition,
  params: Params = {},
  properties?: readonly string[],
): ExploreOutcome {
  return explore(compileModel(definition, params), properties ? { properties } : {});
}

/** The failed property's name, `deadlock` for a deadlock, undefined for pass or incomplete. */
export function failedProperty(r: ExploreOutcome): string | undefined {
  return r.verdict === 'violation' ? r.property.name : r.verdict === 'deadlock' ? 'deadlock' : undefined;
}

/**
 * Look-up and checking helpers over one family's catalog: `byName`, `check` (explore with params
 * and an optional property selection) and `steps` (`actor: label` of each counterexample step).
 */
export function catalogChecks(models: readonly AnyModelDefinition[]) {
  const byName = (name: string): AnyModelDefinition => {
    const m = models.find((d) => d.name === name);
    if (!m) throw new Error(`no model ${name}`);
    return m;
  };
  const check = (name: string, params: Params = {}, properties?: readonly string[]): ExploreOutcome =>
    checkDefinition(byName(name), params, properties);
  const steps = (name: string, params: Params = {}, properties?: readonly string[]): string[] => {
    const model = compileModel(byName(name), params);
    const r = explore(model, properties ? { properties } : {});
    if (r.verdict !== 'violation' && r.verdict !== 'deadlock') throw new Error(`${name}: no counterexample (${r.verdict})`);
    return replay(model, r.path!).steps.map((s) => `${s.actor}: ${s.label}`);
  };
  return { byName, check, steps };
}

/** What the model tests pin of a run: verdict, failed property, states, transitions, depth. */
export function pinnedOutcome(r: ExploreOutcome) {
  return { verdict: r.verdict, property: failedProperty(r), states: r.stats.states, transitions: r.stats.transitions, depth: r.stats.depth };
}

/** Everything two searches of one model must agree on: verdict, property, message, path, budget, counts, witnesses. */
export function outcomeSummary(r: ExploreOutcome): Record<string, unknown> {
  return {
    verdict: r.verdict,
    property: r.verdict === 'violation' ? r.property : undefined,
    message: r.verdict === 'violation' || r.verdict === 'deadlock' ? r.message : undefined,
    path: r.verdict === 'violation' || r.verdict === 'deadlock' ? r.path : undefined,
    budget: r.verdict === 'incomplete' ? r.budget : undefined,
    states: r.stats.states,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    witnesses: r.witnesses,
  };
}
