import { describe, expect, it } from 'vitest';
import { toy, walk } from '../testing/helpers.ts';
import { explore, mutex, mutex_lock, mutex_unlock, routine, type Mutex } from '../index.ts';
import { locksHeld } from '../core/kernel/locksHeld.ts';

interface Locks {
  readonly gate: Mutex;
  readonly a: Mutex;
  readonly b: Mutex;
}
type Name = 'gate' | 'a' | 'b';
const sel = (n: Name) => (g: Locks) => g[n];
const nest = (name: string, order: Name[]) =>
  routine<Locks>(name, {
    body: [
      ...order.map((n) => mutex_lock<Locks, Record<string, never>>(`mutex_lock(&${n})`, sel(n))),
      ...[...order].reverse().map((n) => mutex_unlock<Locks, Record<string, never>>(`mutex_unlock(&${n})`, sel(n))),
    ],
  });
const init = (): Locks => ({ gate: mutex('gate'), a: mutex('a'), b: mutex('b') });

describe('lock order (lockdep)', () => {
  it('an inversion hidden behind a gate lock never deadlocks, but is reported as a possible deadlock', () => {
    const m = toy('gated', init(), [
      { name: 'T1', routine: nest('t1', ['gate', 'a', 'b']) },
      { name: 'T2', routine: nest('t2', ['gate', 'b', 'a']) },
    ]);
    // Without the lock-order check, no interleaving deadlocks.
    expect(explore(m, { properties: ['deadlock'] }).verdict).toBe('pass');
    const r = explore(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property).toEqual({ name: 'lock order', kind: 'lockOrder' });
    expect(r.lockOrder?.map((e) => `${e.from}→${e.to} ${e.actor}`)).toEqual(['a→b T1', 'b→a T2']);
    expect(r.message).toContain('possible circular locking dependency: a → b (T1: mutex_lock(&b)); b → a (T2: mutex_lock(&a))');
    // Each edge's path really ends with its thread holding both locks of the edge.
    for (const e of r.lockOrder ?? []) {
      const end = walk(m, e.path);
      const tid = e.actor === 'T1' ? 0 : 1;
      expect(locksHeld(end.shared, tid).map((h) => h.name)).toEqual(expect.arrayContaining([e.from, e.to]));
    }
    expect(r.path).toEqual(r.lockOrder?.[1]?.path);
  });

  it('a consistent order passes', () => {
    const m = toy('consistent', init(), [
      { name: 'T1', routine: nest('t1', ['a', 'b']) },
      { name: 'T2', routine: nest('t2', ['a', 'b']) },
    ]);
    expect(explore(m).verdict).toBe('pass');
  });

  it('a real AB-BA deadlock is still reported as the deadlock, and "lock order" can be selected alone', () => {
    const m = toy('abba', init(), [
      { name: 'T1', routine: nest('t1', ['a', 'b']) },
      { name: 'T2', routine: nest('t2', ['b', 'a']) },
    ]);
    expect(explore(m).verdict).toBe('deadlock');
    const r = explore(m, { properties: ['lock order'] });
    expect(r.verdict === 'violation' && r.property.name).toBe('lock order');
  });
});
