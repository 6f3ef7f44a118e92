/**
 * Linux `spinlock_t`: like a mutex, one owner at a time, but a waiter spins instead of sleeping, and
 * the holder must not sleep. A thread that reaches a statement that may sleep (`mutex_lock`,
 * `down_read`, `wait_event`, or any step declared `mightSleep`) while holding a spinlock violates
 * "no sleeping under spinlock" (the kernel's "BUG: sleeping function called from invalid context").
 * Interrupts are not modelled, so `spin_lock_irqsave` and friends are the same lock.
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

export { SLEEP_UNDER_SPINLOCK } from '../program.ts';

export type Spinlock = ExclusiveLock<'spinlock'>;

const SPIN = { lock: 'spin_lock', unlock: 'spin_unlock', noun: 'spinlock', sleeps: false } as const;

export function spinlock(name: string): Spinlock {
  return { kind: 'spinlock', name, owner: null };
}

export function spin_lock<G, L>(label: string, select: LockSelector<G, L, Spinlock>, options?: LockOptions<G, L>): Statement<G, L> {
  return lockStatement(SPIN, label, select, options);
}

/** Sets local `into` to true if it took the spinlock, false if another thread holds it. */
export function spin_trylock<G, L>(
  label: string,
  select: LockSelector<G, L, Spinlock>,
  into: keyof L & string,
  options?: LockOptions<G, L>,
): Statement<G, L> {
  return trylockStatement(label, select, into, options);
}

export function spin_unlock<G, L>(label: string, select: LockSelector<G, L, Spinlock>, options?: LockOptions<G, L>): Statement<G, L> {
  return unlockStatement(SPIN, label, select, options);
}
