/**
 * A model definition (what a model file exports) and the compiled model the explorer runs.
 */
import { ModelError } from './errors.ts';
import { findNonPlain, PLAIN_HINT, seal } from './canonical.ts';
import { makeLocals, settleStack } from './stack.ts';
import type { AnyRoutine, CallStatement, Routine, Statement } from './program.ts';
import type { Property } from './property.ts';
import type { Symmetry } from './symmetry.ts';
import type { Frame, Stack, World } from './world.ts';

export type Verdict = 'pass' | 'violation' | 'deadlock' | 'incomplete';

/** The verdict a model is known to have (from the code and its history, never copied from a run). */
export interface Expected {
  readonly verdict: Exclude<Verdict, 'incomplete'>;
  /** For a violation: the property expected to fail. */
  readonly property?: string;
}

export type ParamValue = number | boolean | string;
export type Params = Readonly<Record<string, ParamValue>>;

export interface ActorSpec<G> {
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly routine: Routine<G, any, any>;
  readonly args?: unknown;
}

/** What `build(params)` returns: the initial shared state, the actors, the properties. */
export interface ModelSpec<G> {
  readonly shared: G;
  readonly actors: readonly ActorSpec<G>[];
  readonly properties?: readonly Property<G>[];
  /** Groups of interchangeable actors, for symmetry reduction (see `Symmetry`). */
  readonly symmetry?: readonly Symmetry<G>[];
}

export interface ModelDefinition<P extends Params = Params, G = unknown> {
  readonly kind: 'interleave-model';
  /** Registry name, e.g. `hmm/v5.2-valid-flag`. */
  readonly name: string;
  readonly description: string;
  /** Parameter defaults; `--param key=value` overrides them. */
  readonly params: P;
  readonly expected?: Expected | ((params: P) => Expected);
  /**
   * What a violation of each property means for the code modelled, by property name (e.g. whether
   * the bug is in the kernel or in a reviewer's pseudo-code); printed with the counterexample.
   */
  readonly notes?: Readonly<Record<string, string>> | ((params: P) => Readonly<Record<string, string>>);
  /** Where the modelled code comes from (kernel version, file, function). */
  readonly sources?: readonly string[];
  readonly build: (params: P) => ModelSpec<G>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModelDefinition = ModelDefinition<any, any>;

export function defineModel<P extends Params, G>(
  definition: Omit<ModelDefinition<P, G>, 'kind'>,
): ModelDefinition<P, G> {
  return { kind: 'interleave-model', ...definition };
}

export type RunnableStatement<G> = Statement<G, never> | CallStatement<G, never>;

export interface CompiledRoutine<G> {
  readonly index: number;
  readonly name: string;
  readonly source: AnyRoutine;
  readonly statements: readonly RunnableStatement<G>[];
  /** goto target → statement index (may equal `statements.length`: the end of the routine). */
  readonly targets: ReadonlyMap<string, number>;
}

export interface CompiledActor {
  readonly name: string;
}

/** A symmetry group with its members resolved to thread ids (in declaration order). */
export interface CompiledSymmetry<G> {
  readonly spec: Symmetry<G>;
  readonly tids: readonly number[];
}

/** A model ready to explore. Routines are numbered in order of first use. */
export interface Model<G = unknown> {
  readonly name: string;
  readonly params: Params;
  readonly actors: readonly CompiledActor[];
  readonly properties: readonly Property<G>[];
  readonly initial: World<G>;
  /** Declared symmetry groups (empty when the model declares none). */
  readonly symmetry?: readonly CompiledSymmetry<G>[];
  routineAt(index: number): CompiledRoutine<G>;
  routineIndex(routine: AnyRoutine): number;
}

export function isModelDefinition(value: unknown): value is AnyModelDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'interleave-model' &&
    typeof (value as { build?: unknown }).build === 'function'
  );
}

