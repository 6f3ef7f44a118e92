import { describe, expect, it } from 'vitest';
import { compileModel, defineModel, explore, mutex, mutex_lock, mutex_trylock, mutex_unlock, routine, step, type Mutex } from '../../index.ts';

interface Shared {
  readonly m: Mutex;
  readonly inside: number;
  readonly maxInside: number;
}
const m = (g: Shared) => g.m;

function run(actors: { name: string; routine: ReturnType<typeof routine<Shared, { took: boolean }>> }[]) {
  return explore(
    compileModel(
      defineModel({
        name: 'test/mutex',
        description: '',
        params: {},
        build: () => ({ shared: { m: mutex('m'), inside: 0, maxInside: 0 }, actors }),
      }),
    ),
  );
}

const critical = routine<Shared, { took: boolean }>('critical', {
  locals: () => ({ took: false }),
  body: [
    mutex_lock('mutex_lock(&m)', m),
    step('enter', ({ g }) => {
      g.inside += 1;
      g.maxInside = Math.max(g.maxInside, g.inside);
    }),
    step('leave', ({ g }) => {
      g.inside -= 1;
    }),
    mutex_unlock('mutex_unlock(&m)', m),
  ],
});

describe('mutex', () => {
  it('excludes: two lockers never overlap, and the search passes', () => {
    const r = run([
      { name: 'a', routine: critical },
      { name: 'b', routine: critical },
    ]);
    expect(r.verdict).toBe('pass');
    // Each thread has 5 positions (before lock, 3 while holding, done); both holding is
    // excluded: 25 - 3*3 = 16 pairs, and inside/maxInside/owner are functions of the pair.
    expect(r.stats.states).toBe(16);
  });

  it('relocking by the owner is reported as a self-deadlock at once', () => {
    const twice = routine<Shared, { took: boolean }>('twice', {
      locals: () => ({ took: false }),
      body: [mutex_trylock('mutex_trylock(&m)', m, 'took'), mutex_lock('mutex_lock(&m)', m)],
    });
    const r = run([{ name: 't', routine: twice }]);
    expect(r.verdict).toBe('deadlock');
    if (r.verdict === 'deadlock') {
      expect(r.message).toContain('self-deadlock');
      expect(r.path).toEqual([0, 0]);
    }
  });

  it('unlock by a thread that does not hold it violates lock discipline', () => {
    const stray = routine<Shared, { took: boolean }>('stray', { locals: () => ({ took: false }), body: [mutex_unlock('mutex_unlock(&m)', m)] });
    const r = run([{ name: 's', routine: stray }]);
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') {
      expect(r.property.name).toBe('lock discipline');
      expect(r.message).toContain('unlocked');
    }
  });

  it('trylock fails exactly when another thread holds the mutex', () => {
    const tryer = routine<Shared, { took: boolean }>('tryer', {
      locals: () => ({ took: false }),
      body: [
        mutex_trylock('mutex_trylock(&m)', m, 'took'),
        step('if (took) mutex_unlock', ({ g, my }) => {
          if (my.took) (g.m as { owner: number | null }).owner = null;
        }),
      ],
    });
    const r = run([
      { name: 'holder', routine: critical },
      { name: 'tryer', routine: tryer },
    ]);
    expect(r.verdict).toBe('pass');
  });
});
