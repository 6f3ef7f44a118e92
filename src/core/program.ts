/**
 * The program-style modelling API: an actor runs a routine, a routine is a list of labelled
 * statements, and each statement is one atomic step of the model (an immer recipe over the
 * shared state and the routine's locals, behind an optional blocking guard).
 *
 * ```ts
 * const driver = routine<Shared, { ret: number }>('driver_fault', {
 *   locals: () => ({ ret: 0 }),
 *   body: [
 *     step('hmm_range_register(&range, mm, start, end)', ({ g }) => { g.range.registered++; }),
 *     label('again'),
 *     when('hmm_range_wait_until_valid(&range)', (g) => g.range.valid),
 *     step('if (!hmm_range_valid(&range)) goto again', ({ g, goto }) => { if (!g.range.valid) goto('again'); }),
 *   ],
 * });
 * ```
 */
import type { Draft } from 'immer';
import { viewHoldsSpinlock, viewLocksHeld } from './compiled/roots.ts';
import type { ThreadId } from './world.ts';

/** Read-only view of a thread's state for guards: shared state, the current frame's locals, the thread. */
export type Guard<G, L> = (g: G, my: L, tid: ThreadId) => boolean;

/** Explains, for deadlock reports, what a blocked statement waits for. `who` names a thread. */
export type WaitsFor<G, L> = (g: G, my: L, who: (tid: ThreadId) => string, tid: ThreadId) => string;

/** What a step's effect may do. `g` and `my` are immer drafts: mutate them, return nothing. */
export interface StepContext<G, L> {
  readonly g: Draft<G>;
  readonly my: Draft<L>;
  readonly tid: ThreadId;
  /** Name of the actor taking this step. */
  readonly actor: string;
  /** Continue at the statement labelled `target` (see `label()` / the `name` option) instead of the next one. */
  goto(target: string): void;
  /** After this step, enter `callee`; its return value is stored in this frame's local `into`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call<A>(callee: Routine<G, any, A>, args: A, into?: keyof L & string): void;
  /** Stay at this statement: it runs again (its guards re-evaluated) as the thread's next step. */
  stay(): void;
  /** Return from the current routine (the thread finishes if this is its outermost routine). */
  ret(value?: unknown): void;
  /** Finish the thread now, whatever routines it is inside. */
  exit(): void;
  /** Like the kernel's BUG_ON inverted: a false condition is a violation of `property`. */
  assert(condition: boolean, message: string, property?: string): void;
  /** Report a certain deadlock found by the step itself (e.g. relocking a mutex the thread owns). */
  deadlock(message: string): never;
  /** Name of another thread, for messages. */
  nameOf(tid: ThreadId): string;
}

export type Effect<G, L> = (ctx: StepContext<G, L>) => void;

/** One way a statement can execute; a statement with several enabled alternatives is a nondeterministic choice. */
export interface Alternative<G, L> {
  /** Shown after the statement's label, e.g. `mutex_trylock(&hmm->lock) → fails`. */
  readonly label?: string;
  readonly when?: Guard<G, L>;
  readonly do?: Effect<G, L>;
  /**
   * This alternative acquires the lock it names (a lock class such as `hmm->lock`), for lock-order
   * tracking: every lock the thread already holds is recorded as ordered before it.
   */
  readonly acquires?: (g: G, my: L) => string;
}

/** Threads that hold what a blocked statement waits for: the edges of a deadlock's wait-for graph. */
export type Holders<G, L> = (g: G, my: L, tid: ThreadId) => readonly ThreadId[];

