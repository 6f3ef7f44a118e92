/**
 * hmm/v5.2-reclaim-race — scenario 2 of the HMM suite: Linux 5.2's `range->valid` flag cannot see
 * a complete invalidation that starts and ends between the driver's snapshot and its re-check.
 *
 * Code modelled (Linux 5.2):
 * - The driver is the pattern 5.2 documents for the range API, `driver_populate_range()` in
 *   Documentation/vm/hmm.rst @023a019a9b4e (models/hmm/v5.2/docDriver.ts; every step is a line of
 *   it): register, wait until valid, `again:` down_read(mmap_sem), hmm_range_snapshot(), take the
 *   driver lock, `if (!range.valid)` retry, program the device, unregister, unlock.
 * - mm/hmm.c 5.2 hmm_range_register / hmm_range_snapshot / hmm_invalidate_range_start / _end and
 *   include/linux/hmm.h @897e6365cda6 hmm_range_wait_until_valid (lines 206-220) and
 *   hmm_range_valid (227-230), as in models/hmm/v5.2/hmm.ts (sources cited there).
 * - Page reclaim: try_to_unmap_one() in mm/rmap.c brackets ptep_clear_flush() with
 *   mmu_notifier_invalidate_range_start/end and holds no mmap_sem (models/hmm/v5.2/cpu.ts), so the
 *   driver's mmap_sem does not keep it out.
 *
 * Expected verdict, from the code and the record: violation of "no stale device mapping".
 * hmm_invalidate_range_end sets `valid = true` on every listed range when `notifiers` drops to 0,
 * so after start → ptep_clear_flush → end the flag reads true again and the driver's re-check
 * passes; it then programs the pfn it snapshotted before the clear. Jason Gunthorpe describes this
 * exact interleaving (CPU0 start/end between CPU1's fault and hmm_range_valid) in "[PATCH hmm 03/15]
 * mm/hmm: allow hmm_range to be used with a mmu_range_notifier or hmm_mirror" (15 Oct 2019):
 * "hmm_mirror's handling of ranges does not use a sequence count which results in this bug ...
 * Where the hmm_range_valid should not have succeeded."
 *
 * The fix is the 5.5 design that patch series introduced: mmu_interval_notifier sequence counts
 * (mmu_interval_read_begin / mmu_interval_read_retry under the driver lock, mmu_interval_set_seq
 * in the invalidate callback), modelled as `hmm/v5.5-interval-notifier`; it is checked against the
 * same stale-mapping property with the same kind of reclaim thread.
 *
 * The flagship `hmm/v5.2-valid-flag -p driver=doc` reaches the same race with a munmap thread
 * added; this model keeps only what the race needs, so its counterexample is the race alone.
 */
import { defineModel } from '../../src/index.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';
import { reclaim } from './v5.2/cpu.ts';
import { docDriver } from './v5.2/docDriver.ts';
import { hmmProperties } from './v5.2/properties.ts';
import { initialShared } from './v5.2/state.ts';

export const model = defineModel({
  name: 'hmm/v5.2-reclaim-race',
  description: 'Linux 5.2 range->valid: a reclaim start/end pair between snapshot and re-check goes unnoticed (hmm.rst driver)',
  params: { reclaims: 1 },
  expected: { verdict: 'violation', property: NO_STALE_MAPPING },
  sources: [
    'Documentation/vm/hmm.rst @023a019a9b4e (driver_populate_range, the 5.2 usage pattern)',
    'include/linux/hmm.h @897e6365cda6 (Linux 5.2): hmm_range_wait_until_valid 206-220, hmm_range_valid 227-230',
    '[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3 (mm/hmm.c 5.2 text)',
    'mm/rmap.c try_to_unmap_one (5.2): mmu_notifier_invalidate_range_start/end around ptep_clear_flush',
    '[PATCH hmm 03/15] mm/hmm: allow hmm_range to be used with a mmu_range_notifier or hmm_mirror (J. Gunthorpe, 15 Oct 2019)',
  ],
  build: ({ reclaims }) => ({
    shared: initialShared({ pages: 1, ranges: 1 }),
    actors: [
      { name: 'driver', routine: docDriver(), args: { r: 0 } },
      ...Array.from({ length: reclaims }, (_, i) => ({
        name: reclaims === 1 ? 'reclaim' : `reclaim${i}`,
        routine: reclaim,
        args: { start: 0, end: 1 },
      })),
    ],
    properties: hmmProperties(),
  }),
});
