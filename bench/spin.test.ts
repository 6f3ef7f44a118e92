import { describe, expect, it } from 'vitest';
import { compileModel, explore } from '../src/index.ts';
import { catalog } from '../models/index.ts';
import { comparableProperties, parsePan, promelaFor, runSpin, spinUnavailable, twoPhaseCommitPml } from './spin.ts';
import { SPIN_CASES } from './spinCases.ts';

const PAN_REPORT = `
(Spin Version 6.5.2 -- 6 December 2019)
State-vector 92 byte, depth reached 109, errors: 0
  1673350 states, stored
  3610615 states, matched
1.2345678e+08 transitions (= stored+matched)
        0 atomic steps
Stats on memory usage (in Megabytes):
  127.900	actual memory usage for states (compression: 71.56%)
  128.000	memory used for hash table (-w24)
  301.573	total actual memory usage

pan: elapsed time 2.82 seconds
`;

describe('pan report', () => {
  it('reads counts, including the %g form pan uses for large numbers, and memory per stored state', () => {
    const r = parsePan(PAN_REPORT, 3, 'pan');
    expect(r).toMatchObject({ states: 1_673_350, transitions: 123_456_780, depth: 109, seconds: 2.82, statesPerSecond: 593_387, memoryMiB: 301.573 });
    expect(r.bytesPerState).toBeCloseTo((127.9 * 2 ** 20) / 1_673_350, 1);
  });

  it('times short runs by the wall clock, as pan rounds its own time to 0', () => {
    expect(parsePan(PAN_REPORT.replace('2.82 seconds', '0.02 seconds'), 0.05, 'pan').seconds).toBe(0.05);
  });

  it('refuses a report with errors: the Promela model would not be equivalent', () => {
    expect(() => parsePan(PAN_REPORT.replace('errors: 0', 'errors: 1'), 1, 'pan')).toThrow(/not equivalent/);
  });
});

describe('Promela translations', () => {
  it('two-phase commit has one TmRcvPrepared alternative per resource manager', () => {
    const text = twoPhaseCommitPml(5);
    expect(text.match(/tmPrepared\[\d\] = 1/g)).toHaveLength(5);
    expect(text).toContain('tmPrepared[0] && tmPrepared[1] && tmPrepared[2] && tmPrepared[3] && tmPrepared[4]');
  });

  it('the 5.2 drivers are one Promela file; the seed driver deadlocks, so pan ignores invalid end states for it', () => {
    expect(promelaFor('hmm/v5.2-valid-flag', {})).toMatchObject({ defines: { D: 1, M: 1, R: 1, P: 1, SEED: 1, RETRY: 0 }, panFlags: ['-E'] });
    const doc = promelaFor('hmm/v5.2-valid-flag', { driver: 'doc', drivers: 2, onTimeout: 'retry' });
    expect(doc?.defines).toEqual({ D: 2, M: 1, R: 1, P: 1, SEED: 0, RETRY: 1 });
    expect(doc?.panFlags).toBeUndefined();
    expect(() => promelaFor('hmm/v5.2-valid-flag', { driver: 'other' })).toThrow(/driver/);
    expect(promelaFor('classic/lost-update', {})).toBeUndefined();
  });
});

// SPIN without reduction stores exactly the states interleave visits (bench/promela headers say why).
describe.skipIf(spinUnavailable() !== undefined)('SPIN agrees with interleave on unique states and transitions', () => {
  for (const c of SPIN_CASES.filter((x) => x.test !== undefined)) {
    it(`${c.model} ${JSON.stringify(c.params)}`, () => {
      const expected = c.interleave!;
      if (c.test === 'live') {
        const definition = catalog.find((m) => m.name === c.model)!;
        const properties = comparableProperties(c.model, c.params);
        const ours = explore(compileModel(definition, c.params as never), properties ? { properties } : {});
        expect(ours.verdict).toBe('pass');
        expect({ states: ours.stats.states, transitions: ours.stats.transitions }).toEqual(expected);
      }
      const spin = runSpin(c.model, c.params, { optimise: false, hashBits: 18 })!;
      expect(spin.states).toBe(expected.states);
      if (c.pruned) expect(spin.transitions).toBeLessThan(expected.transitions + 1);
      else expect(spin.transitions).toBe(expected.transitions + 1);
    });
  }
});
