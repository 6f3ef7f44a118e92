/**
 * Two threads increment a shared counter, each in two steps (load, then store), under a mutex or
 * not. Without the lock an increment can be lost: the counterexample shows which interleaving.
 */
import { always, atEnd, defineModel, mutex, mutex_lock, mutex_unlock, routine, step, type Mutex } from 'interleave';

interface Shared {
  readonly counter: number;
  readonly lock: Mutex;
}

const increment = (locked: boolean) =>
  routine<Shared, { seen: number }>('increment', {
    locals: () => ({ seen: 0 }),
    body: [
      ...(locked ? [mutex_lock<Shared, { seen: number }>('mutex_lock(&lock)', (g) => g.lock)] : []),
      step('tmp = counter', ({ g, my }) => {
        my.seen = g.counter;
      }),
      step('counter = tmp + 1', ({ g, my }) => {
        g.counter = my.seen + 1;
      }),
      ...(locked ? [mutex_unlock<Shared, { seen: number }>('mutex_unlock(&lock)', (g) => g.lock)] : []),
    ],
  });

export const model = defineModel({
  name: 'example/counter',
  description: 'two threads increment a counter, with or without a mutex',
  params: { locked: true },
  // The expected verdict may depend on the parameters.
  expected: (p) => (p.locked ? { verdict: 'pass' } : { verdict: 'violation', property: 'no lost update' }),
  build: ({ locked }) => ({
    shared: { counter: 0, lock: mutex('lock') } as Shared,
    actors: [
      { name: 'T0', routine: increment(locked) },
      { name: 'T1', routine: increment(locked) },
    ],
    properties: [
      always<Shared>('counter within bounds', (g) => g.counter <= 2),
      atEnd<Shared>('no lost update', (g) => g.counter === 2),
    ],
  }),
});
