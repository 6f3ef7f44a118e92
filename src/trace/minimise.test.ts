import { describe, expect, it } from 'vitest';
import { compileModel } from '../core/model.ts';
import { explore } from '../explorer/explore.ts';
import { catalog } from '../../models/index.ts';
import { judgeTrace } from './judge.ts';
import { minimiseSwitches } from './minimise.ts';
import { countPreemptions, preemptionBounded } from './preemptionBounded.ts';
import { contextSwitches } from './story.ts';
import { replay } from './trace.ts';

const flagship = (params: Record<string, string> = {}) => compileModel(catalog.find((m) => m.name === 'hmm/v5.2-valid-flag')!, params);

describe('minimiseSwitches', () => {
  for (const [params, property, before, after] of [
    [{}, 'lock discipline', 2, 2],
    [{ driver: 'doc' }, 'no stale device mapping', 4, 2],
  ] as const) {
    it(`hmm/v5.2-valid-flag ${JSON.stringify(params)}: ${before} → ${after} context switches, still violating "${property}" on replay`, () => {
      const model = flagship(params);
      const found = explore(model);
      if (found.verdict !== 'violation' || !found.path) throw new Error('expected a violation');
      const m = minimiseSwitches(model, found.path);
      expect([m.switchesBefore, m.switchesAfter]).toEqual([before, after]);
      const trace = replay(model, m.path);
      expect(trace.steps.length).toBeLessThanOrEqual(found.path.length);
      expect(contextSwitches(trace.steps)).toBe(after);
      expect(judgeTrace(model, trace)).toMatchObject({ verdict: 'violation', property });
    });
  }

  it('leaves a path that reaches no problem as it is', () => {
    const model = flagship();
    expect(minimiseSwitches(model, [0, 0])).toEqual({ path: [0, 0], switchesBefore: 0, switchesAfter: 0, candidates: 0 });
  });

  it('keeps the property selection: the stale-mapping race under --property stays that race', () => {
    const model = flagship();
    const properties = ['no stale device mapping'];
    const found = explore(model, { properties });
    if (found.verdict !== 'violation' || !found.path) throw new Error('expected a violation');
    const m = minimiseSwitches(model, found.path, { properties });
    expect(m.switchesAfter).toBeLessThanOrEqual(m.switchesBefore);
    expect(judgeTrace(model, replay(model, m.path))).toMatchObject({ verdict: 'violation', property: 'no stale device mapping' });
  });
});

describe('preemptionBounded', () => {
  it('finds the flagship bug with one preemption, and the path replays to it', () => {
    const model = flagship();
    const r = preemptionBounded(model, { bound: 2 });
    if (r.kind !== 'found') throw new Error(`expected a counterexample, got ${r.kind}`);
    expect(r.preemptions).toBe(1);
    expect(countPreemptions(model, r.path)).toBe(1);
    expect(judgeTrace(model, replay(model, r.path))).toMatchObject({ verdict: 'violation', property: r.problem.property });
  });

  it('with bound 0 (threads run until they block or finish) the doc driver shows no stale mapping', () => {
    const r = preemptionBounded(flagship({ driver: 'doc' }), { bound: 0, properties: ['no stale device mapping'] });
    expect(r.kind).toBe('none');
  });

  it('reports incomplete when its state budget runs out', () => {
    expect(preemptionBounded(flagship(), { bound: 3, maxStates: 50 })).toMatchObject({ kind: 'incomplete', states: 50 });
  });
});