export interface StatementOptions<G, L> {
  /** Goto target naming this statement (same as a `label(name)` line before it). */
  readonly name?: string;
  /** A valid place to stay blocked forever (SPIN's `end` labels): not reported as a deadlock. */
  readonly end?: boolean;
  /** What the statement waits for when blocked, for deadlock reports. */
  readonly waitsFor?: string | WaitsFor<G, L>;
  /** Where to continue after this step when it does not `goto` (default: the next statement). Use the statement's own name for a server loop. */
  readonly then?: string;
  /**
   * The statement may sleep (the kernel's `might_sleep()`): reaching it while holding a spinlock
   * violates "no sleeping under spinlock", whether or not it would actually block.
   */
  readonly mightSleep?: boolean;
  /** Who holds what the statement waits for when blocked (wait-for graph in deadlock reports). */
  readonly holders?: Holders<G, L>;
  /**
   * What the statement (every alternative: guard, effect, and the calls its thread enters next)
   * may read and write in the shared state, for partial-order reduction. Without one the step
   * counts as touching everything. See `Footprint`.
   */
  readonly footprint?: Footprint | ((tid: ThreadId) => Footprint);
}

/**
 * Shared-state locations a step may read and write, as dotted paths from the shared state's root
 * (`range.valid`, `rmState.2`); a path covers everything beneath it, `*` covers the whole state.
 * Two steps of different actors are independent when neither writes what the other reads or
 * writes. `calls` lists routines the step may enter with `ctx.call` (statically listed `call(...)`
 * lines need no declaration).
 */
export interface Footprint {
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
  readonly calls?: readonly AnyRoutine[];
  /**
   * Locks (dotted paths of mutexes, spinlocks or rwsems in the shared state) the thread always
   * holds when it runs this statement. While another actor holds one of them exclusively, this
   * statement cannot run, so it cannot conflict with that actor's steps (checked in the checking
   * mode: the thread must hold them every time).
   */
  readonly holding?: readonly string[];
}

export interface Statement<G, L> {
  readonly kind: 'step';
  /** The kernel call or line this step stands for; shown in counterexamples. */
  readonly label: string;
  readonly alternatives: readonly Alternative<G, L>[];
  readonly name?: string;
  readonly end: boolean;
  readonly waitsFor?: string | WaitsFor<G, L>;
  readonly then?: string;
  readonly mightSleep: boolean;
  readonly holders?: Holders<G, L>;
  readonly footprint?: Footprint | ((tid: ThreadId) => Footprint);
}

/** Enter a routine without taking a step of its own: the callee's first statement is the next step. */
export interface CallStatement<G, L> {
  readonly kind: 'call';
  readonly routine: AnyRoutine;
  readonly args: (g: G, my: L, tid: ThreadId) => unknown;
  readonly into?: string;
  readonly name?: string;
}

/** Names the position of the statement that follows, for `goto`. Not a step. */
export interface LabelMark {
  readonly kind: 'label';
  readonly name: string;
}

export type Line<G, L> = Statement<G, L> | CallStatement<G, L> | LabelMark;

export interface RoutineSpec<G, L, A> {
  /** Builds the frame's locals from the call's arguments. Must return fresh plain data. */
  readonly locals?: (args: A) => L;
  readonly body: readonly Line<G, L>[];
}

export interface Routine<G, L, A = void> {
  readonly kind: 'routine';
  readonly name: string;
  readonly locals: (args: A) => L;
  readonly body: readonly Line<G, L>[];
}

/** A routine: a named list of statements with locals. Several actors (and routines) may call the same one. */
export function routine<G, L extends object = Record<string, never>, A = void>(
  name: string,
  spec: RoutineSpec<G, L, A>,
): Routine<G, L, A> {
  const locals = spec.locals ?? ((() => ({})) as unknown as (args: A) => L);
  return { kind: 'routine', name, locals, body: spec.body };
}

function statement<G, L>(
  label: string,
  alternatives: readonly Alternative<G, L>[],
  options: StatementOptions<G, L> = {},
): Statement<G, L> {
  const mightSleep = options.mightSleep ?? false;
  return {
    kind: 'step',
    label,
    // The might_sleep() check comes last so it never shifts the indices of the statement's own alternatives.
    alternatives: mightSleep ? [...alternatives, sleepsUnderSpinlock<G, L>(label)] : alternatives,
    end: options.end ?? false,
    mightSleep,
    ...(options.holders !== undefined ? { holders: options.holders } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.waitsFor !== undefined ? { waitsFor: options.waitsFor } : {}),
    ...(options.then !== undefined ? { then: options.then } : {}),
    ...(options.footprint !== undefined ? { footprint: options.footprint } : {}),
  };
}

