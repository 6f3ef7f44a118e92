/** Starvation freedom: every thread that starts trying gets into its critical section (under fairness). */
import { leadsTo, type LeadsTo, type WorldView } from '../src/index.ts';

/**
 * One `leadsTo` per thread: whenever thread `tid` is `trying`, it is later `inside`. Named
 * `starvation freedom (<actor>)` with the actor names given.
 */
export function starvationFreedom<G>(
  actors: readonly string[],
  trying: (w: WorldView, tid: number) => boolean,
  inside: (w: WorldView, tid: number) => boolean,
): LeadsTo<G>[] {
  return actors.map((name, tid) =>
    leadsTo<G>(
      `starvation freedom (${name})`,
      (_g, w) => trying(w, tid),
      (_g, w) => inside(w, tid),
    ),
  );
}
