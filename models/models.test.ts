/**
 * Every registered model: verdict (against its declared expectation) and exact state counts,
 * pinned. A changed count means the model or the checker changed meaning: find out which.
 */
import { describe, expect, it } from 'vitest';
import { checkModel, compileModel, expectedOf, explore, replay, type AnyModelDefinition, type ExploreOutcome, type Params } from '../src/index.ts';
import { encodeWorld } from '../src/core/determinism.ts';
import { confirmLockOrder, judgeTrace } from '../src/trace/judge.ts';
import { catalog } from './index.ts';

function byName(name: string): AnyModelDefinition {
  const m = catalog.find((d) => d.name === name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}

function check(name: string, params: Params = {}, properties?: string[]): ExploreOutcome {
  return explore(compileModel(byName(name), params), properties ? { properties } : {});
}

function failedProperty(r: ExploreOutcome): string | undefined {
  return r.verdict === 'violation' ? r.property.name : r.verdict === 'deadlock' ? 'deadlock' : undefined;
}

// [model, params, verdict, property, states, transitions, depth]
const pinned: [string, Params, string, string | undefined, number, number, number][] = [
  ['classic/peterson', {}, 'pass', undefined, 12_498, 33_369, 53],
  ['classic/two-phase-commit', {}, 'pass', undefined, 288, 1_145, 10],
  ['classic/two-phase-commit', { rms: 5 }, 'pass', undefined, 8_832, 58_145, 16],
  ['classic/lock-order-deadlock', {}, 'deadlock', 'deadlock', 7, 7, 3],
  ['classic/lost-update', {}, 'violation', 'no lost update', 12, 12, 4],
  ['classic/tas-spinlock', {}, 'pass', undefined, 12, 24, 4], // safety alone; its liveness is pinned below
  ['hmm/v5.2-valid-flag', {}, 'violation', 'lock discipline', 4_576, 11_028, 28],
  ['hmm/v5.2-valid-flag', { driver: 'doc' }, 'violation', 'no stale device mapping', 5_344, 13_195, 29],
];

describe('registered models', () => {
  it.each(pinned)('%s %o: %s %s, %i states, %i transitions, depth %i', (name, params, verdict, property, states, transitions, depth) => {
    const r = check(name, params);
    expect(r.verdict).toBe(verdict);
    expect(failedProperty(r)).toBe(property);
    expect(r.stats.states).toBe(states);
    expect(r.stats.transitions).toBe(transitions);
    expect(r.stats.depth).toBe(depth);
  });

  // One check per model (liveness included) serves both assertions.
  it.each(catalog.map((m) => [m.name, m] as const))('%s agrees with its declared expectation, and its counterexample replays to the same failure', (_name, m) => {
    const model = compileModel(m);
    const expected = expectedOf(m, model.params);
    expect(expected).toBeDefined();
    const r = checkModel(model);
    expect(r.verdict).toBe(expected!.verdict);
    if (expected!.property !== undefined) expect(failedProperty(r)).toBe(expected!.property);
    if (r.verdict !== 'violation' && r.verdict !== 'deadlock') return;
    expect(r.path).not.toBeNull();
    const trace = replay(model, r.path!, { expectedKeys: r.pathKeys! });
    expect(trace.steps).toHaveLength(r.path!.length);
    if (r.verdict === 'violation' && r.cycleStart !== undefined) {
      // A lasso: the cycle returns to the state where it started.
      const states = [model.initial, ...trace.states];
      expect(encodeWorld(model, states[r.cycleStart]!)).toBe(encodeWorld(model, states[states.length - 1]!));
      return;
    }
    if (r.verdict === 'violation' && r.lockOrder) {
      expect(confirmLockOrder(model, r.lockOrder)).toBe(true);
      return;
    }
    const judged = judgeTrace(model, trace);
    expect(judged.verdict).toBe(r.verdict);
    expect(judged.property).toBe(failedProperty(r));
  });

  it.each(catalog.map((m) => [m.name, m] as const))('%s: the fingerprint and exact visited sets agree on counts, verdict and path', (_name, m) => {
    const model = compileModel(m);
    const fp = explore(model, { maxStates: 20_000 });
    const exact = explore(model, { maxStates: 20_000, exact: true });
    expect(fp.verdict).toBe(exact.verdict);
    expect(failedProperty(fp)).toBe(failedProperty(exact));
    expect(fp.stats).toMatchObject({ states: exact.stats.states, transitions: exact.stats.transitions, depth: exact.stats.depth });
    expect('path' in fp ? fp.path : null).toEqual('path' in exact ? exact.path : null);
  });

  it.each(pinned.filter(([, , , , states]) => states < 20_000))('%s %o: the compact (bytes) frontier gives the same search', (name, params) => {
    const objects = check(name, params);
    const compact = explore(compileModel(byName(name), params), { compactFrontier: true });
    expect(compact.verdict).toBe(objects.verdict);
    expect(compact.stats).toMatchObject({ states: objects.stats.states, transitions: objects.stats.transitions, depth: objects.stats.depth });
    expect('path' in compact ? compact.path : null).toEqual('path' in objects ? objects.path : null);
  });
});

describe('hmm/v5.2-valid-flag', () => {
  it('seed driver: the valid-flag race is reachable too (checked alone)', () => {
    const r = check('hmm/v5.2-valid-flag', {}, ['no stale device mapping']);
    expect(r.verdict).toBe('violation');
    expect(failedProperty(r)).toBe('no stale device mapping');
    expect(r.stats.states).toBe(7_010);
    expect(r.verdict === 'violation' ? r.path : null).toHaveLength(32);
  });

  it('the stale mapping needs a complete invalidate start/end between snapshot and re-check', () => {
    const model = compileModel(byName('hmm/v5.2-valid-flag'), { driver: 'doc' });
    const r = explore(model);
    const trace = replay(model, r.verdict === 'violation' ? r.path! : []);
    const labels = trace.steps.map((s) => `${s.actor}: ${s.label}`);
    const snapshot = labels.indexOf('driver: walk_page_range(start, end, &mm_walk)');
    const start = labels.findIndex((l) => l.startsWith('reclaim: hmm->notifiers++'));
    const end = labels.findIndex((l) => l.startsWith('reclaim: hmm->notifiers--'));
    const recheck = labels.indexOf('driver: if (!range.valid)');
    expect(snapshot).toBeGreaterThanOrEqual(0);
    expect(snapshot).toBeLessThan(start);
    expect(start).toBeLessThan(end);
    expect(end).toBeLessThan(recheck);
    expect(labels.at(-1)).toBe('driver: // Use pfns array content to update device page table');
  });

  it('without invalidating threads the protocol passes and the device gets mapped', () => {
    const r = check('hmm/v5.2-valid-flag', { munmaps: 0, reclaims: 0 });
    expect(r.verdict).toBe('pass');
    expect(r.witnesses).toEqual([{ property: 'the device maps a page', path: expect.any(Array) }]);
    // One thread, no choices: the initial state plus one per step of mydevice_prefault:
    // register 5, if(ret) 1, down_read 1, wait 2, check 1, snapshot 4, EAGAIN test 1, up_read 1,
    // ret<0 test 1, lock 1, re-check 1, populate 1, unlock 1, unregister 5, return 1 = 27 steps.
    expect(r.stats.states).toBe(28);
    expect(r.stats.depth).toBe(27);
  });
});

describe('liveness (weak fairness per actor)', () => {
  it('classic/peterson n=2 and n=3: starvation-free', () => {
    for (const [n, states] of [[2, 196], [3, 12_498]] as const) {
      const r = checkModel(compileModel(byName('classic/peterson'), { n }));
      expect(r.verdict).toBe('pass');
      expect(r.stats.states).toBe(states);
    }
  });

  it('classic/tas-spinlock: T0 can starve; the lasso is 1 step of stem and a 5-step cycle', () => {
    const r = checkModel(compileModel(byName('classic/tas-spinlock')));
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property.name).toBe('starvation freedom (T0)');
    expect(r.path).toHaveLength(6);
    expect(r.cycleStart).toBe(1);
  });
});
