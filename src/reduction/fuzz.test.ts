/**
 * Differential fuzzing of the reductions: random small models, each searched in full and reduced
 * (partial-order, symmetry, both), must agree. A fixed-seed slice runs in `npm test`;
 * `INTERLEAVE_FUZZ=10000 npx vitest run src/reduction/fuzz.test.ts` runs a long profile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../core/model.ts';
import { explore } from '../explorer/explore.ts';
import { compareReductions, type Variant } from '../testing/differential.ts';
import { buildRandom, fuzzModel, type RandomModel } from '../testing/randomModels.ts';

const RUNS = Number(process.env.INTERLEAVE_FUZZ ?? 40);
const MAX_STATES = 300;
const SEED = process.env.INTERLEAVE_FUZZ_SEED !== undefined ? Number(process.env.INTERLEAVE_FUZZ_SEED) : 20261201;

function variants(spec: RandomModel): Variant[] {
  const v: Variant[] = [{ por: true }];
  if (spec.symmetric) v.push({ symmetry: 'canonical' }, { symmetry: 'sorted' }, { por: true, symmetry: 'canonical' }, { por: true, symmetry: 'sorted' });
  return v;
}

describe('reductions agree with the full search on random models', () => {
  for (const strategy of ['bfs', 'dfs'] as const) {
    it(`${strategy}: same verdicts, subset of states, counterexamples replay (${RUNS} models, seed ${SEED})`, () => {
      let reduced = 0;
      fc.assert(
        fc.property(fuzzModel, (spec) => {
          const model = compileModel(buildRandom(spec));
          // Keep each model small (a few hundred states) so thousands run in minutes.
          fc.pre(explore(model, { properties: [], maxStates: MAX_STATES, determinismChecks: 0 }).verdict !== 'incomplete');
          const problems = compareReductions(model, variants(spec), { strategy, determinismChecks: 0 });
          expect(problems).toEqual([]);
          reduced++;
        }),
        { numRuns: RUNS, seed: SEED + (strategy === 'dfs' ? 1 : 0), endOnFailure: true, maxSkipsPerRun: 1000 },
      );
      expect(reduced).toBe(RUNS);
    }, 3_600_000);
  }
});
