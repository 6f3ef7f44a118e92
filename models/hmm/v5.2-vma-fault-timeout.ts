/**
 * hmm/v5.2-vma-fault-timeout — scenario 7 of the HMM suite: Linux 5.2's hmm_vma_fault() returns
 * -EAGAIN from its timeout path with the range still registered.
 *
 * Code modelled:
 * - hmm_vma_fault / hmm_vma_range_done: include/linux/hmm.h @897e6365cda6 (Linux 5.2) lines
 *   532-573 / 523-529, and hmm_range_fault from mm/hmm.c 5.2 (models/hmm/v5.2/fault.ts, sources
 *   there). The timeout path, hmm.h 551-559:
 *   ```
 *   if (!hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT)) {
 *       /* The mmap_sem was taken by driver we release it here and returns -EAGAIN which
 *        * correspond to mmap_sem have been drop in the old API. *\/
 *       up_read(&range->vma->vm_mm->mmap_sem);
 *       return -EAGAIN;
 *   }
 *   ```
 *   Every other error path of the wrapper calls hmm_range_unregister(); this one does not.
 * - The driver (models/hmm/v5.2/faultDriver.ts): the fault path the wrappers were kept for, which
 *   treats a non-zero return as an error with nothing left to undo.
 * - munmap (mm/mmap.c 5.2, notifier calls after downgrade_write): registering while its
 *   invalidation is in flight leaves the range invalid (hmm_range_register sets `valid` only when
 *   `notifiers == 0`), which is when the wait can time out.
 *
 * Expected verdict, from the code and the record: violation of "unregister exactly once (by the
 * end)": the driver returns -EAGAIN with its (on-stack, in nouveau) range still on hmm->ranges and
 * the hmm reference taken by hmm_range_register never dropped. R. Campbell, "[PATCH 4/5] mm/hmm:
 * hmm_vma_fault() doesn't always call hmm_range_unregister()" (6 May 2019): "missing a call to
 * hmm_range_unregister() in one of the error paths. This leads to a reference count leak and
 * ultimately a memory leak on struct hmm." The fix pinned here (`fixed=true`) is that patch:
 * hmm_range_unregister() first in the timeout branch; with it every property holds.
 *
 * What the record says happened to the fix: the patch was not merged. J. Gunthorpe (6 Jun 2019) called it "a clear improvement" but asked for a resend
 * that also fixed the callers, since "hmm_vma_fault() still returns with the range registered" on
 * success and nouveau never unregistered. C. Hellwig then moved the wrapper into nouveau as
 * nouveau_range_fault() for 5.3 ("mm/hmm: move hmm_vma_range_done and hmm_vma_fault to nouveau",
 * Jul 2019, in the 5.3-rc hmm pull), and every
 * version of its timeout branch in the record since (`up_read(...); return -EAGAIN;`, then
 * `return -EBUSY;`) still lacks hmm_range_unregister(): the `-` lines of J. Gunthorpe's "[PATCH
 * hmm 11/15] nouveau: use mmu_range_notifier instead of hmm_mirror" (15 Oct 2019, base 5.4-rc)
 * show it unchanged. The path disappeared only when that patch (Linux 5.5) replaced
 * hmm_range_register with an interval notifier that nouveau always removes.
 *
 * `caller=kerneldoc`: the same wrappers under the "Expected use pattern" of the pre-5.2
 * hmm_vma_fault() kerneldoc, the "old API" the 5.2 wrapper says it emulates
 * (kerneldocFaultDriver in faultDriver.ts). That pattern answers -EAGAIN with
 * hmm_vma_range_done(), so it does unregister after the 5.2 timeout path; but
 * - with the 5.2 wrapper it fails "lock discipline": when hmm_range_fault() finds the range
 *   invalid it drops mmap_sem and returns -EAGAIN, which the wrapper turns into -EBUSY ("Same as
 *   above drop mmap_sem to match old API" covers only -EBUSY and 0); the old pattern's `default:`
 *   branch treats -EBUSY as an error with mmap_sem held and runs up_read() a second time (the
 *   mmap_sem confusion C. Hellwig removed in 5.3-rc, "always return EBUSY for invalid ranges");
 * - with R. Campbell's fix it fails "unregister exactly once": the wrapper unregisters on timeout
 *   and the pattern's hmm_vma_range_done() unregisters again (a silent no-op in 5.2, a crash once
 *   5.3 poisons range->hmm). So the fix is right for the callers that existed, and wrong for the
 *   documented one: the wrapper's registration state after -EAGAIN was never specified, which is
 *   the substance of J. Gunthorpe's "needs revision".
 */
import { defineModel, LOCK_DISCIPLINE } from '../../src/index.ts';
import { munmap } from './v5.2/cpu.ts';
import { faultDriver, kerneldocFaultDriver } from './v5.2/faultDriver.ts';
import { hmmProperties, UNREGISTER_ONCE } from './v5.2/properties.ts';
import { initialShared } from './v5.2/state.ts';

export const model = defineModel({
  name: 'hmm/v5.2-vma-fault-timeout',
  description: 'Linux 5.2 hmm_vma_fault(): the wait-timeout path returns -EAGAIN with the range still registered',
  params: { fixed: false, munmaps: 1, caller: 'error-return' },
  expected: ({ fixed, munmaps, caller }) => {
    if (munmaps === 0) return { verdict: 'pass' };
    if (caller === 'kerneldoc') return { verdict: 'violation', property: fixed ? UNREGISTER_ONCE : LOCK_DISCIPLINE };
    return fixed ? { verdict: 'pass' } : { verdict: 'violation', property: `${UNREGISTER_ONCE} (by the end)` };
  },
  sources: [
    'include/linux/hmm.h @897e6365cda6 (Linux 5.2): hmm_vma_range_done 523-529, hmm_vma_fault 532-573',
    '[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3 (mm/hmm.c 5.2 hmm_range_fault)',
    '[PATCH 4/5] mm/hmm: hmm_vma_fault() doesn\'t always call hmm_range_unregister() (R. Campbell, 6 May 2019): the fix',
    'Re: [PATCH 4/5] (J. Gunthorpe, 6 Jun 2019): nouveau never unregisters; resend requested',
    '[PATCH hmm 11/15] nouveau: use mmu_range_notifier instead of hmm_mirror (J. Gunthorpe, 15 Oct 2019; - lines = 5.4-rc nouveau_range_fault)',
  ],
  build: ({ fixed, munmaps, caller }) => {
    if (caller !== 'error-return' && caller !== 'kerneldoc') throw new Error('caller must be "error-return" or "kerneldoc"');
    const driver = caller === 'kerneldoc' ? kerneldocFaultDriver(fixed) : faultDriver(fixed);
    return {
      shared: initialShared({ pages: 1, ranges: 1 }),
      actors: [
        { name: 'driver', routine: driver, args: { r: 0 } },
        ...Array.from({ length: munmaps }, (_, i) => ({
          name: munmaps === 1 ? 'munmap' : `munmap${i}`,
          routine: munmap,
          args: { start: 0, end: 1 },
        })),
      ],
      properties: hmmProperties(),
    };
  },
});
