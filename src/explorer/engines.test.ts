/**
 * The compiled state space against the reference one: every registered model, and random models
 * (fixed seed here; `INTERLEAVE_ENGINE_FUZZ=10000` for a long run), searched on both must agree on
 * verdict, failing property, message, states, transitions, depth and counterexample path, with
 * and without partial-order and symmetry reduction; the preemption-bounded search likewise. The
 * compiled search must also have run on the compiled space, not fallen back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel, defineModel, routine, step, type AnyModelDefinition, type Model, type Params } from '../index.ts';
import { catalog } from '../../models/index.ts';
import { buildRandom, fuzzModel } from '../testing/randomModels.ts';
import { buildShapeModel, shapeModel } from '../testing/shapeModels.ts';
import { outcomeSummary } from '../testing/helpers.ts';
import { explore, selectableProperties, type ExploreOutcome } from './explore.ts';
import { checkLiveness, livenessProperties } from './liveness.ts';
import { simulate } from './simulate.ts';
import { preemptionBounded } from '../trace/preemptionBounded.ts';
import type { ExploreOptions } from './options.ts';
import { CompiledSpace, LayoutFacts } from '../core/compiled/space.ts';
import type { World } from '../core/world.ts';
import { applyTransition, enabledTransitions } from '../core/transitions.ts';
import { locksHeld } from '../core/kernel/locksHeld.ts';

/** The shared state after the only step of a one-step model, taken on the compiled space. */
function compiledFinal<G>(model: Model<G>): unknown {
  const facts = new LayoutFacts();
  facts.absorbWorld(model.initial as World<unknown>);
  const space = new CompiledSpace(model, facts);
  const b = space.encode(model.initial);
  const out = new Uint8Array(space.size);
  space.apply(b, space.enabled(b)[0]!, out);
  return space.decode(out).shared;
}

const RUNS = Number(process.env.INTERLEAVE_ENGINE_FUZZ ?? 40);
const SEED = process.env.INTERLEAVE_FUZZ_SEED !== undefined ? Number(process.env.INTERLEAVE_FUZZ_SEED) : 20261207;

const summary = outcomeSummary;

function bothAgree<G>(model: Model<G>, options: ExploreOptions = {}): ExploreOutcome {
  const reference = explore(model, { ...options, engine: 'reference' });
  const compiled = explore(model, { ...options, engine: 'compiled' });
  expect(compiled.stats.engine?.fallback).toBeUndefined();
  expect(compiled.stats.engine?.name).toBe('compiled');
  expect(summary(compiled)).toEqual(summary(reference));
  return compiled;
}

const variants: [string, Params][] = [
  ...catalog.map((m): [string, Params] => [m.name, {}]),
  ['classic/peterson', { n: 2 }],
  ['classic/two-phase-commit', { rms: 4 }],
  ['hmm/v5.2-valid-flag', { driver: 'doc' }],
];

function byName(name: string): AnyModelDefinition {
  return catalog.find((d) => d.name === name)!;
}

