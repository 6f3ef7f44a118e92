/**
 * What `struct mutex` and `spinlock_t` share: one owner at a time. Taking a lock one already owns
 * is a certain self-deadlock (reported at once); releasing a lock one does not own violates
 * "lock discipline". The two differ in that a mutex sleeps while it waits and a spinlock spins,
 * and in that nothing may sleep while a spinlock is held.
 */
import type { Draft } from 'immer';
import { either, step, type Statement, type StatementOptions } from '../program.ts';
import type { ThreadId } from '../world.ts';
import { trylockStep } from './trylock.ts';

export const LOCK_DISCIPLINE = 'lock discipline';

export interface ExclusiveLock<K extends string> {
  readonly kind: K;
  /** The C expression naming it, e.g. `hmm->lock`, used in reports and as its lock class. */
  readonly name: string;
  readonly owner: ThreadId | null;
}

/** Selects a lock in the shared state, for guards (frozen) and effects (draft) alike. */
export type LockSelector<G, L, T> = (g: G, my: L) => T;

export type LockOptions<G, L> = Omit<StatementOptions<G, L>, 'waitsFor' | 'holders' | 'mightSleep'>;

interface Flavour {
  /** Kernel name of the lock call, e.g. `mutex_lock`. */
  readonly lock: string;
  readonly unlock: string;
  /** Word for reports: `mutex`, `spinlock`. */
  readonly noun: string;
  readonly sleeps: boolean;
}

export function lockStatement<G, L, K extends string>(
  f: Flavour,
  label: string,
  select: LockSelector<G, L, ExclusiveLock<K>>,
  options?: LockOptions<G, L>,
): Statement<G, L> {
  return either(
    label,
    [
      {
        when: (g, my) => select(g, my).owner === null,
        do: (c) => {
          (select(c.g as G, c.my as L) as Draft<ExclusiveLock<K>>).owner = c.tid;
        },
        acquires: (g, my) => select(g, my).name,
      },
      {
        when: (g, my, tid) => select(g, my).owner === tid,
        do: (c) => {
          const m = select(c.g as G, c.my as L);
          c.deadlock(`${f.lock}(&${m.name}) while already holding it: self-deadlock (wait-for: ${c.actor} → ${c.actor})`);
        },
      },
    ],
    {
      ...options,
      mightSleep: f.sleeps,
      waitsFor: (g, my, who) => holderText(f.noun, select(g, my), who),
      holders: (g, my) => {
        const owner = select(g, my).owner;
        return owner === null ? [] : [owner];
      },
    },
  );
}

/** Sets local `into` to true if it took the lock, false if another thread holds it. Never blocks. */
export function trylockStatement<G, L, K extends string>(
  label: string,
  select: LockSelector<G, L, ExclusiveLock<K>>,
  into: keyof L & string,
  options?: LockOptions<G, L>,
): Statement<G, L> {
  return trylockStep(
    label,
    select,
    into,
    (m, tid) => {
      if (m.owner !== null) return false;
      m.owner = tid;
      return true;
    },
    options,
  );
}

export function unlockStatement<G, L, K extends string>(
  f: Flavour,
  label: string,
  select: LockSelector<G, L, ExclusiveLock<K>>,
  options?: LockOptions<G, L>,
): Statement<G, L> {
  return step(
    label,
    (c) => {
      const m = select(c.g as G, c.my as L) as Draft<ExclusiveLock<K>>;
      c.assert(
        m.owner === c.tid,
        `${f.unlock}(&${m.name}) by ${c.actor}, which does not hold it (${m.owner === null ? 'unlocked' : `held by ${c.nameOf(m.owner)}`})`,
        LOCK_DISCIPLINE,
      );
      m.owner = null;
    },
    options,
  );
}

function holderText<K extends string>(noun: string, m: ExclusiveLock<K>, who: (tid: ThreadId) => string): string {
  return m.owner === null ? `${noun} ${m.name} (free)` : `${noun} ${m.name}, held by ${who(m.owner)}`;
}