export function resolveParams<P extends Params>(definition: ModelDefinition<P, unknown> | AnyModelDefinition, overrides: Params = {}): P {
  const out: Record<string, ParamValue> = { ...definition.params };
  for (const [key, value] of Object.entries(overrides)) {
    const base = definition.params[key];
    if (base === undefined) {
      const known = Object.keys(definition.params);
      throw new ModelError(
        `unknown parameter "${key}"`,
        { model: definition.name },
        known.length > 0 ? `this model takes: ${known.join(', ')}` : 'this model takes no parameters',
      );
    }
    out[key] = coerceParam(definition.name, key, base, value);
  }
  return out as P;
}

function coerceParam(model: string, key: string, base: ParamValue, value: ParamValue): ParamValue {
  if (typeof base === 'number') {
    const n = typeof value === 'number' ? value : String(value).trim() === '' ? Number.NaN : Number(value);
    if (!Number.isInteger(n) || n < 0) {
      throw new ModelError(`parameter "${key}" must be a non-negative integer, got ${String(value)}`, { model });
    }
    if (n > MAX_PARAM) {
      throw new ModelError(
        `parameter "${key}" is ${String(value)}, above the limit of ${MAX_PARAM.toLocaleString('en-US')} for integer parameters`,
        { model },
        'an explicit-state search of a model that large could not finish, and building its initial state alone can exhaust memory; use a small value (the shortest counterexamples need few pages, threads or items)',
      );
    }
    return n;
  }
  if (typeof base === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw new ModelError(`parameter "${key}" must be true or false, got ${String(value)}`, { model });
  }
  return String(value);
}

export function expectedOf(definition: AnyModelDefinition, params: Params): Expected | undefined {
  const e = definition.expected;
  return typeof e === 'function' ? e(params) : e;
}

/** The model's note on a violation of `property` at these parameters, if it has one. */
export function noteOf(definition: AnyModelDefinition, params: Params, property: string): string | undefined {
  const n = definition.notes;
  return (typeof n === 'function' ? n(params) : n)?.[property];
}

/** Integer parameters above this are refused: build() would allocate the state before any budget applies. */
export const MAX_PARAM = 1_000_000;

/** Builds the model for the given parameters and checks its shape. Throws ModelError on misuse. */
export function compileModel<P extends Params, G>(
  definition: ModelDefinition<P, G>,
  overrides: Params = {},
  /**
   * Assigns routine indices by routine name instead of in order of first use (parallel workers
   * share one assignment, so equal states have equal frames in every worker).
   */
  numbering?: (routineName: string) => number,
): Model<G> {
  const params = resolveParams(definition as AnyModelDefinition, overrides) as P;
  let spec: ModelSpec<G>;
  try {
    spec = definition.build(params);
  } catch (cause) {
    if (cause instanceof ModelError) throw cause;
    throw new ModelError(`build() threw: ${describeThrown(cause)}`, { model: definition.name }, undefined, { cause });
  }
  checkSpec(definition.name, spec);
  const routines: CompiledRoutine<G>[] = [];
  const indexOf = new Map<AnyRoutine, number>();
  const routineIndex = (r: AnyRoutine): number => {
    const known = indexOf.get(r);
    if (known !== undefined) return known;
    const index = numbering ? numbering(r.name) : routines.length;
    if (routines[index] !== undefined) {
      throw new ModelError(`two different routines are named "${r.name}"`, { model: definition.name }, 'a parallel search (--workers) and a checkpoint (--checkpoint, --resume) identify routines by name: give each a distinct name');
    }
    const compiled = compileRoutine(definition.name, r, index);
    routines[index] = compiled;
    indexOf.set(r, compiled.index);
    return compiled.index;
  };
  const routineAt = (i: number): CompiledRoutine<G> => {
    const r = routines[i];
    if (r === undefined) throw new ModelError(`no routine with index ${i}`, { model: definition.name });
    return r;
  };
  if (typeof spec.shared !== 'object' || spec.shared === null || Array.isArray(spec.shared)) {
    throw new ModelError('the shared state must be an object', { model: definition.name }, 'return { shared: { ... }, actors }');
  }
  const plain = findNonPlain(spec.shared, 'shared');
  if (plain !== undefined) {
    throw new ModelError(`initial shared state is not plain data: ${plain}`, { model: definition.name }, PLAIN_HINT);
  }
  const shared = seal(spec.shared);
  const partial = {
    name: definition.name,
    params,
    actors: spec.actors.map((a) => ({ name: a.name })),
    properties: spec.properties ?? [],
    routineAt,
    routineIndex,
  };
  const threads: Stack[] = spec.actors.map((actor, tid) => {
    const r: AnyRoutine = actor.routine;
    const frame: Frame = { fn: routineIndex(r), pc: 0, locals: makeLocals(definition.name, actor.name, r, actor.args) };
    return settleStack(partial, [frame], shared, tid);
  });
  const symmetry = compileSymmetry(definition.name, spec);
  return { ...partial, symmetry, initial: seal({ shared, threads }) };
}

