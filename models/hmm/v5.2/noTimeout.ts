/**
 * An environment assumption some models make: every invalidation finishes within the driver's
 * timeout (HMM_RANGE_DEFAULT_TIMEOUT, 1000 ms), so a wait_event_timeout() on hmm->wq never expires.
 * `withoutTimeouts(r)` is routine `r` with the "times out" alternative of its waits removed; every
 * other statement, label and alternative is the same, so traces read exactly as with `r`.
 */
import type { Routine } from '../../../src/index.ts';

export const TIMES_OUT = 'times out';

export function withoutTimeouts<G, L, A>(r: Routine<G, L, A>): Routine<G, L, A> {
  return {
    ...r,
    body: r.body.map((line) =>
      line.kind === 'step' && line.alternatives.some((a) => a.label === TIMES_OUT)
        ? { ...line, alternatives: line.alternatives.filter((a) => a.label !== TIMES_OUT) }
        : line,
    ),
  };
}
