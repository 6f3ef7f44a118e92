/**
 * The textbook AB-BA deadlock: two threads take the same two mutexes in opposite orders. Must
 * deadlock: each holds one mutex and waits for the other.
 */
import { defineModel, mutex, mutex_lock, mutex_unlock, routine, type Mutex } from '../../src/index.ts';
import { noLockHeldAtExit } from '../../properties/lockDiscipline.ts';

interface Shared {
  readonly a: Mutex;
  readonly b: Mutex;
}

const ab = routine<Shared>('thread_ab', {
  body: [
    mutex_lock('mutex_lock(&a)', (g) => g.a),
    mutex_lock('mutex_lock(&b)', (g) => g.b),
    mutex_unlock('mutex_unlock(&b)', (g) => g.b),
    mutex_unlock('mutex_unlock(&a)', (g) => g.a),
  ],
});

const ba = routine<Shared>('thread_ba', {
  body: [
    mutex_lock('mutex_lock(&b)', (g) => g.b),
    mutex_lock('mutex_lock(&a)', (g) => g.a),
    mutex_unlock('mutex_unlock(&a)', (g) => g.a),
    mutex_unlock('mutex_unlock(&b)', (g) => g.b),
  ],
});

export const model = defineModel({
  name: 'classic/lock-order-deadlock',
  description: 'Two threads lock two mutexes in opposite orders (must deadlock)',
  params: {},
  expected: { verdict: 'deadlock' },
  build: () => ({
    shared: { a: mutex('a'), b: mutex('b') },
    actors: [
      { name: 'T1', routine: ab },
      { name: 'T2', routine: ba },
    ],
    properties: [noLockHeldAtExit<Shared>()],
  }),
});
