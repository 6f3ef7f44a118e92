/**
 * Toy models shared by the explorer, trace and CLI tests. State counts quoted here are derived by
 * hand in the comments, not copied from a run.
 */
import { atEnd, defineModel, routine, step, type Property } from '../index.ts';

export interface Counter {
  readonly count: number;
}

/**
 * The lost update: `tmp = count; count = tmp + 1` in two threads.
 * A thread is at one of: not yet read (r=0), read value v (pc 1, tmp v), finished.
 * Reachable states (A, B, count):
 *   (0,0,0) (r0,0,0) (0,r0,0) (r0,r0,0) (d,0,1) (0,d,1) (d,r1,1) (r1,d,1) (d,r0,1) (r0,d,1) (d,d,2) (d,d,1)
 * = 12 states; edges 2+2+2+2 (from the four states where both can move) + 6 = 14; depth 4.
 */
export const increment = routine<Counter, { tmp: number }>('increment', {
  locals: () => ({ tmp: 0 }),
  body: [
    step('tmp = count', ({ g, my }) => {
      my.tmp = g.count;
    }),
    step('count = tmp + 1', ({ g, my }) => {
      g.count = my.tmp + 1;
    }),
  ],
});

export function lostUpdate(properties: readonly Property<Counter>[] = []) {
  return defineModel({
    name: 'toy/lost-update',
    description: 'two threads increment a counter without a lock',
    params: {},
    expected: { verdict: 'violation', property: 'both increments counted' },
    build: () => ({
      shared: { count: 0 } as Counter,
      actors: [
        { name: 'A', routine: increment },
        { name: 'B', routine: increment },
      ],
      properties,
    }),
  });
}

export const bothCounted = atEnd<Counter>(
  'both increments counted',
  (g) => g.count === 2,
  (g) => `count is ${g.count} after two increments`,
);
