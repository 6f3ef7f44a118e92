/**
 * Linux `wait_queue_head_t` with `wait_event`, `wait_event_timeout` and `wake_up_all`.
 *
 * A waiter checks its condition; if it is false the waiter goes to sleep on the queue (one atomic
 * step, as `prepare_to_wait` before the check makes it in the kernel) and only a `wake_up_all` on
 * that queue makes it check again. So a condition that becomes true without a wake-up leaves the
 * waiter asleep: a lost wake-up shows as a deadlock whose report names the queue.
 *
 * `wait_event_timeout` may also time out while asleep. When is not modelled: the timeout is a
 * nondeterministic choice available at every moment the waiter sleeps, which covers every real
 * timing. Like the kernel's, it then re-evaluates the condition: the result (stored in a local) is
 * 1 if the condition holds and 0 if it timed out with the condition false.
 */
import type { Draft } from 'immer';
import { either, step, type Guard, type Statement, type StatementOptions } from '../program.ts';
import type { ThreadId } from '../world.ts';
import type { LockSelector } from './exclusive.ts';

export interface WaitQueue {
  readonly kind: 'waitqueue';
  readonly name: string;
  /** Threads asleep on the queue, in the order they went to sleep. */
  readonly sleepers: readonly ThreadId[];
}

export function waitqueue(name: string): WaitQueue {
  return { kind: 'waitqueue', name, sleepers: [] };
}

type Opts<G, L> = Omit<StatementOptions<G, L>, 'waitsFor' | 'holders' | 'mightSleep'>;

/** Wakes every sleeper (for use inside a larger step, e.g. after `notifiers--` under a lock). */
export function wakeUpAll(wq: Draft<WaitQueue>): void {
  if (wq.sleepers.length > 0) wq.sleepers.length = 0;
}

function asleep(wq: WaitQueue, tid: ThreadId): boolean {
  return wq.sleepers.includes(tid);
}

function sleeperText<G, L>(wq: WaitQueue, cond: Guard<G, L>, g: G, my: L, tid: ThreadId): string {
  const now = cond(g, my, tid) ? 'its condition is now true, but no wake-up came' : 'its condition is false';
  return `a wake_up on ${wq.name} (${now})`;
}

/** Sleeps until `cond` holds; re-checks only when woken. */
export function wait_event<G, L>(
  label: string,
  select: LockSelector<G, L, WaitQueue>,
  cond: Guard<G, L>,
  options?: Opts<G, L>,
): Statement<G, L> {
  return either(
    label,
    [
      { label: 'condition true', when: (g, my, tid) => !asleep(select(g, my), tid) && cond(g, my, tid) },
      {
        label: 'sleeps',
        when: (g, my, tid) => !asleep(select(g, my), tid) && !cond(g, my, tid),
        do: (c) => {
          (select(c.g as G, c.my as L) as Draft<WaitQueue>).sleepers.push(c.tid);
          c.stay();
        },
      },
    ],
    {
      ...options,
      mightSleep: true,
      waitsFor: (g, my, _who, tid) => sleeperText(select(g, my), cond, g, my, tid),
    },
  );
}

/**
 * Like `wait_event`, but the sleep may end by timeout. Local `into` receives the kernel's result
 * reduced to 1 (condition true) or 0 (timed out with the condition false).
 */
export function wait_event_timeout<G, L>(
  label: string,
  select: LockSelector<G, L, WaitQueue>,
  cond: Guard<G, L>,
  into: keyof L & string,
  options?: Opts<G, L>,
): Statement<G, L> {
  const store = (my: unknown, v: number): void => {
    (my as Record<string, unknown>)[into] = v;
  };
  return either(
    label,
    [
      {
        label: 'condition true',
        when: (g, my, tid) => !asleep(select(g, my), tid) && cond(g, my, tid),
        do: (c) => store(c.my, 1),
      },
      {
        label: 'sleeps',
        when: (g, my, tid) => !asleep(select(g, my), tid) && !cond(g, my, tid),
        do: (c) => {
          (select(c.g as G, c.my as L) as Draft<WaitQueue>).sleepers.push(c.tid);
          c.stay();
        },
      },
      {
        label: 'times out',
        when: (g, my, tid) => asleep(select(g, my), tid),
        do: (c) => {
          const wq = select(c.g as G, c.my as L) as Draft<WaitQueue>;
          wq.sleepers.splice(wq.sleepers.indexOf(c.tid), 1);
          store(c.my, cond(c.g as G, c.my as L, c.tid) ? 1 : 0);
        },
      },
    ],
    {
      ...options,
      mightSleep: true,
      waitsFor: (g, my, _who, tid) => sleeperText(select(g, my), cond, g, my, tid),
    },
  );
}

/** `wake_up_all(wq)` as a step of its own. */
export function wake_up_all<G, L>(label: string, select: LockSelector<G, L, WaitQueue>, options?: Opts<G, L>): Statement<G, L> {
  return step(label, (c) => wakeUpAll(select(c.g as G, c.my as L) as Draft<WaitQueue>), options);
}
