import { describe, expect, it } from 'vitest';
import { encodeWorld } from '../core/determinism.ts';
import { toy } from '../testing/helpers.ts';
import { checkLiveness, checkModel, compileModel, either, eventually, progress, replay, routine, step, when, type Model } from '../index.ts';
import { model as peterson } from '../../models/classic/peterson.ts';
import { model as tas } from '../../models/classic/tas-spinlock.ts';

/** A lasso replays, and its cycle returns to the state where it started. */
function expectLassoCloses<G>(m: Model<G>, path: readonly number[], cycleStart: number): void {
  const trace = replay(m, path);
  const states = [m.initial, ...trace.states];
  expect(encodeWorld(m, states[cycleStart]!)).toBe(encodeWorld(m, states[states.length - 1]!));
}

describe('liveness', () => {
  it("Peterson's lock (n=2) is starvation-free under weak and strong fairness, not without fairness", () => {
    const m = compileModel(peterson, { n: 2 });
    expect(checkLiveness(m, { fairness: 'weak' })).toMatchObject({ verdict: 'pass', stats: { states: 196, transitions: 371 } });
    expect(checkLiveness(m, { fairness: 'strong' }).verdict).toBe('pass');
    const r = checkLiveness(m, { fairness: 'none' });
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') {
      expect(r.property.name).toBe('starvation freedom (P_0)');
      expectLassoCloses(m, r.path, r.cycleStart);
    }
  });

  it('a naive test-and-set spinlock starves a thread even under strong fairness per actor', () => {
    const m = compileModel(tas);
    for (const fairness of ['weak', 'strong'] as const) {
      const r = checkLiveness(m, { fairness });
      expect(r.verdict).toBe('violation');
      if (r.verdict !== 'violation') continue;
      expect(r.property).toEqual({ name: 'starvation freedom (T0)', kind: 'leadsTo' });
      expect(r.cycleStart).toBeLessThan(r.path.length);
      expectLassoCloses(m, r.path, r.cycleStart);
      // The starved thread does take steps in the cycle (it spins): that is why fairness does not help.
      const trace = replay(m, r.path);
      expect(trace.steps.slice(r.cycleStart).some((s) => s.actor === 'T0' && s.label.includes('spins'))).toBe(true);
    }
  });

  it('eventually: an execution that stops without reaching the goal is a violation with an empty cycle', () => {
    type S = { flag: boolean; giveUp: boolean };
    const m = toy<S>(
      'gives-up',
      { flag: false, giveUp: false },
      [
        {
          name: 'A',
          routine: routine<S>('a', {
            body: [either('decide', [{ label: 'sets flag', do: ({ g }) => void (g.flag = true) }, { label: 'gives up', do: ({ g }) => void (g.giveUp = true) }])],
          }),
        },
      ],
      [eventually<S>('flag is set', (g) => g.flag)],
    );
    const r = checkLiveness(m);
    expect(r).toMatchObject({ verdict: 'violation', path: [1], cycleStart: 1 });
  });

  it('progress: a retry loop that can spin for ever without a progress step is found; fairness makes the other actor run', () => {
    type S = { valid: boolean };
    const waiter = routine<S>('waiter', {
      body: [
        either<S, Record<string, never>>(
          'wait_until_valid',
          [
            { label: 'valid', when: (g) => g.valid, do: ({ goto }) => goto('map') },
            { label: 'times out, retries', do: ({ stay }) => stay() },
          ],
          { name: 'wait' },
        ),
        step('map the page', undefined, { name: 'map' }),
      ],
    });
    const setter = routine<S>('setter', { body: [when('valid = true', () => true, ({ g }) => void (g.valid = true))] });
    const m = toy<S>('retry', { valid: false }, [{ name: 'W', routine: waiter }, { name: 'S', routine: setter }], [
      progress<S>('the waiter maps', ({ label }) => label === 'map the page'),
    ]);
    // Under weak fairness the setter must run, then... the waiter may still time out for ever (valid
    // stays true but the timeout alternative is always there): a real livelock of "retry on timeout".
    const r = checkLiveness(m, { fairness: 'weak' });
    expect(r.verdict).toBe('violation');
    if (r.verdict === 'violation') expectLassoCloses(m, r.path, r.cycleStart);
    // A waiter that never times out once valid passes.
    const waitOnly = routine<S>('waiter', {
      body: [when<S, Record<string, never>>('wait_event(valid)', (g) => g.valid), step('map the page')],
    });
    const ok = toy<S>('no-retry', { valid: false }, [{ name: 'W', routine: waitOnly }, { name: 'S', routine: setter }], [
      progress<S>('the waiter maps', ({ label }) => label === 'map the page'),
    ]);
    expect(checkLiveness(ok, { fairness: 'weak' }).verdict).toBe('pass');
  });

  it('checkModel reports a safety violation before looking at liveness', () => {
    const m = compileModel(tas);
    const r = checkModel(m, { properties: ['mutual exclusion'] });
    expect(r.verdict).toBe('pass');
    expect(checkModel(m).verdict).toBe('violation');
  });
});
