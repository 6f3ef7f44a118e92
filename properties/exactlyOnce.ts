/**
 * Exactly-once pairing of calls ("each registered range is unregistered exactly once"): the model
 * keeps ghost counters per object of how often each side was called. Never more closes than opens
 * (checked in every state), and every open closed by the end of the run.
 */
import { always, atEnd, type Property } from '../src/index.ts';

export interface PairCount {
  /** Names the object, e.g. `range0`. */
  readonly id: string;
  readonly opened: number;
  readonly closed: number;
}

export interface ExactlyOnceSpec<G> {
  /** Property name, e.g. `unregister exactly once`. */
  readonly name: string;
  /** The two calls, for messages, e.g. `['hmm_range_register', 'hmm_range_unregister']`. */
  readonly calls: readonly [string, string];
  readonly counts: (g: G) => readonly PairCount[];
}

export function exactlyOnce<G>(spec: ExactlyOnceSpec<G>): Property<G>[] {
  const [open, close] = spec.calls;
  const extra = (g: G): PairCount[] => spec.counts(g).filter((c) => c.closed > c.opened);
  const leaked = (g: G): PairCount[] => spec.counts(g).filter((c) => c.closed < c.opened);
  return [
    always<G>(
      spec.name,
      (g) => extra(g).length === 0,
      (g) =>
        extra(g)
          .map((c) => `${c.id}: ${close} called ${c.closed} times after ${open} succeeded ${c.opened} times`)
          .join('; '),
    ),
    atEnd<G>(
      `${spec.name} (by the end)`,
      (g) => leaked(g).length === 0,
      (g) =>
        leaked(g)
          .map((c) => `${c.id}: ${open} succeeded ${c.opened} times but ${close} was called ${c.closed} times`)
          .join('; '),
    ),
  ];
}
