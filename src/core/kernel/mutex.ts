/**
 * Linux `struct mutex` as plain state plus statements: `mutex_lock` sleeps while another thread
 * owns it; relocking by the owner is a certain self-deadlock, reported at once; `mutex_unlock` by a
 * thread that does not own it violates "lock discipline".
 */
import type { Statement } from '../program.ts';
import {
  lockStatement,
  trylockStatement,
  unlockStatement,
  type ExclusiveLock,
  type LockOptions,
  type LockSelector,
} from './exclusive.ts';

export { LOCK_DISCIPLINE, type LockSelector } from './exclusive.ts';

export type Mutex = ExclusiveLock<'mutex'>;

const MUTEX = { lock: 'mutex_lock', unlock: 'mutex_unlock', noun: 'mutex', sleeps: true } as const;

export function mutex(name: string): Mutex {
  return { kind: 'mutex', name, owner: null };
}

export function mutex_lock<G, L>(label: string, select: LockSelector<G, L, Mutex>, options?: LockOptions<G, L>): Statement<G, L> {
  return lockStatement(MUTEX, label, select, options);
}

/** Sets local `into` to true if it took the mutex, false if another thread holds it. */
export function mutex_trylock<G, L>(
  label: string,
  select: LockSelector<G, L, Mutex>,
  into: keyof L & string,
  options?: LockOptions<G, L>,
): Statement<G, L> {
  return trylockStatement(label, select, into, options);
}

export function mutex_unlock<G, L>(label: string, select: LockSelector<G, L, Mutex>, options?: LockOptions<G, L>): Statement<G, L> {
  return unlockStatement(MUTEX, label, select, options);
}
