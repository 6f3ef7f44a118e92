/**
 * hmm/v5.5-interval-notifier — the Linux 5.5 design that replaced 5.2's `range->valid` flag:
 * mmu_interval_notifier sequence counts (mm/mmu_notifier.c, include/linux/mmu_notifier.h of 5.5)
 * with the driver pattern of 5.5's Documentation/vm/hmm.rst, against the same actors as the 5.2
 * flagship (hmm/v5.2-valid-flag): driver fault threads, munmap (mmap_sem write, downgraded to read)
 * and reclaim (no mmap_sem), with the same parameters, so the two can be compared.
 *
 * Expected verdict: pass, every property. This is the fix the kernel record gives for the 5.2
 * reclaim race: J. Gunthorpe, "[PATCH hmm 03/15] mm/hmm: allow hmm_range to be used with a
 * mmu_range_notifier or hmm_mirror" (15 Oct 2019, idx:9624016822): "hmm_mirror's handling of
 * ranges does not use a sequence count which results in this bug ... Adding the required sequence
 * count would make it nearly identical to the new mmu_range_notifier. Instead replace the
 * hmm_mirror stuff with mmu_range_notifier." Series "Consolidate the mmu notifier interval_tree and
 * locking" v3 (12 Nov 2019, idx:9123759818), merged for 5.5 (pull thread idx:9391044726).
 *
 * What a pass means here, step by step: the invalidation makes mmn_mm->invalidate_seq odd before
 * any callback (mn_itree_inv_start_range), each callback stores that odd value in the notifier
 * under driver->update (mmu_interval_set_seq) and clears the device, so a driver that read the
 * CPU page table before the callback fails mmu_interval_read_retry() under the same lock, and one
 * that starts read_begin during the invalidation sleeps on mmn_mm->wq until mn_itree_inv_end makes
 * the sequence even again. A complete start/end pair between the fault and the re-check, invisible
 * to 5.2's boolean, leaves the notifier's sequence changed.
 *
 * Files: models/hmm/v5.5/{state,mmu_notifier,ops,hmm,cpu,driver,properties}.ts. `buildIntervalNotifier`
 * is exported for the benchmark. Sizes (all pass): the default (1 driver, 1 munmap, 1 reclaim,
 * 1 page) is 16,028 states, a few seconds; `drivers=2 munmaps=0 reclaims=1` (the flagship's third
 * bench row) 41,742 states, 10+ seconds; `reclaims=2` 254,835 states, a few minutes; `munmaps=2
 * reclaims=0` 7,089 states. `pages=2` gives the same count as 1 page (munmap and the driver treat
 * all pages in one step, reclaim takes page 0). The larger runs are in `npm run bench`.
 */
import { defineModel, eventually, type ModelSpec } from '../../src/index.ts';
import { munmap, reclaim } from './v5.5/cpu.ts';
import { driver } from './v5.5/driver.ts';
import { intervalProperties } from './v5.5/properties.ts';
import { initialShared, type Shared } from './v5.5/state.ts';

export interface IntervalParams {
  readonly drivers: number;
  readonly munmaps: number;
  readonly reclaims: number;
  readonly pages: number;
  [key: string]: number;
}

export const DRIVERS_FINISH = 'every driver eventually programs the device or gives up';

/** The 5.5 model's state, actors and properties, for the catalog and the benchmark. */
export function buildIntervalNotifier({ drivers, munmaps, reclaims, pages }: IntervalParams): ModelSpec<Shared> {
  const name = (base: string, n: number, i: number) => (n === 1 ? base : `${base}${i}`);
  const all = { start: 0, end: pages };
  return {
    shared: initialShared({ pages, drivers }),
    actors: [
      ...Array.from({ length: drivers }, (_, r) => ({ name: name('driver', drivers, r), routine: driver, args: { r } })),
      ...Array.from({ length: munmaps }, (_, i) => ({ name: name('munmap', munmaps, i), routine: munmap, args: all })),
      ...Array.from({ length: reclaims }, (_, i) => ({ name: name('reclaim', reclaims, i), routine: reclaim, args: { start: 0, end: 1 } })),
    ],
    properties: [
      ...intervalProperties(munmaps + reclaims > 0),
      // Liveness (weak fairness per actor): invalidations are finitely many, so every driver's retry
      // loop ends: it programs the device or gives up with an error. Checked on the state graph.
      eventually<Shared>(DRIVERS_FINISH, (_g, w) => Array.from({ length: drivers }, (_, tid) => w.finished(tid)).every(Boolean)),
    ],
  };
}

export const model = defineModel({
  name: 'hmm/v5.5-interval-notifier',
  description: 'Linux 5.5 mmu_interval_notifier (sequence counts): hmm.rst driver vs munmap and reclaim; the fix of the 5.2 valid-flag race',
  params: { drivers: 1, munmaps: 1, reclaims: 1, pages: 1 } as IntervalParams,
  expected: { verdict: 'pass' },
  sources: [
    'mm/mmu_notifier.c, include/linux/mmu_notifier.h (Linux 5.5; copy idx:866640179)',
    'Documentation/vm/hmm.rst (Linux 5.5): mmu_interval_read_begin / hmm_range_fault / driver->update / mmu_interval_read_retry',
    '[PATCH hmm 03/15] mm/hmm: allow hmm_range to be used with a mmu_range_notifier or hmm_mirror (the 5.2 race, the reason for 5.5)',
  ],
  build: buildIntervalNotifier,
});