describe('compiled and reference spaces agree', () => {
  it.each(variants)('%s %o, BFS', (name, params) => {
    bothAgree(compileModel(byName(name), params));
  });

  it.each(variants)('%s %o, BFS with partial-order reduction (on by default on the command line)', (name, params) => {
    bothAgree(compileModel(byName(name), params), { por: true });
  });

  it.each(variants)('%s %o, --exact: the compiled space keys states by their whole vector, with the reference exact store\'s counts', (name, params) => {
    const model = compileModel(byName(name), params);
    const exact = bothAgree(model, { exact: true });
    expect(exact.stats.collisionProbability).toBe(0);
    expect(summary(exact)).toEqual(summary(explore(model, { engine: 'compiled' })));
  });

  it.each([3, 4])('symmetry reduction on two-phase commit rms=%i: both representatives, with and without partial-order reduction', (rms) => {
    const model = compileModel(byName('classic/two-phase-commit'), { rms });
    for (const symmetry of ['canonical', 'sorted'] as const) {
      for (const por of [false, true]) {
        const r = bothAgree(model, { symmetry, por });
        expect(r.stats.reduction?.symmetry).toBe(symmetry);
        expect(r.stats.states).toBeLessThan(explore(model, { por }).stats.states);
      }
    }
  });

  it.each(variants)('%s %o: the preemption-bounded search (bounds 0, 1, 2) finds the same, over the same search states', (name, params) => {
    const model = compileModel(byName(name), params);
    for (const bound of [0, 1, 2]) {
      const reference = preemptionBounded(model, { bound, engine: 'reference', maxStates: 30_000 });
      expect(preemptionBounded(model, { bound, maxStates: 30_000 })).toEqual(reference);
    }
  });

  it.each(variants.filter(([n]) => n.startsWith('hmm/')))('%s %o, DFS', (name, params) => {
    bothAgree(compileModel(byName(name), params), { strategy: 'dfs' });
  });

  const live = variants.filter(([name, params]) => livenessProperties(compileModel(byName(name), params)).length > 0);
  it.each(live)('%s %o: the liveness graph and its verdict', (name, params) => {
    const model = compileModel(byName(name), params);
    for (const fairness of ['weak', 'strong', 'none'] as const) {
      const reference = checkLiveness(model, { fairness, engine: 'reference' });
      const compiled = checkLiveness(model, { fairness, engine: 'compiled' });
      expect(compiled.stats.engine).toEqual({ name: 'compiled' });
      const strip = (r: typeof compiled) => ({ ...r, stats: { states: r.stats.states, transitions: r.stats.transitions } });
      expect(strip(compiled)).toEqual(strip(reference));
    }
  });

  it('each selectable property alone, on the flagship', () => {
    const model = compileModel(byName('hmm/v5.2-valid-flag'));
    for (const p of model.properties) bothAgree(model, { properties: [p.name] });
    bothAgree(model, { properties: ['deadlock'] });
  });

  it.each(['hmm/v5.2-teardown-use-after-free', 'hmm/v5.2-valid-flag'])('%s: every check but deadlock (as --no-deadlock selects), own assertion names included', (name) => {
    const model = compileModel(byName(name));
    bothAgree(model, { properties: selectableProperties(model).filter((p) => p !== 'deadlock') });
  });

  it("fields named like a view's own members are read and written as fields", () => {
    // Regression: views once kept their cursor in `c`, so `g.b.c = 1` wrote the view, not the state.
    const bump = routine<{ b: { c: number; o: number; site: number; kids: number; length: number } }>('bump', {
      body: [
        step('b.c++', ({ g }) => void (g.b.c += 1)),
        step('b.o = b.c', ({ g }) => void (g.b.o = g.b.c)),
        step('b.site, b.kids, b.length = 1', ({ g }) => void (g.b.site = g.b.kids = g.b.length = 1)),
      ],
    });
    const def = defineModel({
      name: 'names',
      description: '',
      params: {},
      build: () => ({ shared: { b: { c: 0, o: 0, site: 0, kids: 0, length: 0 } }, actors: [{ name: 'A', routine: bump }, { name: 'B', routine: bump }] }),
    });
    const r = bothAgree(compileModel(def));
    expect(r.stats.states).toBeGreaterThan(4);
  });

  it('a field name the views reserve falls back to the reference space and says why', () => {
    const def = defineModel({
      name: 'reserved',
      description: '',
      params: {},
      build: () => ({ shared: { x: { $c: 0 } }, actors: [{ name: 'A', routine: routine<{ x: { $c: number } }>('r', { body: [step('x.$c = 1', ({ g }) => void (g.x.$c = 1))] }) }] }),
    });
    const r = explore(compileModel(def));
    expect(r.stats.engine?.name).toBe('reference');
    expect(r.stats.engine?.fallback).toMatch(/"\$c" is reserved/);
    expect(r.stats.states).toBe(2);
  });

  // FIXME: views are places, not values. A list or record read into a variable, then replaced by an
  // assignment to its place, still shows the place: immer keeps the old (detached) draft, so writes
  // through the variable are lost there and land in the new value here. README, Limitations.
  it.fails('a value held across the replacement of its own place behaves as an immer draft', () => {
    const hold = routine<{ q: number[] }>('hold', {
      body: [
        step('q = g.q; g.q = [7]; q.push(1)', ({ g }) => {
          const q = g.q;
          g.q = [7];
          q.push(1);
        }),
      ],
    });
    const def = defineModel({ name: 'held', description: '', params: {}, build: () => ({ shared: { q: [0, 0, 0] }, actors: [{ name: 'A', routine: hold }] }) });
    const model = compileModel(def);
    const reference = explore(model, { engine: 'reference' });
    const compiled = explore(model, { engine: 'compiled' });
    expect(compiled.stats.engine?.fallback).toBeUndefined();
    expect(summary(compiled)).toEqual(summary(reference));
    expect(compiledFinal(model)).toEqual({ q: [7] });
  });

  it.each([
    ['hmm/v5.2-valid-flag', { driver: 'doc' }, 'pct'],
    ['hmm/v5.2-valid-flag', {}, 'uniform'],
    ['hmm/v5.5-interval-notifier', {}, 'uniform'],
    ['classic/lost-update', {}, 'pct'],
  ] as [string, Params, 'pct' | 'uniform'][])('simulate %s %o (%s): the same runs, failure and shrunk run on both spaces', (name, params, scheduler) => {
    const model = compileModel(byName(name), params);
    for (const seed of [1, 2]) {
      const options = { runs: 150, depth: 60, seed, scheduler };
      const reference = simulate(model, { ...options, engine: 'reference' });
      const compiled = simulate(model, { ...options, engine: 'compiled' });
      expect({ ...compiled, elapsedMs: 0 }).toEqual({ ...reference, elapsedMs: 0 });
    }
  });

  it.each(['hmm/v5.2-valid-flag', 'hmm/v5.3-nouveau-fault-unlock', 'hmm/v5.6-hmm-range-fault-walk', 'hmm/v5.2-rc-seed-snapshot-eagain'])(
    '%s: the locks each thread holds, read from the packed state, are those the reference walk finds, in its order',
    (name) => {
      const model = compileModel(byName(name));
      const worlds: World<unknown>[] = [model.initial as World<unknown>];
      const facts = new LayoutFacts();
      for (let i = 0; i < worlds.length && worlds.length < 400; i++) {
        facts.absorbWorld(worlds[i]!);
        for (const t of enabledTransitions(model, worlds[i] as World<never>)) {
          const out = applyTransition(model, worlds[i] as World<never>, t);
          if (out.kind === 'next') worlds.push(out.world as World<unknown>);
        }
      }
      for (const w of worlds) facts.absorbWorld(w);
      const space = new CompiledSpace(model, facts);
      let held = 0;
      for (const w of worlds) {
        space.point(space.encode(w as World<never>));
        for (let tid = 0; tid < model.actors.length; tid++) {
          const reference = locksHeld(w.shared, tid);
          held += reference.length;
          expect(locksHeld(space.root, tid)).toEqual(reference);
        }
      }
      expect(held).toBeGreaterThan(0);
    },
  );

  it('budgets end both searches at the same state', () => {
    const model = compileModel(byName('hmm/v5.5-interval-notifier'));
    bothAgree(model, { maxStates: 1000 });
    bothAgree(model, { maxDepth: 12 });
  });

  for (const strategy of ['bfs', 'dfs'] as const) {
    it(`${strategy}: random locking models (${RUNS}, seed ${SEED})`, () => {
      fc.assert(
        fc.property(fuzzModel, (spec) => {
          const model = compileModel(buildRandom(spec));
          bothAgree(model, { strategy, maxStates: 3000, determinismChecks: 0 });
          if (!spec.symmetric) bothAgree(model, { strategy, maxStates: 3000, determinismChecks: 0, por: true });
          else for (const symmetry of ['canonical', 'sorted'] as const) bothAgree(model, { strategy, maxStates: 3000, determinismChecks: 0, symmetry, por: strategy === 'bfs' });
          if (strategy === 'bfs') expect(preemptionBounded(model, { bound: 1, maxStates: 3000 })).toEqual(preemptionBounded(model, { bound: 1, engine: 'reference', maxStates: 3000 }));
        }),
        { numRuns: RUNS, seed: SEED + (strategy === 'dfs' ? 1 : 0), endOnFailure: true },
      );
    }, 3_600_000);

    it(`${strategy}: random models whose state changes shape (${RUNS}, seed ${SEED})`, () => {
      fc.assert(
        fc.property(shapeModel, (spec) => {
          bothAgree(compileModel(buildShapeModel(spec)), { strategy, maxStates: 3000, determinismChecks: 0 });
        }),
        { numRuns: RUNS, seed: SEED + 2 + (strategy === 'dfs' ? 1 : 0), endOnFailure: true },
      );
    }, 3_600_000);
  }
});
