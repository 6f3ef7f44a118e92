/**
 * Linux `struct mutex` as plain state plus statements: `mutex_lock` blocks while another thread
 * owns it; relocking by the owner is a certain self-deadlock, reported at once; `mutex_unlock` by a
 * thread that does not own it violates "lock discipline".
 */
import type { Draft } from 'immer';
import { either, step, type Statement, type StatementOptions } from '../program.ts';
import type { ThreadId } from '../world.ts';
import { trylockStep } from './trylock.ts';

export interface Mutex {
  readonly kind: 'mutex';
  /** The C expression naming it, e.g. `hmm->lock`, used in reports. */
  readonly name: string;
  readonly owner: ThreadId | null;
}

export const LOCK_DISCIPLINE = 'lock discipline';

export function mutex(name: string): Mutex {
  return { kind: 'mutex', name, owner: null };
}

/** Selects a lock in the shared state, for guards (frozen) and effects (draft) alike. */
export type LockSelector<G, L, T> = (g: G, my: L) => T;

type Opts<G, L> = Omit<StatementOptions<G, L>, 'waitsFor'>;

export function mutex_lock<G, L>(
  label: string,
  select: LockSelector<G, L, Mutex>,
  options?: Opts<G, L>,
): Statement<G, L> {
  return either(
    label,
    [
      {
        when: (g, my) => select(g, my).owner === null,
        do: (c) => {
          (select(c.g as G, c.my as L) as Draft<Mutex>).owner = c.tid;
        },
      },
      {
        when: (g, my, tid) => select(g, my).owner === tid,
        do: (c) => {
          const m = select(c.g as G, c.my as L);
          c.deadlock(`mutex_lock(&${m.name}) while already holding it: self-deadlock`);
        },
      },
    ],
    { ...options, waitsFor: (g, my, who) => holderText(select(g, my), who) },
  );
}

/** Sets local `into` to true if it took the mutex, false if another thread holds it. */
export function mutex_trylock<G, L>(
  label: string,
  select: LockSelector<G, L, Mutex>,
  into: keyof L & string,
  options?: Opts<G, L>,
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

export function mutex_unlock<G, L>(label: string, select: LockSelector<G, L, Mutex>, options?: Opts<G, L>): Statement<G, L> {
  return step(
    label,
    (c) => {
      const m = select(c.g as G, c.my as L) as Draft<Mutex>;
      c.assert(
        m.owner === c.tid,
        `mutex_unlock(&${m.name}) by ${c.actor}, which does not hold it (${m.owner === null ? 'unlocked' : `held by ${c.nameOf(m.owner)}`})`,
        LOCK_DISCIPLINE,
      );
      m.owner = null;
    },
    options,
  );
}

function holderText(m: Mutex, who: (tid: ThreadId) => string): string {
  return m.owner === null ? `mutex ${m.name} (free)` : `mutex ${m.name}, held by ${who(m.owner)}`;
}
