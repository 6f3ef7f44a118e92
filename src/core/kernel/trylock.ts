import type { Draft } from 'immer';
import { step, type Statement, type StatementOptions } from '../program.ts';
import type { ThreadId } from '../world.ts';

/**
 * A trylock step: `take` tries to acquire the selected lock for `tid` (mutating the draft) and
 * says whether it did; the answer is stored in the caller's local `into`. Never blocks.
 */
export function trylockStep<G, L, T>(
  label: string,
  select: (g: G, my: L) => T,
  into: keyof L & string,
  take: (lock: Draft<T>, tid: ThreadId) => boolean,
  options?: Omit<StatementOptions<G, L>, 'waitsFor'>,
): Statement<G, L> {
  return step(
    label,
    (c) => {
      (c.my as Record<string, unknown>)[into] = take(select(c.g as G, c.my as L) as Draft<T>, c.tid);
    },
    options,
  );
}
