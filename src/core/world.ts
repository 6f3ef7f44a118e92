/**
 * The state the explorer stores: the model's shared data plus, for every actor, its call stack.
 * Everything is plain frozen data so equal worlds encode equally whatever the key order.
 */

/** Index of an actor (thread) in `Model.actors`; stable for a model, used in replay paths. */
export type ThreadId = number;

/** One activation of a routine: which routine, which statement is next, and its locals. */
export interface Frame {
  /** Index into `Model.routines`. */
  readonly fn: number;
  /** Index of the next statement in the routine's body. */
  readonly pc: number;
  readonly locals: Readonly<Record<string, unknown>>;
  /** Caller's local that receives this routine's return value, if any. */
  readonly into?: string;
}

/** A thread's call stack, innermost frame last; empty once the thread has finished. */
export type Stack = readonly Frame[];

export interface World<G> {
  readonly shared: G;
  readonly threads: readonly Stack[];
}

export function isFinished(stack: Stack): boolean {
  return stack.length === 0;
}
