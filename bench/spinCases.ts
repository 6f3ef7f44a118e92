/**
 * Benchmark cases with a Promela equivalent (bench/promela), with interleave's counts where they
 * are known, explored with the property selection `comparableProperties` (bench/spin.ts) gives
 * (for the 5.2 model: one under which the search covers the whole state space). For the seed
 * driver interleave prunes the step that fails "lock discipline" and counts it as a transition;
 * SPIN's equivalent never takes it, so the states agree and interleave's transitions exceed
 * SPIN's (`pruned`).
 *
 * bench/spin.test.ts checks that SPIN without reduction stores exactly `interleave.states` states
 * and makes `interleave.transitions + 1` transitions (pan counts the initial state as reached) for
 * the cases marked `test`; those marked `live` also re-run interleave there, as no other test pins
 * their counts (the rest are pinned by models/models.test.ts and models/hmm/lifecycle.test.ts).
 */
export interface SpinCase {
  readonly model: string;
  readonly params: Record<string, unknown>;
  /** interleave's unique states and transitions (`npx interleave check <model> -p ...`), where known. */
  readonly interleave?: { readonly states: number; readonly transitions: number };
  /** interleave counts steps it prunes as transitions; SPIN's model never takes them. */
  readonly pruned?: boolean;
  /** Checked by bench/spin.test.ts (small enough for the unit tests). */
  readonly test?: 'pinned' | 'live';
  /** Skipped by `bench/spin-only.ts --quick`. */
  readonly slow?: boolean;
}

const DOC = { driver: 'doc' } as const;

export const SPIN_CASES: readonly SpinCase[] = [
  { model: 'classic/peterson', params: { n: 3 }, interleave: { states: 12_498, transitions: 33_369 }, test: 'pinned' },
  // BEEM's count is 1,119,560 states (SPIN stores as many); interleave's run has not been pinned.
  { model: 'classic/peterson', params: { n: 4 } },
  { model: 'classic/two-phase-commit', params: { rms: 3 }, interleave: { states: 288, transitions: 1_145 }, test: 'pinned' },
  { model: 'classic/two-phase-commit', params: { rms: 5 }, interleave: { states: 8_832, transitions: 58_145 }, test: 'pinned' },
  { model: 'classic/two-phase-commit', params: { rms: 8 }, slow: true },
  { model: 'classic/two-phase-commit', params: { rms: 9 }, slow: true },
  { model: 'hmm/v5.2-valid-flag', params: { munmaps: 0 }, interleave: { states: 876, transitions: 1_559 }, pruned: true, test: 'live' },
  { model: 'hmm/v5.2-valid-flag', params: { onTimeout: 'retry', munmaps: 0 }, interleave: { states: 977, transitions: 1_770 }, pruned: true },
  { model: 'hmm/v5.2-valid-flag', params: {}, interleave: { states: 17_578, transitions: 44_627 }, pruned: true },
  { model: 'hmm/v5.2-valid-flag', params: { pages: 2 }, interleave: { states: 17_760, transitions: 44_952 }, pruned: true },
  { model: 'hmm/v5.2-valid-flag', params: { drivers: 2, munmaps: 0 }, interleave: { states: 61_118, transitions: 159_024 }, pruned: true },
  { model: 'hmm/v5.2-valid-flag', params: { drivers: 2, munmaps: 2 }, pruned: true, slow: true },
  { model: 'hmm/v5.2-valid-flag', params: { ...DOC, munmaps: 0 }, interleave: { states: 967, transitions: 1_764 }, test: 'live' },
  { model: 'hmm/v5.2-valid-flag', params: { ...DOC, munmaps: 2, reclaims: 0 }, interleave: { states: 4_969, transitions: 10_720 } },
  { model: 'hmm/v5.2-valid-flag', params: DOC, interleave: { states: 16_062, transitions: 42_188 } },
  { model: 'hmm/v5.2-valid-flag', params: { ...DOC, drivers: 2, munmaps: 0 }, interleave: { states: 72_792, transitions: 197_469 } },
  { model: 'hmm/v5.2-valid-flag', params: { ...DOC, drivers: 2 }, slow: true },
  // 6,551,043 states: about 10 s or more in SPIN on the benchmark machine.
  { model: 'hmm/v5.2-valid-flag', params: { ...DOC, drivers: 2, munmaps: 2 }, slow: true },
  { model: 'hmm/v5.5-interval-notifier', params: { munmaps: 0 }, interleave: { states: 631, transitions: 1_052 }, test: 'pinned' },
  { model: 'hmm/v5.5-interval-notifier', params: { drivers: 2, munmaps: 0, reclaims: 0 }, interleave: { states: 692, transitions: 1_270 }, test: 'live' },
  { model: 'hmm/v5.5-interval-notifier', params: {}, interleave: { states: 16_028, transitions: 38_459 }, test: 'pinned' },
  { model: 'hmm/v5.5-interval-notifier', params: { munmaps: 2, reclaims: 0 }, interleave: { states: 7_089, transitions: 14_423 } },
  { model: 'hmm/v5.5-interval-notifier', params: { drivers: 2, munmaps: 0 }, interleave: { states: 41_742, transitions: 102_436 } },
  { model: 'hmm/v5.5-interval-notifier', params: { drivers: 2, reclaims: 0 }, interleave: { states: 52_724, transitions: 133_197 } },
  { model: 'hmm/v5.5-interval-notifier', params: { reclaims: 2 }, interleave: { states: 254_835, transitions: 775_311 } },
  { model: 'hmm/v5.5-interval-notifier', params: { drivers: 2 }, slow: true },
  // 17,009,352 states, about 2 GiB in SPIN: 10 s or more.
  { model: 'hmm/v5.5-interval-notifier', params: { drivers: 2, munmaps: 2 }, slow: true },
];
