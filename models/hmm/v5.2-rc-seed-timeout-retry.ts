/**
 * hmm/v5.2-rc-seed-timeout-retry — scenario 6 of the HMM suite: the seed review's pseudo-code
 * taking its "goto again" branch after hmm_range_wait_until_valid() times out.
 *
 * Code modelled:
 * - Driver: `mydevice_prefault()`, the pseudo-code in include/linux/hmm.h of "[PATCH v2 06/11]
 *   mm/hmm: improve driver API to work and wait over a range v2" (J. Glisse, 25 Mar 2019, hmm.h
 *   blob 79671036cb5f, lines ~432-485; quoted in I. Weiny's review of 28 Mar 2019), as
 *   models/hmm/v5.2/seedDriver.ts with `onTimeout = 'retry'`. The lines at issue:
 *   ```
 *   down_read(mm->mmap_sem);
 *   again:
 *   if (!hmm_range_wait_until_valid(&range, TIMEOUT)) {
 *       up_read(&mm->mmap_sem);
 *       hmm_range_unregister(range);
 *       // Handle time out, either sleep or retry or something else
 *       ...
 *       return -ESOMETHING; || goto again;
 *   }
 *   ```
 * - hmm_range_wait_until_valid: include/linux/hmm.h @897e6365cda6 (Linux 5.2) lines 206-220; its
 *   first test (line 210) `if (range->hmm == NULL || ...) { range->valid = false; return false; }`
 *   is what the retry meets, because hmm_range_unregister (mm/hmm.c 5.2) set range->hmm = NULL.
 * - munmap (mm/mmap.c 5.2, __vm_munmap → __do_munmap with downgrade_write → unmap_region →
 *   unmap_vmas with mmu_notifier_invalidate_range_start/end): the invalidation that keeps the range
 *   invalid long enough for the wait to time out. The timeout of wait_event_timeout is a
 *   nondeterministic choice while the condition is false (HMM_RANGE_DEFAULT_TIMEOUT is 1000 ms).
 *
 * Expected verdict, derived from the code: "lock discipline". After the timeout branch has run
 * up_read() and hmm_range_unregister(), `goto again` re-enters hmm_range_wait_until_valid(), which
 * returns false at once (range->hmm == NULL), so the branch runs again: the second up_read() of
 * mmap_sem by a thread that no longer holds it is the first violation (an unbalanced up_read
 * corrupts the rwsem count; with CONFIG_DEBUG_RWSEMS it warns). The next statement would be a
 * second hmm_range_unregister() — a silent no-op in 5.2 (range->hmm == NULL), but a breach of the
 * header's "ONCE AND ONLY ONCE" rule (5.3 poisons range->hmm so that a double unregister "will
 * reliably crash") — and the loop then never ends. The lock-discipline step comes first in
 * program order, so it is the verdict.
 *
 * The fix in the record: v3 of the patch (3 Apr 2019) dropped this pseudo-code for the pattern in
 * Documentation/vm/hmm.rst (`driver=doc`, models/hmm/v5.2/docDriver.ts), which ignores the wait's
 * result, takes mmap_sem at `again:` and lets hmm_range_snapshot() report -EAGAIN instead. With
 * the same munmap thread it passes every property (the hmm.rst driver's remaining valid-flag race
 * needs a thread that invalidates without mmap_sem: see hmm/v5.2-reclaim-race).
 */
import { defineModel } from '../../src/index.ts';
import { LOCK_DISCIPLINE } from '../../src/index.ts';
import { munmap } from './v5.2/cpu.ts';
import { docDriver } from './v5.2/docDriver.ts';
import { hmmProperties } from './v5.2/properties.ts';
import { seedDriver } from './v5.2/seedDriver.ts';
import { initialShared } from './v5.2/state.ts';

export const model = defineModel({
  name: 'hmm/v5.2-rc-seed-timeout-retry',
  description: 'Seed pseudo-code: "goto again" after a wait timeout, with the range unregistered and mmap_sem released',
  params: { driver: 'seed' },
  expected: ({ driver }) => (driver === 'doc' ? { verdict: 'pass' } : { verdict: 'violation', property: LOCK_DISCIPLINE }),
  sources: [
    '[PATCH v2 06/11] mm/hmm: improve driver API to work and wait over a range v2 (seed pseudo-code, mydevice_prefault)',
    'include/linux/hmm.h @897e6365cda6 (Linux 5.2): hmm_range_wait_until_valid 206-220',
    '[PATCH v3 06/11] ... v3 (mm/hmm.c 5.2 text: hmm_range_unregister sets range->hmm = NULL)',
    'Documentation/vm/hmm.rst @023a019a9b4e (the fix: the pattern 5.2 shipped)',
    'mm/mmap.c __do_munmap (5.2): downgrade_write before unmap_region',
  ],
  build: ({ driver }) => {
    if (driver !== 'seed' && driver !== 'doc') throw new Error('driver must be "seed" or "doc"');
    return {
      shared: initialShared({ pages: 1, ranges: 1 }),
      actors: [
        { name: 'driver', routine: driver === 'doc' ? docDriver() : seedDriver('retry'), args: { r: 0 } },
        { name: 'munmap', routine: munmap, args: { start: 0, end: 1 } },
      ],
      properties: hmmProperties(),
    };
  },
});
