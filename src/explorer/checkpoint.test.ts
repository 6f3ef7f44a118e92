/**
 * Snapshots of a compiled search, resumed: from any snapshot, the search ends exactly as the
 * uninterrupted one (states, transitions, depth, verdict, message, path, witnesses, stats of the
 * reduction), on passing and violating models, BFS and DFS, with and without partial-order
 * reduction; and a snapshot of another search is refused, saying what differs.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, defineModel, mutex, mutex_lock, mutex_unlock, routine, step, type AnyModelDefinition, type Mutex, type Params } from '../index.ts';
import { catalog } from '../../models/index.ts';
import { routineNumbering, type SearchSnapshot } from './checkpoint.ts';
import { explore, type ExploreOutcome } from './explore.ts';
import { outcomeSummary } from '../testing/helpers.ts';
import type { ExploreOptions } from './options.ts';

interface Locks {
  readonly a: Mutex;
  readonly b: Mutex;
  readonly n: number;
}

/** AB-BA beside a thread that counts to 300: the inversion is found early, the search goes on long after it. */
const inversion = defineModel({
  name: 'test/lock-order-and-ticks',
  description: 'two threads take two mutexes in opposite orders while a third counts',
  params: {},
  build: () => ({
    shared: { a: mutex('a'), b: mutex('b'), n: 0 } as Locks,
    actors: [
      { name: 'T1', routine: routine<Locks>('ab', { body: [mutex_lock('lock a', (g) => g.a), mutex_lock('lock b', (g) => g.b), mutex_unlock('unlock b', (g) => g.b), mutex_unlock('unlock a', (g) => g.a)] }) },
      { name: 'T2', routine: routine<Locks>('ba', { body: [mutex_lock('lock b', (g) => g.b), mutex_lock('lock a', (g) => g.a), mutex_unlock('unlock a', (g) => g.a), mutex_unlock('unlock b', (g) => g.b)] }) },
      { name: 'ticker', routine: routine<Locks>('tick', { body: [step('tick', ({ g, goto }) => { g.n++; if (g.n < 300) goto('tick'); }, { name: 'tick' })] }) },
    ],
  }),
});

const byName = (name: string): AnyModelDefinition => (name === inversion.name ? inversion : catalog.find((m) => m.name === name)!);

/** A deep copy: the arrays a snapshot hands over are views of the live search. */
function copy(s: SearchSnapshot): SearchSnapshot {
  const arrays = Object.fromEntries(Object.entries(s.arrays).map(([k, a]) => [k, (a as Int32Array).slice()]));
  return { header: structuredClone(s.header), arrays: arrays as unknown as SearchSnapshot['arrays'] };
}

/** A clock that moves one millisecond per reading, so snapshots fall due by work done, not by wall time. */
function ticking(): () => number {
  let t = 0;
  return () => t++;
}

/** What a resumed search must agree on with the whole one: the outcome, the reduction's counts, the space it ran on, the store's size. */
function summary(r: ExploreOutcome): unknown {
  return { ...outcomeSummary(r), reduction: r.stats.reduction, engine: r.stats.engine?.name, storeBytes: r.stats.storeBytes };
}

/** The uninterrupted search, its snapshots (taken every `everyMs` clock readings), and each snapshot resumed. */
function resumeEach(definition: AnyModelDefinition, params: Params, options: ExploreOptions, everyMs: number): { whole: ExploreOutcome; snapshots: SearchSnapshot[]; resumed: ExploreOutcome[] } {
  const snapshots: SearchSnapshot[] = [];
  const model = compileModel(definition, params, routineNumbering());
  const whole = explore(model, { ...options, now: ticking(), checkpoint: { everyMs, save: (s) => snapshots.push(copy(s)) } });
  const picked = snapshots.length <= 4 ? snapshots : [snapshots[0]!, snapshots[snapshots.length >> 1]!, snapshots[snapshots.length - 1]!];
  const resumed = picked.map((s) => explore(compileModel(definition, params, routineNumbering(s.header.routines)), { ...options, now: ticking(), resume: () => s }));
  return { whole, snapshots: picked, resumed };
}

