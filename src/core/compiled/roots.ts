/**
 * Lock lookups for the compiled space's root views: `locksHeld(g, tid)` and the might-sleep check
 * walk the whole shared state on the reference space; on a root view they ask the space, which
 * visits only the places that can hold a lock.
 */
import type { HeldLock } from '../kernel/locksHeld.ts';
import type { ThreadId } from '../world.ts';

const walkers = new WeakMap<object, (tid: ThreadId, kinds?: string[]) => HeldLock[]>();
const spinWalkers = new WeakMap<object, (tid: ThreadId) => boolean>();

/**
 * `locksHeld` fills `kinds` (when given) with each lock's kind: mutex, spinlock or rwsem;
 * `holdsSpinlock` says whether the thread holds any spinlock.
 */
export function registerRoot(root: object, locksHeld: (tid: ThreadId, kinds?: string[]) => HeldLock[], holdsSpinlock: (tid: ThreadId) => boolean): void {
  walkers.set(root, locksHeld);
  spinWalkers.set(root, holdsSpinlock);
}

/** Whether `tid` holds a spinlock, if `g` is a compiled space's root view; undefined otherwise. */
export function viewHoldsSpinlock(g: object, tid: ThreadId): boolean | undefined {
  return spinWalkers.get(g)?.(tid);
}

/** The locks `tid` holds, if `g` is a compiled space's root view; undefined otherwise. */
export function viewLocksHeld(g: unknown, tid: ThreadId, kinds?: string[]): HeldLock[] | undefined {
  if (typeof g !== 'object' || g === null) return undefined;
  return walkers.get(g)?.(tid, kinds);
}
