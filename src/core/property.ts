/**
 * Properties are data: a kind, a name, and a predicate over a read-only view of the world.
 * `always` must hold in every reachable state; `sometimes` must hold in at least one (a witness is
 * reported); `onExit` is checked on every step that finishes a thread; `atEnd` in every terminal state
 * that is not a deadlock (every thread finished or parked at an `end` statement). Assertions inside steps and deadlocks are reported by the explorer.
 */
import type { ThreadId } from './world.ts';

/** What a property predicate sees besides the shared state: where each thread is and its locals. */
export interface WorldView {
  readonly threadCount: number;
  /** The actor's name, e.g. `driver0`. */
  actorName(tid: ThreadId): string;
  /** Thread id of the actor called `name`; throws if no actor has that name. */
  tidOf(name: string): ThreadId;
  /** The thread has returned from its outermost routine. */
  finished(tid: ThreadId): boolean;
  /** The thread's next statement carries this name (goto label) or this exact step label. */
  at(tid: ThreadId, statement: string): boolean;
  /** Locals of the thread's innermost frame (empty object once finished). */
  locals(tid: ThreadId): Readonly<Record<string, unknown>>;
}

export type StatePredicate<G> = (g: G, w: WorldView) => boolean;
export type Explain<G> = (g: G, w: WorldView) => string;

interface PropertyBase<G> {
  readonly name: string;
  /** Text for the report when the property fails, computed on the violating state. */
  readonly explain?: Explain<G>;
  /**
   * Shared-state paths the property reads (see `Footprint`), for partial-order reduction: steps
   * writing them are visible and never reduced away. `@threads` means it reads where threads are
   * or their locals (every step is then visible). `@local` means it only asks whether some thread's
   * own position and locals satisfy a condition (an `always`/`sometimes` over `w.at(tid, …)`), or,
   * for `onExit`, depends only on the exiting thread's own data (its locals and the locks it holds):
   * each thread's own steps keep their order on reduced paths, so no step need be visible for it.
   * Without `reads` the property counts as reading everything.
   */
  readonly reads?: readonly string[];
}

export interface Always<G> extends PropertyBase<G> {
  readonly kind: 'always';
  readonly holds: StatePredicate<G>;
}
export interface Sometimes<G> extends PropertyBase<G> {
  readonly kind: 'sometimes';
  readonly reached: StatePredicate<G>;
}
export interface OnExit<G> extends PropertyBase<G> {
  readonly kind: 'onExit';
  readonly holds: (g: G, w: WorldView, tid: ThreadId) => boolean;
  readonly explainExit?: (g: G, w: WorldView, tid: ThreadId) => string;
}
export interface AtEnd<G> extends PropertyBase<G> {
  readonly kind: 'atEnd';
  readonly holds: StatePredicate<G>;
}

/**
 * Liveness: whenever `trigger` holds (or only in the initial state, for `eventually`), `goal` must
 * hold later on every fair execution. A violation is a lasso: a path to a cycle (or to a state where
 * nothing can move any more) along which `goal` never holds.
 */
export interface LeadsTo<G> extends PropertyBase<G> {
  readonly kind: 'leadsTo';
  /** Which constructor made it, for reports: `eventually` and `alwaysEventually` are leadsTo underneath. */
  readonly form?: 'eventually' | 'leadsTo' | 'alwaysEventually';
  readonly trigger: StatePredicate<G> | 'initial';
  readonly goal: StatePredicate<G>;
}

/** A step that counts as progress (SPIN's progress labels): which actor took it and its label. */
export type ProgressStep = (step: { readonly actor: string; readonly label: string }) => boolean;

/** Some progress step is taken infinitely often on every fair execution (no fair cycle without one). */
export interface Progress<G> extends PropertyBase<G> {
  readonly kind: 'progress';
  readonly isProgress: ProgressStep;
}

export type LivenessProperty<G> = LeadsTo<G> | Progress<G>;

export type Property<G> = Always<G> | Sometimes<G> | OnExit<G> | AtEnd<G> | LeadsTo<G> | Progress<G>;

export function isLiveness<G>(p: Property<G>): p is LivenessProperty<G> {
  return p.kind === 'leadsTo' || p.kind === 'progress';
}
export type PropertyKind = Property<unknown>['kind'] | 'assertion' | 'deadlock' | 'lockOrder';

/** An invariant: must hold in every reachable state. */
export function always<G>(name: string, holds: StatePredicate<G>, explain?: Explain<G>): Always<G> {
  return { kind: 'always', name, holds, ...(explain ? { explain } : {}) };
}

/** Reachability: some reachable state satisfies it; the search reports the first witness. */
export function sometimes<G>(name: string, reached: StatePredicate<G>): Sometimes<G> {
  return { kind: 'sometimes', name, reached };
}

/** Checked in the state right after thread `tid` finishes (e.g. "holds no lock at exit"). */
export function onExit<G>(
  name: string,
  holds: (g: G, w: WorldView, tid: ThreadId) => boolean,
  explainExit?: (g: G, w: WorldView, tid: ThreadId) => string,
): OnExit<G> {
  return { kind: 'onExit', name, holds, ...(explainExit ? { explainExit } : {}) };
}

/** Every fair execution from the initial state reaches a state where `goal` holds. */
export function eventually<G>(name: string, goal: StatePredicate<G>): LeadsTo<G> {
  return { kind: 'leadsTo', form: 'eventually', name, trigger: 'initial', goal };
}

/** Whenever `trigger` holds, `goal` holds then or later, on every fair execution (TLA+'s `~>`). */
export function leadsTo<G>(name: string, trigger: StatePredicate<G>, goal: StatePredicate<G>): LeadsTo<G> {
  return { kind: 'leadsTo', name, trigger, goal };
}

/** `goal` holds infinitely often on every fair execution (from every reachable state it is reached again). */
export function alwaysEventually<G>(name: string, goal: StatePredicate<G>): LeadsTo<G> {
  return { kind: 'leadsTo', form: 'alwaysEventually', name, trigger: () => true, goal };
}

/** Every fair infinite execution takes a progress step infinitely often. */
export function progress<G>(name: string, isProgress: ProgressStep): Progress<G> {
  return { kind: 'progress', name, isProgress };
}

/** Checked in terminal states that are not deadlocks: every thread finished or parked at an `end` statement. */
export function atEnd<G>(name: string, holds: StatePredicate<G>, explain?: Explain<G>): AtEnd<G> {
  return { kind: 'atEnd', name, holds, ...(explain ? { explain } : {}) };
}

/** The property with the shared-state paths it reads declared (see `PropertyBase.reads`). */
export function reading<P extends { readonly name: string; readonly kind: string }>(property: P, reads: readonly string[]): P {
  return { ...property, reads };
}
