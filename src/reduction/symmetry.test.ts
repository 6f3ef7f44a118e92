import { describe, expect, it } from 'vitest';
import { compileModel, explore, type Model } from '../index.ts';
import { encodeWorld } from '../core/determinism.ts';
import type { World } from '../core/world.ts';
import { model as twoPhase } from '../../models/classic/two-phase-commit.ts';
import { permuteWorld, SymmetryKeys } from './symmetry.ts';
import { compareReductions } from '../testing/differential.ts';

describe('symmetry reduction', () => {
  // Untyped shared state: these tests handle worlds generically.
  const m5 = compileModel(twoPhase, { rms: 5 }) as unknown as Model<unknown>;

  it("2pc, 5 RMs: 8,832 states without symmetry, 665 with Stateright's sorted representative (DFS), as its can_model_2pc test pins", () => {
    expect(explore(m5, { strategy: 'dfs' }).stats.states).toBe(8_832);
    const sorted = explore(m5, { strategy: 'dfs', symmetry: 'sorted' });
    expect(sorted.verdict).toBe('pass');
    expect(sorted.stats.states).toBe(665);
    // The sorted representative is not canonical: the count depends on the search order.
    expect(explore(m5, { strategy: 'bfs', symmetry: 'sorted' }).stats.states).toBe(508);
  });

  it('2pc, 5 RMs: the canonical representative stores one state per class (314)', () => {
    const r = explore(m5, { symmetry: true });
    expect(r.verdict).toBe('pass');
    expect(r.stats.states).toBe(314);
    expect(r.stats.reduction).toMatchObject({ symmetry: 'canonical', por: false });
  });

  it.runIf(process.env.INTERLEAVE_SLOW === '1')('2pc, 5 RMs: the 8,832 states fall into 314 classes, and both orders store exactly those', () => {
    const classes = new Set<string>();
    const keys = new SymmetryKeys(m5, 'canonical');
    explore(m5, { onStore: (w) => classes.add(keys.key(w as World<unknown>)) });
    expect(classes.size).toBe(314);
    for (const strategy of ['bfs', 'dfs'] as const) {
      const r = explore(m5, { strategy, symmetry: true });
      expect(r.verdict).toBe('pass');
      expect(r.stats.states).toBe(314);
      expect(r.stats.reduction).toMatchObject({ symmetry: 'canonical', por: false });
    }
  });

  it('a renamed state has the same representative, and renaming twice by a permutation and its inverse is the identity', () => {
    const group = m5.symmetry![0]!;
    const seen: World<unknown>[] = [];
    explore(m5, { maxStates: 200, onStore: (w) => seen.push(w as World<unknown>) });
    const keys = new SymmetryKeys(m5, 'canonical');
    const to = [2, 0, 4, 1, 3];
    const back = to.map((_, i) => to.indexOf(i));
    for (const w of seen) {
      const p = permuteWorld(w, group, to);
      expect(keys.key(p)).toBe(keys.key(w));
      expect(encodeWorld(m5, permuteWorld(p, group, back))).toBe(encodeWorld(m5, w));
    }
  });

  it('2pc, 3 RMs: reduced searches agree with the full one (verdicts, classes of states)', () => {
    const m3 = compileModel(twoPhase, { rms: 3 });
    expect(compareReductions(m3, [{ symmetry: 'canonical' }, { symmetry: 'sorted' }, { symmetry: true, por: true }])).toEqual([]);
  });
});
