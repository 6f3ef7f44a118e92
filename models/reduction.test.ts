/**
 * Every registered model at its default parameters, searched without and with reduction
 * (partial-order and canonical symmetry, as the command line runs by default): the same safety
 * verdict, both state counts pinned, and the reduced counterexample replays in the unreduced
 * model. Rows marked slow run under INTERLEAVE_SLOW=1 (`npm run test:slow`).
 *
 * Most models do not declare footprints or symmetric actors yet, so both counts are equal there;
 * the reduction says why partial-order reduction is off (`stats.reduction.porOff`). The 5.5
 * interval-notifier model declares footprints (models/hmm/v5.5/footprints.ts); their checking
 * mode runs below.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, explore } from '../src/index.ts';
import { replayProblem, summary } from '../src/testing/differential.ts';
import { checkReductionDeclarations } from '../src/testing/reductionCheck.ts';
import { catalog } from './index.ts';

const SLOW = process.env.INTERLEAVE_SLOW === '1';

// [model, safety verdict, states without reduction, states with, slow]
const pinned: [string, string, number, number, boolean][] = [
  ['hmm/v5.2-valid-flag', 'violation: lock discipline', 4_576, 4_576, true],
  ['hmm/v5.2-rc-v1-nonblocking-deadlock', 'deadlock', 28, 28, false],
  ['hmm/v5.2-rc-v2-nonblocking', 'pass', 606, 606, false],
  ['hmm/v5.2-nonblocking-notifier-leak', 'violation: notifier count returns to zero', 289, 289, false],
  ['hmm/v5.3-nonblocking-notifier-count', 'pass', 1_870, 1_870, true],
  ['hmm/v5.2-nonblocking-retry-livelock', 'pass', 2_219, 2_219, true],
  ['hmm/v5.3-nonblocking-retry', 'pass', 1_695, 1_695, false],
  ['hmm/v5.2-nonblocking-lost-eagain', 'violation: no stale device mapping', 65, 65, false],
  ['hmm/v5.3-nonblocking-eagain', 'pass', 91, 91, false],
  ['hmm/v5.2-reclaim-race', 'violation: no stale device mapping', 623, 623, false],
  ['hmm/v5.2-rc-seed-snapshot-eagain', 'deadlock', 1_777, 1_777, false],
  ['hmm/v5.2-rc-seed-timeout-retry', 'violation: lock discipline', 591, 591, false],
  ['hmm/v5.2-vma-fault-timeout', 'violation: unregister exactly once (by the end)', 615, 615, false],
  ['hmm/v5.2-teardown-use-after-free', 'violation: NULL pointer dereference', 67, 67, false],
  ['hmm/v5.3-teardown', 'pass', 282, 282, false],
  ['hmm/v5.2-release-mirror-use-after-free', 'violation: use after free', 127, 127, false],
  ['hmm/v5.3-release', 'pass', 107, 107, false],
  ['hmm/v5.3-rc1-nouveau-fault-unlock', 'violation: lock discipline', 640, 640, false],
  ['hmm/v5.3-nouveau-fault-unlock', 'pass', 4_741, 4_741, true],
  ['hmm/v5.5-interval-notifier', 'pass', 16_028, 14_188, true],
  ['classic/peterson', 'pass', 12_498, 12_498, true],
  ['classic/two-phase-commit', 'pass', 288, 80, false],
  ['classic/lock-order-deadlock', 'deadlock', 7, 7, false],
  ['classic/lost-update', 'violation: no lost update', 12, 12, false],
  ['classic/tas-spinlock', 'pass', 12, 12, false],
  ['hmm/v5.12-nouveau-oom-itree-leak', 'violation: no invalidation in flight: active_invalidate_ranges is 0 and invalidate_seq even', 179, 179, false],
  ['hmm/v5.12-oom-itree-unwind', 'pass', 1_639, 1_639, false],
  ['hmm/v5.11-oom-hlist-unpaired', 'violation: no invalidation in flight: kvm->mmu_notifier_count is 0', 11, 11, false],
  ['hmm/v5.12-oom-hlist-paired', 'pass', 14, 14, false],
  ['hmm/v5.5-nouveau-split-invalidate', 'pass', 1_713, 1_713, false],
  ['hmm/v5.5-nouveau-split-reversed', 'violation: no stale device mapping', 986, 986, false],
  ['hmm/v5.5-nouveau-interval-rewrite-unmerged', 'pass', 1_075, 1_075, false],
  ['hmm/v6.1-rc-amdgpu-userptr-shared-range', 'violation: no CS is refused because another validates the same userptr (WARN_ON(gtt->range))', 453, 453, false],
  ['hmm/v6.1-amdgpu-userptr-range', 'pass', 41_261, 41_261, true],
  ['hmm/v5.6-hmm-range-fault-walk', 'violation: no sleeping under spinlock', 52, 52, false],
  ['hmm/v5.7-hmm-range-fault-walk', 'pass', 132, 132, false],
  ['hmm/v5.2-fault-allow-retry', 'violation: hmm_range_fault(block = true) returns with mmap_sem held', 22, 22, false],
  ['hmm/v5.3-fault-allow-retry', 'pass', 26, 26, false],
];

describe('every registered model with and without reduction', () => {
  it('the table covers the catalog', () => {
    expect(pinned.map((p) => p[0]).sort()).toEqual(catalog.map((m) => m.name).sort());
  });

  it.each(pinned.filter((p) => SLOW || !p[4]))('%s: %s, %i states unreduced, %i reduced', (name, verdict, full, reduced) => {
    const model = compileModel(catalog.find((m) => m.name === name)!);
    const a = explore(model);
    const b = explore(model, { por: true, symmetry: true });
    expect(summary(a)).toBe(verdict);
    expect(summary(b)).toBe(verdict);
    expect(a.stats.states).toBe(full);
    expect(b.stats.states).toBe(reduced);
    expect(replayProblem(model, b, undefined)).toBeUndefined();
  });
});

describe('declared footprints hold', () => {
  const v55 = () => compileModel(catalog.find((m) => m.name === 'hmm/v5.5-interval-notifier')!);
  it('hmm/v5.5-interval-notifier: footprints, locks held and property reads, over its first 500 states', () => {
    expect(checkReductionDeclarations(v55(), { maxStates: 500 })).toBe(500);
  });
  it.runIf(SLOW)('hmm/v5.5-interval-notifier: over all 16,028 states, and with two drivers', () => {
    expect(checkReductionDeclarations(v55(), { maxStates: 100_000 })).toBe(16_028);
    const two = compileModel(catalog.find((m) => m.name === 'hmm/v5.5-interval-notifier')!, { drivers: 2, munmaps: 0, reclaims: 1 });
    expect(checkReductionDeclarations(two, { maxStates: 100_000 })).toBe(41_742);
  }, 1_800_000);
});
