import { describe, expect, it } from 'vitest';
import { always, compileModel, defineModel, explore, mutex, mutex_lock, mutex_unlock, reading, routine, step, type Model, type Mutex } from '../index.ts';
import { compareReductions } from '../testing/differential.ts';

interface S {
  v: number[];
  lock: Mutex;
}
type L = { x: number };

function build(name: string, actors: { name: string; body: ReturnType<typeof routine<S, L>> }[], properties = [] as ReturnType<typeof always<S>>[]): Model<S> {
  return compileModel(
    defineModel({
      name,
      description: '',
      params: {},
      build: () => ({ shared: { v: [0, 0, 0], lock: mutex('L') }, actors: actors.map((a) => ({ name: a.name, routine: a.body })), properties }),
    }),
  );
}

const localSteps = (n: number) =>
  routine<S, L>('local', { locals: () => ({ x: 0 }), body: Array.from({ length: n }, (_, k) => step<S, L>(`x${k}`, ({ my }) => void (my.x += 1), { footprint: {} })) });

describe('partial-order reduction', () => {
  it('independent actors: one interleaving instead of all of them', () => {
    const m = build('test/independent', [0, 1, 2].map((i) => ({ name: `t${i}`, body: localSteps(3) })));
    const full = explore(m);
    const reduced = explore(m, { por: true });
    expect(full.stats.states).toBe(64); // 4 positions each
    expect(reduced.stats.states).toBe(10); // one thread after the other
    expect(reduced.stats.reduction).toMatchObject({ por: true, prunedSteps: 9 });
  });

  it('the cycle proviso: an actor looping on local steps does not hide another actor\'s violation', () => {
    const spinner = routine<S, L>('spin', { locals: () => ({ x: 0 }), body: [step<S, L>('x = 1 - x', ({ my }) => void (my.x = 1 - my.x), { name: 'top', then: 'top', footprint: {} })] });
    const setter = routine<S, L>('set', { body: [step<S, L>('v[0] = 1', ({ g }) => void (g.v[0] = 1), { footprint: { writes: ['v.0'] } })] });
    const inv = reading(always<S>('v[0] stays 0', (g) => g.v[0] === 0), ['v.0']);
    const m = build('test/ignoring', [{ name: 'spinner', body: spinner }, { name: 'setter', body: setter }], [inv]);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = explore(m, { por: true, strategy });
      expect(r.verdict).toBe('violation');
      expect(r.stats.reduction!.provisoExpansions).toBeGreaterThan(0);
    }
    expect(compareReductions(m, [{ por: true }])).toEqual([]);
  });

  it('visibility: a step writing what an invariant reads is not reduced away; one writing elsewhere is', () => {
    const writer = (i: number) => routine<S, L>(`w${i}`, { body: [step<S, L>(`v[${i}] = 1`, ({ g }) => void (g.v[i] = 1), { footprint: { writes: [`v.${i}`] } })] });
    const actors = [0, 1, 2].map((i) => ({ name: `t${i}`, body: writer(i) }));
    const watching = build('test/visible', actors, [reading(always<S>('v[0] + v[1] <= 2', (g) => g.v[0]! + g.v[1]! <= 2), ['v.0', 'v.1'])]);
    const r = explore(watching, { por: true });
    // t2 is invisible and runs first; t0 and t1 are visible and interleave fully.
    expect(r.stats.states).toBe(5);
    expect(explore(watching).stats.states).toBe(8);
    // With no property selected nothing is visible: one interleaving.
    expect(explore(watching, { por: true, properties: [] }).stats.states).toBe(4);
    expect(compareReductions(watching, [{ por: true }])).toEqual([]);
  });

  it('holding: a step inside a critical section is independent of other actors\' steps under the same lock', () => {
    const locked = (i: number) =>
      routine<S, L>(`cs${i}`, {
        body: [
          mutex_lock<S, L>('mutex_lock(&L)', (g) => g.lock, { footprint: { reads: ['lock'], writes: ['lock'] } }),
          step<S, L>('v[2]++', ({ g }) => void (g.v[2]! += 1), { footprint: { reads: ['v.2'], writes: ['v.2'], holding: ['lock'] } }),
          step<S, L>('v[2]++ again', ({ g }) => void (g.v[2]! += 1), { footprint: { reads: ['v.2'], writes: ['v.2'], holding: ['lock'] } }),
          mutex_unlock<S, L>('mutex_unlock(&L)', (g) => g.lock, { footprint: { reads: ['lock'], writes: ['lock'], holding: ['lock'] } }),
        ],
      });
    const spinner = localSteps(2);
    const m = build('test/holding', [{ name: 'a', body: locked(0) }, { name: 'b', body: locked(1) }, { name: 'c', body: spinner }]);
    const full = explore(m, { properties: ['deadlock'] });
    const reduced = explore(m, { properties: ['deadlock'], por: true });
    expect(reduced.verdict).toBe(full.verdict);
    expect(reduced.stats.states).toBeLessThan(full.stats.states);
    expect(compareReductions(m, [{ por: true }])).toEqual([]);
  });
});
