/**
 * Linux `struct completion`: `complete` lets one waiter through (or banks one for a later waiter),
 * `complete_all` lets every present and future waiter through until `reinit_completion`.
 */
import type { Draft } from 'immer';
import { step, when, type Statement, type StatementOptions } from '../program.ts';
import type { LockSelector } from './exclusive.ts';

export interface Completion {
  readonly kind: 'completion';
  readonly name: string;
  /** Completions banked by `complete` and not yet consumed by a waiter. */
  readonly done: number;
  /** Set by `complete_all`: waiters pass without consuming. */
  readonly all: boolean;
}

export function completion(name: string): Completion {
  return { kind: 'completion', name, done: 0, all: false };
}

type Opts<G, L> = Omit<StatementOptions<G, L>, 'waitsFor' | 'holders' | 'mightSleep'>;

/** `complete(x)` inside a larger step. */
export function completeOne(x: Draft<Completion>): void {
  if (!x.all) x.done++;
}

/** `complete_all(x)` inside a larger step. */
export function completeAll(x: Draft<Completion>): void {
  x.all = true;
  x.done = 0;
}

export function wait_for_completion<G, L>(label: string, select: LockSelector<G, L, Completion>, options?: Opts<G, L>): Statement<G, L> {
  return when(
    label,
    (g, my) => {
      const x = select(g, my);
      return x.all || x.done > 0;
    },
    (c) => {
      const x = select(c.g as G, c.my as L) as Draft<Completion>;
      if (!x.all) x.done--;
    },
    { ...options, mightSleep: true, waitsFor: (g, my) => `complete(&${select(g, my).name})` },
  );
}

export function complete<G, L>(label: string, select: LockSelector<G, L, Completion>, options?: Opts<G, L>): Statement<G, L> {
  return step(label, (c) => completeOne(select(c.g as G, c.my as L) as Draft<Completion>), options);
}

export function complete_all<G, L>(label: string, select: LockSelector<G, L, Completion>, options?: Opts<G, L>): Statement<G, L> {
  return step(label, (c) => completeAll(select(c.g as G, c.my as L) as Draft<Completion>), options);
}

export function reinit_completion<G, L>(label: string, select: LockSelector<G, L, Completion>, options?: Opts<G, L>): Statement<G, L> {
  return step(
    label,
    (c) => {
      const x = select(c.g as G, c.my as L) as Draft<Completion>;
      x.done = 0;
      x.all = false;
    },
    options,
  );
}
