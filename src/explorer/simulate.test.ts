import { describe, expect, it } from 'vitest';
import { compileModel, explore, replay } from '../index.ts';
import { judgeTrace } from '../trace/judge.ts';
import { model as lostUpdate } from '../../models/classic/lost-update.ts';
import { model as hmm52 } from '../../models/hmm/v5.2-valid-flag.ts';
import { model as twoPhase } from '../../models/classic/two-phase-commit.ts';
import { simulate, simulationSession } from './simulate.ts';

describe('random simulation', () => {
  it('finds the lost update, shrinks it to the shortest failing run, and the run replays to the failure', () => {
    const m = compileModel(lostUpdate);
    const r = simulate(m, { runs: 200, depth: 20, seed: 42 });
    expect(r.failure).not.toBeNull();
    const f = r.failure!;
    expect(f.property).toBe('no lost update');
    // The BFS shortest counterexample has 4 steps; the shrunk run is as short.
    expect(f.path).toHaveLength(4);
    const judged = judgeTrace(m, replay(m, f.path));
    expect(judged.property).toBe('no lost update');
  });

  it('the same seed repeats the session exactly', () => {
    const m = compileModel(lostUpdate);
    const a = simulate(m, { runs: 200, depth: 20, seed: 9, scheduler: 'pct' });
    const b = simulate(m, { runs: 200, depth: 20, seed: 9, scheduler: 'pct' });
    expect(b.failure?.path).toEqual(a.failure?.path);
    expect(b.runs).toBe(a.runs);
  });

  it('PCT finds the 5.2 stale-mapping race (hmm.rst driver) within a few runs; the run replays to the violation', () => {
    const m = compileModel(hmm52, { driver: 'doc' });
    const r = simulate(m, { runs: 500, depth: 100, seed: 3, scheduler: 'pct' });
    expect(r.failure?.property).toBe('no stale device mapping');
    expect(r.runs).toBe(11);
    const bfs = explore(m);
    expect(bfs.verdict === 'violation' && bfs.path?.length).toBe(29);
    expect(r.failure!.path.length).toBeGreaterThanOrEqual(29);
    expect(judgeTrace(m, replay(m, r.failure!.path)).property).toBe('no stale device mapping');
  });

  it('a correct model passes every run', () => {
    const r = simulate(compileModel(twoPhase), { runs: 100, depth: 50, seed: 1 });
    expect(r.failure).toBeNull();
    expect(r.runs).toBe(100);
  });

  it('reports the states runs visit: with enough runs, exactly the states the exhaustive search stores', () => {
    const m = compileModel(twoPhase, { rms: 2 });
    const seen = new Set<string>();
    const onState = (fp: { hi: number; lo: number }): void => void seen.add(`${fp.hi}:${fp.lo}`);
    const r = simulate(m, { runs: 2000, depth: 40, seed: 2, onState });
    expect(r.failure).toBeNull();
    expect(r.steps).toBeGreaterThan(2000);
    expect(seen.size).toBe(explore(m).stats.states);
    // On the reference space too, with the same fingerprints.
    const reference = new Set<string>();
    simulate(m, { runs: 2000, depth: 40, seed: 2, engine: 'reference', onState: (fp) => void reference.add(`${fp.hi}:${fp.lo}`) });
    expect([...reference].sort()).toEqual([...seen].sort());
  });

  it('a session carries the learnt layout across calls without changing what the runs do', () => {
    const m = compileModel(hmm52, { driver: 'doc' });
    const session = simulationSession(m);
    for (const seed of [3, 4]) {
      const alone = simulate(m, { runs: 30, depth: 100, seed, scheduler: 'pct' });
      const shared = simulate(m, { runs: 30, depth: 100, seed, scheduler: 'pct' }, session);
      expect(shared.failure?.path).toEqual(alone.failure?.path);
      expect(shared.runs).toBe(alone.runs);
      expect(shared.steps).toBe(alone.steps);
    }
  });
});
