import { describe, expect, it } from 'vitest';
import { ModelError } from '../core/errors.ts';
import { compileModel, defineModel } from '../core/model.ts';
import { always } from '../core/property.ts';
import { call, routine, step } from '../core/program.ts';
import { explore } from '../explorer/explore.ts';
import { modelErrorOf, toy } from '../testing/helpers.ts';
import { bothCounted, lostUpdate } from '../testing/models.ts';
import { diff } from './diff.ts';
import { judgeTrace } from './judge.ts';
import { replay } from './trace.ts';

const errorOf = modelErrorOf;

type G = { x: number; a: { t: number; u: number } };

/**
 * P sets x (and its local n), Q sets a.t; together they violate "not both". BFS: P's step is
 * choice 0 in the initial state; afterwards P's `p done` is 0 and Q's `set a.t` is 1 → path [0, 1].
 */
const pq = () =>
  toy<G>(
    'pq',
    { x: 0, a: { t: 0, u: 0 } },
    [
      {
        name: 'P',
        routine: routine<G, { n: number }>('p', {
          locals: () => ({ n: 0 }),
          body: [step('set x', ({ g, my }) => { g.x = 1; my.n = 5; }), step('p done')],
        }),
      },
      { name: 'Q', routine: routine<G>('q', { body: [step('set a.t', ({ g }) => { g.a.t = 1; }), step('q done')] }) },
    ],
    [always<G>('not both', (g) => !(g.x === 1 && g.a.t === 1), () => 'x and a.t are both 1')],
  );

