import { describe, expect, it } from 'vitest';
import { toy } from '../../testing/helpers.ts';
import { explore, mutex, mutex_lock, mutex_unlock, routine, spin_lock, spin_trylock, spin_unlock, spinlock, step, type Mutex, type Spinlock } from '../../index.ts';
import { locksHeld } from './locksHeld.ts';

interface Shared {
  readonly s: Spinlock;
  readonly m: Mutex;
  readonly n: number;
}
const s = (g: Shared) => g.s;
const m = (g: Shared) => g.m;
const init = (): Shared => ({ s: spinlock('dev->lock'), m: mutex('hmm->lock'), n: 0 });

describe('spinlock', () => {
  it('excludes like a mutex, and passes when nothing sleeps under it', () => {
    const r1 = routine<Shared>('inc', {
      body: [spin_lock('spin_lock(&dev->lock)', s), step('n++', ({ g }) => void g.n++), spin_unlock('spin_unlock(&dev->lock)', s)],
    });
    const r = explore(toy('spin', init(), [{ name: 'A', routine: r1 }, { name: 'B', routine: r1 }]));
    expect(r.verdict).toBe('pass');
    // 4 positions each, both inside excluded (2x2): 16 - 4 = 12.
    expect(r.stats.states).toBe(12);
  });

  it('taking a mutex while holding a spinlock violates "no sleeping under spinlock", even uncontended', () => {
    const bad = routine<Shared>('bad', {
      body: [
        spin_lock('spin_lock(&dev->lock)', s),
        mutex_lock('mutex_lock(&hmm->lock)', m),
        mutex_unlock('mutex_unlock(&hmm->lock)', m),
        spin_unlock('spin_unlock(&dev->lock)', s),
      ],
    });
    const r = explore(toy('sleep', init(), [{ name: 'A', routine: bad }]));
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property.name).toBe('no sleeping under spinlock');
    expect(r.message).toBe('mutex_lock(&hmm->lock) may sleep, but A holds spinlock dev->lock');
    expect(r.path).toEqual([0, 1]);
  });

  it('a spinlock inside a list of records is found by the sleep check on both state spaces, for its holder only', () => {
    interface Devs {
      readonly devs: readonly { readonly id: number; readonly lock: Spinlock }[];
      readonly m: Mutex;
    }
    const d1 = (g: Devs) => g.devs[1]!.lock;
    const dm = (g: Devs) => g.m;
    const holder = routine<Devs>('holder', {
      body: [spin_lock('spin_lock(&devs[1]->lock)', d1), step('work'), mutex_lock('mutex_lock(&hmm->lock)', dm), mutex_unlock('mutex_unlock(&hmm->lock)', dm), spin_unlock('spin_unlock(&devs[1]->lock)', d1)],
    });
    const other = routine<Devs>('other', { body: [mutex_lock('mutex_lock(&hmm->lock)', dm), mutex_unlock('mutex_unlock(&hmm->lock)', dm)] });
    const model = toy('list-spin', { devs: [0, 1].map((id) => ({ id, lock: spinlock(`dev${id}->lock`) })), m: mutex('hmm->lock') }, [
      { name: 'B', routine: other },
      { name: 'A', routine: holder },
    ]);
    const results = (['compiled', 'reference'] as const).map((engine) => explore(model, { engine }));
    expect(results[0]!.stats.engine?.name).toBe('compiled');
    for (const r of results) {
      expect(r.verdict).toBe('violation');
      if (r.verdict !== 'violation') return;
      expect(r.property.name).toBe('no sleeping under spinlock');
      expect(r.message).toBe('mutex_lock(&hmm->lock) may sleep, but A holds spinlock dev1->lock');
    }
    expect(results[0]!.stats).toMatchObject({ states: results[1]!.stats.states, transitions: results[1]!.stats.transitions });
  });

  it.each([
    ['a mutex', () => mutex('x')],
    ['a record of no lock kind', () => ({ kind: 'free', name: 'x', owner: null })],
  ])('a place that held %s when the layout was learnt and holds a spinlock later is checked on both spaces', (_what, before) => {
    interface Slot {
      readonly slot: unknown;
      readonly m: Mutex;
    }
    const slot = (g: Slot) => g.slot as Spinlock;
    const sm = (g: Slot) => g.m;
    const a = routine<Slot>('a', {
      body: [
        step('slot = spinlock', ({ g }) => void ((g as { slot: unknown }).slot = spinlock('x'))),
        spin_lock('spin_lock(&slot)', slot),
        mutex_lock('mutex_lock(&hmm->lock)', sm),
        mutex_unlock('mutex_unlock(&hmm->lock)', sm),
        spin_unlock('spin_unlock(&slot)', slot),
      ],
    });
    const model = toy('late-spinlock', { slot: before(), m: mutex('hmm->lock') }, [{ name: 'A', routine: a }]);
    for (const engine of ['compiled', 'reference'] as const) {
      const r = explore(model, { engine });
      expect(r.stats.engine?.name).toBe(engine);
      expect(r.verdict === 'violation' && r.property.name).toBe('no sleeping under spinlock');
    }
  });

  it('the mutex first and the spinlock inside is fine', () => {
    const good = routine<Shared>('good', {
      body: [
        mutex_lock('mutex_lock(&hmm->lock)', m),
        spin_lock('spin_lock(&dev->lock)', s),
        spin_unlock('spin_unlock(&dev->lock)', s),
        mutex_unlock('mutex_unlock(&hmm->lock)', m),
      ],
    });
    expect(explore(toy('ok', init(), [{ name: 'A', routine: good }, { name: 'B', routine: good }])).verdict).toBe('pass');
  });

  it('unlock by a non-owner violates lock discipline; relock is a self-deadlock; trylock never blocks', () => {
    const unlockOnly = routine<Shared>('u', { body: [spin_unlock('spin_unlock(&dev->lock)', s)] });
    const r = explore(toy('unlock', init(), [{ name: 'A', routine: unlockOnly }]));
    expect(r.verdict === 'violation' && r.property.name).toBe('lock discipline');

    const twice = routine<Shared, { ok: boolean }>('twice', {
      locals: () => ({ ok: false }),
      body: [spin_trylock('spin_trylock(&dev->lock)', s, 'ok'), spin_lock('spin_lock(&dev->lock)', s)],
    });
    const d = explore(toy('relock', init(), [{ name: 'A', routine: twice }]));
    expect(d.verdict).toBe('deadlock');
    if (d.verdict === 'deadlock') expect(d.message).toContain('spin_lock(&dev->lock) while already holding it: self-deadlock');
  });

  it('locksHeld lists spinlocks', () => {
    expect(locksHeld({ a: { ...spinlock('x'), owner: 2 } }, 2)).toEqual([{ path: 'a', name: 'x', mode: 'exclusive' }]);
  });
});