describe('checkpoints of the compiled search', () => {
  const cases: { name: string; params: Params; options: ExploreOptions; everyMs: number }[] = [
    { name: 'classic/peterson', params: { n: 3 }, options: {}, everyMs: 3 },
    { name: 'classic/peterson', params: { n: 3 }, options: { strategy: 'dfs' }, everyMs: 3 },
    { name: 'hmm/v5.2-valid-flag', params: {}, options: {}, everyMs: 1 },
    { name: 'hmm/v5.2-valid-flag', params: { driver: 'doc' }, options: { strategy: 'dfs', por: true }, everyMs: 1 },
    { name: 'hmm/v5.5-interval-notifier', params: {}, options: { por: true }, everyMs: 2 },
    { name: inversion.name, params: {}, options: { properties: ['lock order'] }, everyMs: 1 },
    { name: 'classic/two-phase-commit', params: { rms: 4 }, options: { symmetry: 'sorted', por: true }, everyMs: 2 },
    { name: 'classic/two-phase-commit', params: { rms: 4 }, options: { symmetry: 'canonical' }, everyMs: 1 },
  ];
  for (const c of cases) {
    it(`${c.name} ${JSON.stringify(c.params)} ${JSON.stringify(c.options)}: every resumed snapshot ends as the whole search`, () => {
      const { whole, snapshots, resumed } = resumeEach(byName(c.name), c.params, c.options, c.everyMs);
      expect(whole.stats.engine?.name).toBe('compiled');
      expect(snapshots.length).toBeGreaterThan(0);
      for (const r of resumed) expect(summary(r)).toEqual(summary(whole));
      // Elapsed time carries over: a resumed search reports at least the time up to its snapshot.
      resumed.forEach((r, i) => expect(r.stats.elapsedMs).toBeGreaterThanOrEqual(snapshots[i]!.header.elapsedMs));
    });
  }

  it('a snapshot of a search that found a witness keeps it', () => {
    const { whole, resumed } = resumeEach(byName('hmm/v5.5-interval-notifier'), {}, {}, 1);
    expect(whole.witnesses.length).toBeGreaterThan(0);
    for (const r of resumed) expect(r.witnesses).toEqual(whole.witnesses);
  });

  it('a snapshot taken before the layout grew resumes, relays out, starts again and still ends as the whole search', () => {
    const definition = byName('hmm/v5.2-valid-flag');
    const snapshots: SearchSnapshot[] = [];
    const whole = explore(compileModel(definition, {}, routineNumbering()), { now: ticking(), checkpoint: { everyMs: 1, save: (s) => snapshots.push(copy(s)) } });
    const early = snapshots.find((s) => s.header.relayouts < whole.stats.engine!.relayouts!)!;
    expect(early).toBeDefined();
    const again = explore(compileModel(definition, {}, routineNumbering(early.header.routines)), { now: ticking(), resume: () => early });
    expect(again.stats.engine!.relayouts!).toBeGreaterThan(early.header.relayouts);
    expect(summary(again)).toEqual(summary(whole));
  });

  it('the lock-order inversion found before a snapshot is reported after it', () => {
    const { whole } = resumeEach(inversion, {}, { properties: ['lock order'] }, 1);
    expect(whole.verdict === 'violation' && whole.property.name).toBe('lock order');
  });

  it('refuses a snapshot of another search, saying what differs', () => {
    const definition = byName('classic/peterson');
    let saved: SearchSnapshot | undefined;
    explore(compileModel(definition, { n: 2 }, routineNumbering()), { now: ticking(), checkpoint: { everyMs: 1, save: (s) => (saved ??= copy(s)) } });
    const again = (params: Params, options: ExploreOptions): (() => unknown) => () => explore(compileModel(definition, params, routineNumbering(saved!.header.routines)), { ...options, resume: () => saved! });
    expect(again({ n: 2 }, { strategy: 'dfs' })).toThrow(/strategy: bfs in the checkpoint, dfs now/);
    expect(again({ n: 3 }, {})).toThrow(/parameters: \{"n":2\} in the checkpoint, \{"n":3\} now/);
    expect(again({ n: 2 }, { por: true, maxStates: 10 })).toThrow(/partial-order reduction: false in the checkpoint, true now; maximum states: none in the checkpoint, 10 now/);
    expect(again({ n: 2 }, { engine: 'reference' })).toThrow(/compiled state space/);
  });
});
