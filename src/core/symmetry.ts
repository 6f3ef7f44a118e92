/**
 * Symmetry declarations: a model names actors that are interchangeable (identical driver threads,
 * identical resource managers) and says how to rename them in its shared state. The explorer then
 * stores one representative per class of states that differ only by such a renaming.
 */
import type { ThreadId } from './world.ts';

/**
 * A renaming of a group's members: member `i` (its position in `Symmetry.actors`) becomes member
 * `to[i]`. `member(tid)` is a thread's position in the group (undefined outside it), `tid(i)` the
 * thread of member `i`.
 */
export interface Renaming {
  readonly to: readonly number[];
  member(tid: ThreadId): number | undefined;
  tid(member: number): ThreadId;
  /** A thread id after the renaming (threads outside the group stay). */
  rename(tid: ThreadId): ThreadId;
}

export interface Symmetry<G> {
  /** Names of interchangeable actors: they run the same routine, and the model treats them alike up to renaming. */
  readonly actors: readonly string[];
  /**
   * The shared state with the members renamed: data indexed by member (or holding thread ids of
   * members) moved or rewritten accordingly. Returns plain data; it need not be frozen.
   */
  readonly permute: (g: G, r: Renaming) => G;
  /** Locals of a frame after the renaming, for locals that name a member or a thread (default: unchanged). */
  readonly permuteLocals?: (locals: Readonly<Record<string, unknown>>, r: Renaming) => Readonly<Record<string, unknown>>;
  /**
   * Optional sort key of a member (e.g. its state): renamings are then only tried among members
   * with equal keys, which makes canonical representatives cheap for large groups, and enables the
   * `sorted` representative (sort by key, ties by position: Stateright's RewritePlan).
   */
  readonly sortKey?: (g: G, member: number) => number | string;
}
