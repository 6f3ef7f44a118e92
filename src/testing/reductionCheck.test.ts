import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { always, compileModel, defineModel, either, reading, routine, step, when, type Model } from '../index.ts';
import { ModelError } from '../core/errors.ts';
import { model as twoPhase } from '../../models/classic/two-phase-commit.ts';
import { checkReductionDeclarations } from './reductionCheck.ts';
import { buildRandom, fuzzModel } from './randomModels.ts';

interface S {
  a: number;
  b: number;
  c: number[];
}

/** Two actors: `writer` sets `a` (footprint as given), `reader` waits for `a` then sets `b`. */
function pair(writerFootprint: { reads?: string[]; writes?: string[] }, readerReads: string[], propertyReads?: string[]) {
  const writer = routine<S>('writer', { body: [step('a = 1', ({ g }) => void (g.a = 1), { footprint: writerFootprint })] });
  const reader = routine<S>('reader', {
    body: [when('wait for a', (g) => g.a === 1, ({ g }) => void (g.b = 1), { footprint: { reads: readerReads, writes: ['b'] } })],
  });
  const inv = always<S>('b only after a', (g) => g.b === 0 || g.a === 1);
  return compileModel(
    defineModel({
      name: 'test/footprints',
      description: '',
      params: {},
      build: () => ({
        shared: { a: 0, b: 0, c: [0, 0] },
        actors: [
          { name: 'w', routine: writer },
          { name: 'r', routine: reader },
        ],
        properties: [propertyReads ? reading(inv, propertyReads) : inv],
      }),
    }),
  );
}

function problem(model: Model<S>): ModelError {
  try {
    checkReductionDeclarations(model);
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('no problem found');
}

describe('checking reduction declarations', () => {
  it('accepts correct footprints, property reads and symmetry (2pc, random models)', () => {
    expect(checkReductionDeclarations(compileModel(twoPhase, { rms: 3 }))).toBe(288);
    expect(checkReductionDeclarations(pair({ writes: ['a'] }, ['a'], ['a', 'b']))).toBeGreaterThan(0);
    for (const spec of fc.sample(fuzzModel, { numRuns: 40, seed: 5 })) {
      expect(() => checkReductionDeclarations(compileModel(buildRandom(spec)), { maxStates: 200 })).not.toThrow();
    }
  });

  it('a step writing outside its declared writes is named with its model, actor and step', () => {
    const e = problem(pair({ writes: ['c'] }, ['a']));
    expect(e.message).toContain('the step wrote a, outside its footprint\'s writes (c)');
    expect(e.site).toMatchObject({ model: 'test/footprints', actor: 'w', step: 'a = 1' });
  });

  it('a read missing from a footprint shows up as steps that do not commute or enable each other', () => {
    const e = problem(pair({ writes: ['a'] }, ['c']));
    expect(e.message).toMatch(/enables|do not commute/);
    expect(e.site.model).toBe('test/footprints');
  });

  it('a property reading outside its declared reads is named', () => {
    const e = problem(pair({ writes: ['a'] }, ['a'], ['b']));
    expect(e.message).toContain('property "b only after a" read a, outside its declared reads (b)');
  });

  it('a symmetry whose permute forgets member-indexed data is caught', () => {
    const m = compileModel(
      defineModel({
        name: 'test/bad-symmetry',
        description: '',
        params: {},
        build: () => {
          const body = routine<S>('set my slot', {
            body: [either('c[tid] = 1', [{ do: ({ g, tid }) => void (g.c[tid] = 1) }], { footprint: (tid) => ({ writes: [`c.${tid}`] }) })],
          });
          return {
            shared: { a: 0, b: 0, c: [0, 0] },
            actors: [
              { name: 't0', routine: body },
              { name: 't1', routine: body },
            ],
            symmetry: [{ actors: ['t0', 't1'], permute: (g: S) => g }],
          };
        },
      }),
    );
    expect(problem(m as Model<S>).message).toContain('renaming then stepping differs from stepping then renaming (symmetry group t0, t1)');
  });
});
