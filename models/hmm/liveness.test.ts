/** The HMM liveness pair (hmm.md scenario 3 as a lasso) and the 5.5 design's liveness, pinned. */
import { describe, expect, it } from 'vitest';
import { checkModel, compileModel, replay } from '../../src/index.ts';
import { encodeWorld } from '../../src/core/determinism.ts';
import { DRIVER_PROCEEDS, retry53, retryLivelock52 } from './nonblocking-livelock.ts';

describe('HMM liveness under weak fairness', () => {
  it('5.2: after the leaked notifier count the retrying driver loops for ever; the lasso replays and closes', () => {
    const m = compileModel(retryLivelock52);
    const r = checkModel(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property.name).toBe(DRIVER_PROCEEDS);
    expect(r.stats.states).toBe(2_219);
    expect(r.path).toHaveLength(26);
    expect(r.cycleStart).toBe(21);
    const trace = replay(m, r.path!);
    const states = [m.initial, ...trace.states];
    expect(encodeWorld(m, states[r.cycleStart!]!)).toBe(encodeWorld(m, states[states.length - 1]!));
    // The cycle is the driver alone, timing out and retrying, with the count stuck above zero.
    const cycle = trace.steps.slice(r.cycleStart);
    expect(new Set(cycle.map((s) => s.actor))).toEqual(new Set(['driver']));
    expect(cycle.some((s) => s.label.includes('goto again'))).toBe(true);
    expect((states[r.cycleStart!]!.shared as { hmm: { notifiers: number } }).hmm.notifiers).toBe(1);
  });

  it('5.3: notifiers_decrement lets the driver proceed under weak fairness, but not without fairness', () => {
    const m = compileModel(retry53);
    expect(checkModel(m)).toMatchObject({ verdict: 'pass', stats: { states: 1_695 } });
    expect(checkModel(m, { fairness: 'none' }).verdict).toBe('violation');
  });
});

describe('hmm/v5.5-interval-notifier liveness', () => {
  it('every driver eventually programs the device or gives up: the sequence-count retry loop ends', async () => {
    const { model, DRIVERS_FINISH } = await import('./v5.5-interval-notifier.ts');
    const m = compileModel(model, { munmaps: 0 });
    const r = checkModel(m);
    expect(r).toMatchObject({ verdict: 'pass', stats: { states: 631 } });
    if (r.verdict !== 'pass') return;
    expect(r.liveness).toEqual({ fairness: 'weak', properties: [DRIVERS_FINISH], states: 631 });
  });
});