describe('replay', () => {
  it('rebuilds the counterexample: actors, labels and only the changed fields', () => {
    const m = pq();
    const r = explore(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.path).toEqual([0, 1]);
    const trace = replay(m, r.path!, { expectedKeys: r.pathKeys! });
    expect(trace.model).toBe('pq');
    expect(trace.path).toEqual([0, 1]);
    expect(trace.initial).toBe(m.initial);
    expect(trace.steps).toEqual([
      {
        choice: 0,
        actor: 'P',
        routine: 'p',
        nested: false,
        label: 'set x',
        changes: [
          { path: 'x', from: 0, to: 1 },
          { path: 'P.n', from: 0, to: 5 },
        ],
      },
      { choice: 1, actor: 'Q', routine: 'q', nested: false, label: 'set a.t', changes: [{ path: 'a.t', from: 0, to: 1 }] },
    ]);
    expect(trace.states).toHaveLength(2);
    const last = trace.states[1]!;
    expect(last.shared).toEqual({ x: 1, a: { t: 1, u: 0 } });
    expect(judgeTrace(m, trace)).toEqual({ verdict: 'violation', property: 'not both', message: 'x and a.t are both 1' });
  });

  it('an empty path is the initial state, which violates nothing here', () => {
    const m = pq();
    const trace = replay(m, []);
    expect(trace.steps).toEqual([]);
    expect(trace.states).toEqual([]);
    expect(judgeTrace(m, trace)).toEqual({ verdict: 'ok' });
  });

  it('shows calls, returns and finishing as stack changes', () => {
    type S = { v: number };
    const sub = routine<S, { k: number }, { k: number }>('sub', {
      locals: ({ k }) => ({ k }),
      body: [step('v = k; return k', ({ g, my, ret }) => { g.v = my.k; ret(my.k * 2); })],
    });
    const main = routine<S, { r: number }>('main', {
      locals: () => ({ r: 0 }),
      body: [step('enter sub', ({ call: enter }) => enter(sub, { k: 3 }, 'r')), step('finish')],
    });
    const m = toy<S>('stacks', { v: 0 }, [{ name: 'T', routine: main }]);
    const trace = replay(m, [0, 0, 0]);
    expect(trace.steps.map((s) => s.nested)).toEqual([false, true, false]);
    expect(trace.steps.map((s) => [s.routine, s.label, s.changes])).toEqual([
      ['main', 'enter sub', [{ path: 'T.stack', from: 'main', to: 'main › sub' }]],
      [
        'sub',
        'v = k; return k',
        [
          { path: 'v', from: 0, to: 3 },
          { path: 'T.stack', from: 'main › sub', to: 'main' },
          { path: 'T.r', from: 0, to: 6 },
        ],
      ],
      ['main', 'finish', [{ path: 'T.stack', from: 'main', to: '(finished)' }]],
    ]);
  });

  it('a final failing assertion is a step marked failed with no changes', () => {
    type S = { v: number };
    const m = toy<S>('assert-trace', { v: 0 }, [
      {
        name: 'T',
        routine: routine<S>('t', {
          body: [step('v = 1', ({ g }) => { g.v = 1; }), step('assert v == 0', ({ g, assert }) => assert(g.v === 0, 'v is 1', 'v zero'))],
        }),
      },
    ]);
    const r = explore(m);
    expect(r).toMatchObject({ verdict: 'violation', path: [0, 0] });
    if (r.verdict !== 'violation') return;
    const trace = replay(m, r.path!, { expectedKeys: r.pathKeys! });
    expect(trace.steps[1]).toEqual({
      choice: 0,
      actor: 'T',
      routine: 't',
      nested: false,
      label: 'assert v == 0',
      changes: [],
      failed: { verdict: 'violation', property: 'v zero', message: 'v is 1' },
    });
    expect(judgeTrace(m, trace)).toEqual({ verdict: 'violation', property: 'v zero', message: 'v is 1' });
  });

  it('a path that goes on after a failing assertion is rejected', () => {
    type S = { v: number };
    const m = toy<S>('assert-go-on', { v: 0 }, [
      { name: 'T', routine: routine<S>('t', { body: [step('fail', ({ assert }) => assert(false, 'no')), step('after')] }) },
    ]);
    expect(() => replay(m, [0, 0])).toThrow('step 1 fails an assertion but the path goes on');
  });

  it('replays an atEnd counterexample of the lost update to a final state with count 1', () => {
    const m = compileModel(lostUpdate([bothCounted]));
    const r = explore(m);
    if (r.verdict !== 'violation') throw new Error(`expected a violation, got ${r.verdict}`);
    const trace = replay(m, r.path!, { expectedKeys: r.pathKeys! });
    expect(trace.steps.map((s) => s.label)).toEqual(['tmp = count', 'tmp = count', 'count = tmp + 1', 'count = tmp + 1']);
    expect(trace.states.at(-1)!.shared).toEqual({ count: 1 });
    expect(judgeTrace(m, trace)).toEqual({
      verdict: 'violation',
      property: 'both increments counted',
      message: 'count is 1 after two increments',
    });
  });

  it('a path entry out of range names how many steps are enabled', () => {
    const m = pq();
    const e = errorOf(() => replay(m, [0, 7]));
    expect(e.site).toEqual({ model: 'pq', path: '0' });
    expect(e.problem).toBe('replay path entry 2 is 7, but only 2 steps are enabled there (0: P p done; 1: Q set a.t)');
    expect(e.hint).toContain('does not belong to this model');
  });

  it('uses the singular for one enabled step and says none when nothing is', () => {
    const m = pq();
    // P: set x, p done (finished); then only Q is left.
    expect(() => replay(m, [0, 0, 3])).toThrow('replay path entry 3 is 3, but only 1 step is enabled there (0: Q set a.t)');
    expect(() => replay(m, [0, 0, 0, 0, 0])).toThrow('replay path entry 5 is 0, but only 0 steps are enabled there (none)');
  });

  it('throws a nondeterminism ModelError when the model behaves differently than during the search', () => {
    let mode = 1;
    type S = { x: number; y: number };
    const definition = defineModel({
      name: 'moody',
      description: 'reads a module variable',
      params: {},
      build: () => ({
        shared: { x: 0, y: 0 } as S,
        actors: [
          {
            name: 'M',
            routine: routine<S>('m', {
              body: [step('y = 1', ({ g }) => { g.y = 1; }), step('x = mode', ({ g }) => { g.x = mode; })],
            }),
          },
        ],
        properties: [always<S>('x is not 1', (g) => g.x !== 1)],
      }),
    });
    const searched = explore(compileModel(definition));
    expect(searched).toMatchObject({ verdict: 'violation', path: [0, 0] });
    if (searched.verdict !== 'violation') return;

    mode = 2;
    const again = compileModel(definition);
    const e = errorOf(() => replay(again, searched.path!, { expectedKeys: searched.pathKeys! }));
    expect(e.problem).toBe('replaying the counterexample reached a different state than the search did');
    expect(e.site).toEqual({ model: 'moody', actor: 'M', step: 'x = mode', path: '0/0' });
    expect(e.message).toContain('depends on something outside the state');

    // Without the recorded keys the replay itself cannot tell: it ends in a state that violates nothing.
    const blind = replay(again, searched.path!);
    expect(blind.states.at(-1)!.shared).toEqual({ x: 2, y: 1 });
    expect(judgeTrace(again, blind)).toEqual({ verdict: 'ok' });
  });

  it('checks each replayed state for nondeterministic steps', () => {
    type S = { r: number };
    const m = toy<S>('dice', { r: 0 }, [
      { name: 'D', routine: routine<S>('d', { body: [step('r = random', ({ g }) => { g.r = Math.random(); })] }) },
    ]);
    expect(() => replay(m, [0])).toThrow('the step is nondeterministic');
    expect(replay(m, [0], { checkDeterminism: false }).steps).toHaveLength(1);
  });

  it('shows the stack entering a routine called at the start without a step', () => {
    type S = { v: number };
    const sub = routine<S>('sub', { body: [step('inside', ({ g }) => { g.v = 1; })] });
    const main = routine<S>('main', { body: [call(sub), step('back')] });
    const trace = replay(toy<S>('call-first', { v: 0 }, [{ name: 'T', routine: main }]), [0, 0]);
    expect(trace.steps.map((s) => [s.routine, s.label])).toEqual([
      ['sub', 'inside'],
      ['main', 'back'],
    ]);
    expect(trace.steps[0]!.changes).toEqual([
      { path: 'v', from: 0, to: 1 },
      { path: 'T.stack', from: 'main › sub', to: 'main' },
    ]);
  });
});

describe('diff', () => {
  it('lists changed leaves with dotted and indexed paths', () => {
    expect(diff({ a: { t: 0, u: 1 }, xs: [1, 2, 3] }, { a: { t: 5, u: 1 }, xs: [1, 9, 3] })).toEqual([
      { path: 'a.t', from: 0, to: 5 },
      { path: 'xs[1]', from: 2, to: 9 },
    ]);
  });

  it('reports added and removed keys with null, and a resized array as a whole', () => {
    expect(diff({ a: 1 }, { b: 2 })).toEqual([
      { path: 'a', from: 1, to: null },
      { path: 'b', from: null, to: 2 },
    ]);
    expect(diff({ xs: [1] }, { xs: [1, 2] })).toEqual([{ path: 'xs', from: [1], to: [1, 2] }]);
  });

  it('finds nothing between equal values', () => {
    expect(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});
