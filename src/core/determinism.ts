/**
 * Steps must be functions of the state: replay and the visited set depend on it. These checks run a
 * state's guards and steps twice and compare, to name a nondeterministic step before it corrupts a
 * search.
 */
import { encode, fingerprint, NotPlainData, findNonPlain, PLAIN_HINT, type Fingerprint } from './canonical.ts';
import { ModelError } from './errors.ts';
import type { Model } from './model.ts';
import { applyTransition, enabledTransitions, transitionLabel, type StepOutcome, type Transition } from './transitions.ts';
import type { World } from './world.ts';

export const NONDETERMINISM_HINT =
  'a step or guard depends on something outside the state: Math.random(), Date.now(), a module-level variable it changes, or the iteration order of a Map/Set; keep all such data in the state and make choices with either()';

/** Canonical encoding of a world; non-plain data becomes a ModelError naming where it is. */
export function encodeWorld<G>(model: Model<G>, world: World<G>, site: { actor?: string; step?: string } = {}): string {
  try {
    return encode(world);
  } catch (thrown) {
    if (!(thrown instanceof NotPlainData)) throw thrown;
    throw nonPlain(model, world, thrown, site);
  }
}

/** 64-bit fingerprint of a world (see `fingerprint`); non-plain data becomes a ModelError naming where it is. */
export function fingerprintWorld<G>(model: Model<G>, world: World<G>, site?: () => { actor?: string; step?: string }): Fingerprint {
  try {
    return fingerprint(world);
  } catch (thrown) {
    if (!(thrown instanceof NotPlainData)) throw thrown;
    throw nonPlain(model, world, thrown, site?.() ?? {});
  }
}

function nonPlain<G>(model: Model<G>, world: World<G>, thrown: NotPlainData, site: { actor?: string; step?: string }): ModelError {
  const where = findNonPlain(world.shared, 'shared') ?? findNonPlain(world.threads, 'locals') ?? thrown.message;
  return new ModelError(`the step stored non-plain data: ${where}`, { model: model.name, ...site }, PLAIN_HINT);
}

function outcomeKey<G>(model: Model<G>, out: StepOutcome<G>, t: Transition): string {
  const site = { actor: model.actors[t.tid]?.name ?? '?', step: transitionLabel(model, t) };
  return out.kind === 'next' ? encodeWorld(model, out.world, site) : `${out.verdict}:${out.property}:${out.message}`;
}

/** Evaluates the enabled list twice and every step twice; throws ModelError if any answer differs. */
export function checkDeterminism<G>(model: Model<G>, world: World<G>, path: string): void {
  const first = enabledTransitions(model, world);
  const second = enabledTransitions(model, world);
  if (!sameSteps(first, second)) throw guardsDiffer(model, first, second, path);
  for (const t of first) checkStep(model, world, t, path);
}

/** The same steps, in the same order (thread and alternative). */
export function sameSteps(a: readonly Transition[], b: readonly Transition[]): boolean {
  return a.length === b.length && a.every((t, i) => t.tid === b[i]!.tid && t.alt === b[i]!.alt);
}

/** The error for guards that enabled different steps in the same state. */
export function guardsDiffer<G>(model: Model<G>, first: readonly Transition[], second: readonly Transition[], path: string): ModelError {
  const shown = (ts: readonly Transition[]): string =>
    ts.map((t) => `${t.tid}:${transitionLabel(model, t)}${t.alt > 0 ? ` (alternative ${t.alt})` : ''}`).join('|');
  return new ModelError(`guards are nondeterministic: the same state enabled [${shown(first)}] and then [${shown(second)}]`, { model: model.name, path }, NONDETERMINISM_HINT);
}

/** The error for a step that gave different results from the same state. */
export function stepDiffers<G>(model: Model<G>, t: Transition, path: string): ModelError {
  return new ModelError(
    'the step is nondeterministic: applied twice to the same state it gave different results',
    { model: model.name, actor: model.actors[t.tid]?.name ?? '?', step: transitionLabel(model, t), path },
    NONDETERMINISM_HINT,
  );
}

function checkStep<G>(model: Model<G>, world: World<G>, t: Transition, path: string): void {
  const x = outcomeKey(model, applyTransition(model, world, t), t);
  const y = outcomeKey(model, applyTransition(model, world, t), t);
  if (x !== y) throw stepDiffers(model, t, path);
}
