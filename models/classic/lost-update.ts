/**
 * `n` threads each increment a shared counter with a non-atomic read then write. Must violate the
 * invariant that the counter never falls behind the number of completed increments.
 */
import { always, defineModel, routine, step } from '../../src/index.ts';

interface Shared {
  readonly counter: number;
  /** Ghost: increments completed. */
  readonly done: number;
}

const increment = routine<Shared, { tmp: number }>('increment', {
  locals: () => ({ tmp: 0 }),
  body: [
    step('tmp = counter', ({ g, my }) => {
      my.tmp = g.counter;
    }),
    step('counter = tmp + 1', ({ g, my }) => {
      g.counter = my.tmp + 1;
      g.done += 1;
    }),
  ],
});

export const model = defineModel({
  name: 'classic/lost-update',
  description: 'Non-atomic increments by n threads (must violate "no lost update")',
  params: { n: 2 },
  expected: { verdict: 'violation', property: 'no lost update' },
  build: ({ n }) => ({
    shared: { counter: 0, done: 0 },
    actors: Array.from({ length: n }, (_, i) => ({ name: `T${i + 1}`, routine: increment })),
    properties: [
      always<Shared>(
        'no lost update',
        (g) => g.counter === g.done,
        (g) => `counter is ${g.counter} after ${g.done} completed increments`,
      ),
    ],
  }),
});
