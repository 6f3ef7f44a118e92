import { describe, expect, it } from 'vitest';
import { toy } from '../../testing/helpers.ts';
import {
  complete,
  complete_all,
  completion,
  explore,
  kfree,
  kref,
  kref_get,
  kref_get_unless_zero,
  kref_put,
  lifetime,
  routine,
  step,
  use,
  wait_for_completion,
  type Completion,
  type Kref,
  type Lifetime,
} from '../../index.ts';

interface Obj {
  readonly life: Lifetime;
  readonly ref: Kref;
  readonly data: number;
}

describe('object lifetime', () => {
  const putter = routine<Obj>('put', {
    body: [
      step('kref_put(&obj->kref, release)', (c) => {
        if (kref_put(c, c.g.ref, 'kref_put')) kfree(c, c.g.life, 'release');
      }),
    ],
  });
  const reader = routine<Obj>('reader', {
    body: [
      step('obj->data++', (c) => {
        use(c, c.g.life, 'obj->data++');
        c.g.data++;
      }),
    ],
  });
  const init = (): Obj => ({ life: lifetime('struct obj'), ref: kref('obj->kref'), data: 0 });

  it('touching an object after its last reference is dropped is a use after free', () => {
    const r = explore(toy('uaf', init(), [{ name: 'P', routine: putter }, { name: 'R', routine: reader }]));
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property.name).toBe('use after free');
    expect(r.message).toBe('R: obj->data++ after struct obj was freed');
  });

  it('a reader holding its own reference is safe', () => {
    const safeReader = routine<Obj>('reader', {
      body: [
        step('obj->data++', (c) => {
          use(c, c.g.life, 'obj->data++');
          c.g.data++;
        }),
        step('kref_put(&obj->kref, release)', (c) => {
          if (kref_put(c, c.g.ref, 'kref_put')) kfree(c, c.g.life, 'release');
        }),
      ],
    });
    const r = explore(toy('safe', { ...init(), ref: kref('obj->kref', 2) }, [{ name: 'P', routine: putter }, { name: 'R', routine: safeReader }]));
    expect(r.verdict).toBe('pass');
  });

  it('kref_get on a dead object and a second put are violations; kref_get_unless_zero refuses', () => {
    const late = routine<Obj, { ok: boolean }>('late', {
      locals: () => ({ ok: true }),
      body: [step('kref_get', (c) => kref_get(c, c.g.ref, 'lookup'))],
    });
    const dead: Obj = { life: { ...lifetime('struct obj'), freed: true }, ref: kref('obj->kref', 0), data: 0 };
    const r = explore(toy('get', dead, [{ name: 'L', routine: late }]));
    expect(r.verdict === 'violation' && r.message).toBe('L: lookup: kref_get on obj->kref whose count is 0 (use after free)');
    const r2 = explore(toy('put', dead, [{ name: 'P', routine: putter }]));
    expect(r2.verdict === 'violation' && r2.property.name).toBe('use after free');
    const guarded = routine<Obj, { ok: boolean }>('guarded', {
      locals: () => ({ ok: true }),
      body: [step('kref_get_unless_zero', (c) => void (c.my.ok = kref_get_unless_zero(c.g.ref)))],
    });
    expect(explore(toy('unless', dead, [{ name: 'G', routine: guarded }])).verdict).toBe('pass');
  });

  it('double free is a violation', () => {
    const twice = routine<Obj>('twice', { body: [step('kfree', (c) => kfree(c, c.g.life, 'kfree')), step('kfree again', (c) => kfree(c, c.g.life, 'kfree'))] });
    const r = explore(toy('double', init(), [{ name: 'T', routine: twice }]));
    expect(r.verdict === 'violation' && r.message).toBe('T: kfree frees struct obj a second time (double free)');
  });
});

describe('completion', () => {
  interface S {
    readonly done: Completion;
  }
  const x = (g: S) => g.done;
  const waiter = routine<S>('waiter', { body: [wait_for_completion('wait_for_completion(&done)', x)] });

  it('complete lets one waiter through; the second waits forever', () => {
    const one = routine<S>('one', { body: [complete('complete(&done)', x)] });
    const r = explore(toy('one', { done: completion('done') }, [{ name: 'W1', routine: waiter }, { name: 'W2', routine: waiter }, { name: 'C', routine: one }]));
    expect(r.verdict).toBe('deadlock');
    if (r.verdict === 'deadlock') expect(r.blocked.map((b) => b.waitsFor)).toEqual(['complete(&done)']);
  });

  it('complete_all lets every waiter through', () => {
    const all = routine<S>('all', { body: [complete_all('complete_all(&done)', x)] });
    const r = explore(toy('all', { done: completion('done') }, [{ name: 'W1', routine: waiter }, { name: 'W2', routine: waiter }, { name: 'C', routine: all }]));
    expect(r.verdict).toBe('pass');
  });
});
