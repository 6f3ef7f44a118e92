/**
 * Cases the random models did not cover, each once a wrong answer under reduction: an onExit
 * property over shared state (partial-order reduction), symmetric actors that nest per-member locks
 * (symmetry and lock order), and two declarations the checking mode must reject.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, defineModel, explore, onExit, routine, step } from '../index.ts';
import symmetricLockOrder from '../testing/fixtures/symmetric-lock-order.ts';
import { ModelError } from '../core/errors.ts';
import { replay } from '../trace/trace.ts';
import { judgeTrace } from '../trace/judge.ts';
import { checkReductionDeclarations } from '../testing/reductionCheck.ts';

describe('partial-order reduction and onExit', () => {
  interface S {
    x: number;
  }
  const a = routine<S>('a', { body: [step<S, Record<string, never>>('a: local work', () => {}, { footprint: {} })] });
  const b = routine<S>('b', { body: [step<S, Record<string, never>>('b: x = 1', ({ g }) => void (g.x = 1), { footprint: { writes: ['x'] } })] });
  const build = (reads?: string[]) =>
    compileModel(
      defineModel({
        name: 'regression/onexit-por',
        description: 'an onExit property reading x, which another actor writes',
        params: {},
        build: () => ({
          shared: { x: 0 },
          actors: [
            { name: 'A', routine: a },
            { name: 'B', routine: b },
          ],
          properties: [{ ...onExit<S>('x is 0 when A exits', (g, _w, tid) => tid !== 0 || g.x === 0), ...(reads ? { reads } : {}) }],
        }),
      }),
    );

  it.each([[undefined], [['x']]])('a step that finishes its thread is visible (reads %o)', (reads) => {
    const m = build(reads);
    const full = explore(m);
    const por = explore(m, { por: true });
    expect(full.verdict).toBe('violation');
    expect(por.verdict).toBe('violation');
    if (por.verdict !== 'violation') return;
    expect(por.property.name).toBe('x is 0 when A exits');
    expect(por.path).toEqual(full.verdict === 'violation' ? full.path : null);
  });
});

describe('symmetry and lock order', () => {
  const m = compileModel(symmetricLockOrder);

  it('an inversion between symmetric actors is found: the search drops symmetry and says why', () => {
    const full = explore(m);
    expect(full.verdict).toBe('violation');
    for (const strategy of ['bfs', 'dfs'] as const) {
      const sym = explore(m, { symmetry: true, strategy });
      expect(sym.verdict).toBe('violation');
      if (sym.verdict !== 'violation') return;
      expect(sym.property.name).toBe('lock order');
      expect(sym.stats.states).toBe(explore(m, { strategy }).stats.states);
      expect(sym.stats.reduction?.symmetry).toBe(false);
      expect(sym.stats.reduction?.symmetryOff).toMatch(/lock-order tracking needs every acquisition/);
    }
  });

  it('without lock-order tracking symmetry stays on', () => {
    const sym = explore(m, { symmetry: true, properties: ['deadlock'] });
    expect(sym.stats.reduction?.symmetry).toBe('canonical');
    expect(sym.stats.states).toBeLessThan(explore(m, { properties: ['deadlock'] }).stats.states);
  });
});

describe('the checking mode rejects', () => {
  it('an onExit property that judges symmetric actors differently', () => {
    interface S {
      n: number;
    }
    const body = routine<S>('r', { body: [step<S, Record<string, never>>('work', ({ g }) => void (g.n += 1), { footprint: { reads: ['n'], writes: ['n'] } })] });
    const m = compileModel(
      defineModel({
        name: 'regression/sym-exit',
        description: 'an onExit property that names p0',
        params: {},
        build: () => ({
          shared: { n: 0 },
          actors: [
            { name: 'p0', routine: body },
            { name: 'p1', routine: body },
          ],
          properties: [onExit<S>('p0 does not finish last', (_g, w, tid) => tid !== 0 || !w.finished(1))],
          symmetry: [{ actors: ['p0', 'p1'], permute: (g: S) => g }],
        }),
      }),
    );
    expect(() => checkReductionDeclarations(m)).toThrow(/judges p[01] differently from its renaming/);
  });

  it('a step that enters a routine its footprint does not declare in calls', () => {
    interface S {
      x: number;
    }
    const r = routine<S>('R', { body: [step<S, Record<string, never>>('r: assert x == 1', ({ g, assert }) => assert(g.x === 1, 'R ran before x was set'), { footprint: { reads: ['x'] } })] });
    const q = routine<S>('q', { body: [step<S, Record<string, never>>('c: enter R', ({ call }) => call(r, undefined), { footprint: {} })] });
    const p = routine<S>('p', { body: [step<S, Record<string, never>>('a: x = 1', ({ g }) => void (g.x = 1), { footprint: { writes: ['x'] } })] });
    const m = compileModel(
      defineModel({
        name: 'regression/calls',
        description: 'a dynamic call missing from calls',
        params: {},
        build: () => ({
          shared: { x: 0 },
          actors: [
            { name: 'P', routine: p },
            { name: 'Q', routine: q },
          ],
          properties: [],
        }),
      }),
    );
    let thrown: unknown;
    try {
      checkReductionDeclarations(m);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ModelError);
    expect(String((thrown as ModelError).message)).toMatch(/entered routine "R"/);
    // The full search finds the failed assertion, and its path replays to it.
    const full = explore(m);
    expect(full.verdict).toBe('violation');
    if (full.verdict === 'violation') expect(judgeTrace(m, replay(m, full.path!)).verdict).toBe('violation');
  });
});
