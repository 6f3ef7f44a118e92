/**
 * Lock discipline. Unlocking a lock the thread does not hold is caught by the lock primitives
 * themselves (a violation of "lock discipline" at that step); this adds the exit check: a thread
 * must not finish while holding any mutex or rwsem found in the shared state.
 */
import { locksHeld, onExit, type OnExit } from '../src/index.ts';

export const LOCK_HELD_AT_EXIT = 'lock discipline: no lock held at exit';

export function noLockHeldAtExit<G>(): OnExit<G> {
  return onExit<G>(
    LOCK_HELD_AT_EXIT,
    (g, _w, tid) => locksHeld(g, tid).length === 0,
    (g, _w, tid) =>
      `still holds ${locksHeld(g, tid)
        .map((l) => `${l.name} (${l.mode})`)
        .join(', ')}`,
  );
}
