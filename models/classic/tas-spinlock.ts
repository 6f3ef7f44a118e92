/**
 * A naive test-and-set spinlock: each thread loops for ever through a non-critical section, spins
 * on `test_and_set(&lock)` until it wins, runs its critical section and releases. Mutual exclusion
 * holds, but it is not starvation-free: even with weak fairness per thread, one thread can win
 * every race while the other keeps spinning (it does take steps, so weak fairness is met). The
 * textbook contrast to Peterson's lock, which is starvation-free under weak fairness.
 */
import { defineModel, either, routine, step } from '../../src/index.ts';
import { mutualExclusion } from '../../properties/mutualExclusion.ts';
import { starvationFreedom } from '../../properties/starvationFreedom.ts';

interface Shared {
  readonly locked: boolean;
}

const thread = routine<Shared>('thread', {
  body: [
    step('non-critical section', undefined, { name: 'NCS' }),
    either<Shared, Record<string, never>>(
      'test_and_set(&lock)',
      [
        { label: 'wins', when: (g) => !g.locked, do: ({ g }) => void (g.locked = true) },
        { label: 'busy: spins', when: (g) => g.locked, do: ({ stay }) => stay() },
      ],
      { name: 'spin' },
    ),
    step('critical section', undefined, { name: 'CS' }),
    step('lock = 0', ({ g }) => void (g.locked = false), { then: 'NCS' }),
  ],
});

export const model = defineModel({
  name: 'classic/tas-spinlock',
  description: 'Naive test-and-set spinlock: mutual exclusion holds, starvation freedom does not (liveness, weak fairness)',
  params: { n: 2 },
  expected: { verdict: 'violation', property: 'starvation freedom (T0)' },
  sources: ['textbook test-and-set lock (Herlihy & Shavit, The Art of Multiprocessor Programming, ch. 7)'],
  build: ({ n }) => {
    const names = Array.from({ length: n }, (_, i) => `T${i}`);
    return {
      shared: { locked: false },
      actors: names.map((name) => ({ name, routine: thread })),
      properties: [
        mutualExclusion<Shared>('CS'),
        ...starvationFreedom<Shared>(names, (w, tid) => w.at(tid, 'spin'), (w, tid) => w.at(tid, 'CS')),
      ],
    };
  },
});