/** The property a thread violates by reaching a sleeping statement with a spinlock held. */
export const SLEEP_UNDER_SPINLOCK = 'no sleeping under spinlock';

function sleepsUnderSpinlock<G, L>(label: string): Alternative<G, L> {
  return {
    label: 'might_sleep() with a spinlock held',
    when: (g, _my, tid) => holdsSpinlock(g, tid),
    do: (c) => {
      const held = spinlocksHeldBy(c.g as G, c.tid);
      c.assert(false, `${label} may sleep, but ${c.actor} holds spinlock ${held.join(', ')}`, SLEEP_UNDER_SPINLOCK);
    },
  };
}

/** Whether `tid` holds any spinlock (on the compiled space, without listing the locks). */
function holdsSpinlock(g: unknown, tid: ThreadId): boolean {
  if (typeof g !== 'object' || g === null) return false;
  return viewHoldsSpinlock(g, tid) ?? spinlocksHeldBy(g, tid).length > 0;
}

const spinlockOwners = new WeakMap<object, ReadonlyMap<ThreadId, readonly string[]>>();

/** Names of the spinlocks `tid` holds, found by walking the state (cached per frozen state). */
export function spinlocksHeldBy(g: unknown, tid: ThreadId): readonly string[] {
  if (typeof g !== 'object' || g === null) return [];
  const kinds: string[] = [];
  const viewed = viewLocksHeld(g, tid, kinds);
  if (viewed !== undefined) return viewed.filter((_, i) => kinds[i] === 'spinlock').map((h) => h.name);
  let owners = Object.isFrozen(g) ? spinlockOwners.get(g) : undefined;
  if (owners === undefined) {
    const found = new Map<ThreadId, string[]>();
    collectSpinlocks(g, found);
    owners = found;
    if (Object.isFrozen(g)) spinlockOwners.set(g, found);
  }
  return owners.get(tid) ?? [];
}

function collectSpinlocks(v: unknown, out: Map<ThreadId, string[]>): void {
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (o.kind === 'spinlock' && typeof o.owner === 'number') {
    const list = out.get(o.owner) ?? [];
    list.push(String(o.name));
    out.set(o.owner, list);
  }
  for (const x of Array.isArray(v) ? v : Object.values(o)) collectSpinlocks(x, out);
}

/** An unconditional step. */
export function step<G, L>(label: string, effect?: Effect<G, L>, options?: StatementOptions<G, L>): Statement<G, L> {
  return statement(label, [effect !== undefined ? { do: effect } : {}], options);
}

/** A blocking step: waits until `guard` holds, then runs `effect` atomically with the check. */
export function when<G, L>(
  label: string,
  guard: Guard<G, L>,
  effect?: Effect<G, L>,
  options?: StatementOptions<G, L>,
): Statement<G, L> {
  return statement(label, [effect !== undefined ? { when: guard, do: effect } : { when: guard }], options);
}

/** A nondeterministic choice: every enabled alternative is explored (a trylock that fails or succeeds, a wait that times out). */
export function either<G, L>(
  label: string,
  alternatives: readonly Alternative<G, L>[],
  options?: StatementOptions<G, L>,
): Statement<G, L> {
  return statement(label, alternatives, options);
}

/** Calls a shared routine; no step of its own. `args` may read the caller's state. */
export function call<G, L, A>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  callee: Routine<G, any, A>,
  args?: A | ((g: G, my: L, tid: ThreadId) => A),
  options: { into?: keyof L & string; name?: string } = {},
): CallStatement<G, L> {
  const argsOf =
    typeof args === 'function' ? (args as (g: G, my: L, tid: ThreadId) => unknown) : () => args as unknown;
  return {
    kind: 'call',
    routine: callee,
    args: argsOf,
    ...(options.into !== undefined ? { into: options.into } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  };
}

/** Marks a goto target. */
export function label(name: string): LabelMark {
  return { kind: 'label', name };
}

/** A routine of any shared-state, locals and argument types (for storage after type checking). */
// biome-ignore lint: erased on purpose
export type AnyRoutine = Routine<any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