function compileSymmetry<G>(model: string, spec: ModelSpec<G>): CompiledSymmetry<G>[] {
  const groups = spec.symmetry ?? [];
  const taken = new Set<number>();
  return groups.map((g) => {
    if (!Array.isArray(g.actors) || g.actors.length < 2 || typeof g.permute !== 'function') {
      throw new ModelError('a symmetry group needs at least two actors and a permute function', { model });
    }
    const tids = g.actors.map((name) => {
      const tid = spec.actors.findIndex((a) => a.name === name);
      if (tid < 0) throw new ModelError(`symmetry group names actor "${name}", which the model does not have`, { model });
      if (taken.has(tid)) throw new ModelError(`actor "${name}" is in more than one symmetry group (or twice in one)`, { model, actor: name });
      taken.add(tid);
      return tid;
    });
    const routines = new Set(tids.map((t) => spec.actors[t]!.routine));
    if (routines.size !== 1) {
      throw new ModelError(`symmetric actors ${g.actors.join(', ')} must run the same routine`, { model });
    }
    return { spec: g, tids };
  });
}

function checkSpec<G>(model: string, spec: ModelSpec<G>): void {
  if (typeof spec !== 'object' || spec === null) {
    throw new ModelError('build() must return { shared, actors, properties? }', { model });
  }
  if (!Array.isArray(spec.actors) || spec.actors.length === 0) {
    throw new ModelError('build() returned no actors', { model }, 'return { shared, actors: [{ name, routine }] }');
  }
  const seen = new Set<string>();
  for (const a of spec.actors) {
    if (typeof a?.name !== 'string' || a.name === '') throw new ModelError('every actor needs a name', { model });
    if (seen.has(a.name)) throw new ModelError(`two actors are named "${a.name}"`, { model });
    seen.add(a.name);
    if ((a.routine as { kind?: unknown } | undefined)?.kind !== 'routine') {
      throw new ModelError('actor has no routine', { model, actor: a.name }, 'use routine(name, { body: [...] })');
    }
  }
  const names = new Set<string>();
  for (const p of spec.properties ?? []) {
    if (names.has(p.name)) throw new ModelError(`two properties are named "${p.name}"`, { model });
    names.add(p.name);
  }
}

function compileRoutine<G>(model: string, r: AnyRoutine, index: number): CompiledRoutine<G> {
  if (r?.kind !== 'routine') throw new ModelError('called something that is not a routine', { model });
  const statements: RunnableStatement<G>[] = [];
  const targets = new Map<string, number>();
  const addTarget = (name: string): void => {
    if (targets.has(name)) throw new ModelError(`label "${name}" is defined twice in routine ${r.name}`, { model });
    targets.set(name, statements.length);
  };
  for (const line of r.body) {
    if (line.kind === 'label') {
      addTarget(line.name);
      continue;
    }
    if (line.kind === 'step' && line.alternatives.length === 0) {
      throw new ModelError(`statement "${line.label}" in routine ${r.name} has no alternatives`, { model });
    }
    if (line.name !== undefined) addTarget(line.name);
    statements.push(line as unknown as RunnableStatement<G>);
  }
  return { index, name: r.name, source: r, statements, targets };
}

export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return `${thrown.name}: ${thrown.message}`;
  return String(thrown);
}
