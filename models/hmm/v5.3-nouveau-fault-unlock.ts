/**
 * hmm/v5.3-nouveau-fault-unlock — the 5.3-rc fix of hmm/v5.3-rc1-nouveau-fault-unlock: C.
 * Hellwig's four patches merged as "HMM patches for 5.3-rc" (idx:8479550213, tip de4ee728465f
 * "nouveau: unlock mmap_sem on all errors from nouveau_range_fault"): hmm_range_fault() keeps
 * mmap_sem and returns -EBUSY for an invalid range, nouveau_range_fault() releases mmap_sem on
 * every nonzero return, and nouveau_svm_fault() releases it only after a successful fault.
 *
 * Expected verdict: pass (lock discipline, no lock held at exit, deadlock; the device does get
 * mapped), from the record: the fix's stated rule ("always unlocking mmap_sem for non-zero return
 * values in nouveau_range_fault, and only unlocking it in the caller for successful returns").
 *
 * Left open by the fix (checked with `-p unregister=true`, which fails): the wait-timeout path
 * still returns `-EAGAIN` (cosmetically -EBUSY from 5.4, idx:9082121448) with the range on
 * hmm->ranges. That range is `struct hmm_range range;` on nouveau_svm_fault()'s stack, so once
 * nouveau_svm_fault() returns, hmm->ranges links a dead stack frame: the next
 * hmm_invalidate_range_start() walks the list and writes `range->valid = false` into it (a stack
 * use after free, and list corruption once the frame is reused), and the 5.3 hmm_range_register()'s
 * `mmget_not_zero(hmm->mm)` is never matched by the `mmput()` in hmm_range_unregister(), so the
 * mm is never torn down. With `-p unregister=true` the frame's lifetime is tracked (the return
 * from nouveau_svm_fault frees it) and the first violation is that **use after free** (22 steps:
 * reclaim invalidates during the wait, the wait times out, nouveau returns, munmap's
 * invalidation walks hmm->ranges); "unregister exactly once (by the end)" fails too
 * (`--property "unregister exactly once (by the end)"`). R. Campbell reported the unregister leak
 * for hmm_vma_fault in May 2019 ("[PATCH 4/5] mm/hmm: hmm_vma_fault() doesn't always call
 * hmm_range_unregister()", idx:14560692509); it is scenario 7 of the suite. The stack lifetime and
 * the mmget are our reading of the 5.3 code (nouveau_svm_fault's `struct hmm_range range`, the
 * mmget_not_zero in hmm_range_register of "mm/hmm: Hold on to the mmget for the lifetime of the
 * range"); we found no report of the use after free itself.
 */
import { defineModel } from '../../src/index.ts';
import { buildNouveau, nouveauDefaults } from './v5.3/nouveauModel.ts';

export const model = defineModel({
  name: 'hmm/v5.3-nouveau-fault-unlock',
  description: 'Linux 5.3 (rc fix de4ee728465f): nouveau_range_fault releases mmap_sem on every error, the caller only on success',
  params: nouveauDefaults,
  expected: ({ unregister }) => (unregister ? { verdict: 'violation', property: 'use after free' } : { verdict: 'pass' }),
  sources: [
    'drivers/gpu/drm/nouveau/nouveau_svm.c (Linux 5.3): nouveau_range_fault, nouveau_range_done, nouveau_svm_fault',
    '[PATCH 1/6] mm/hmm: always return EBUSY for invalid ranges in hmm_range_{fault,snapshot}; [PATCH 4/6] nouveau: unlock mmap_sem on all errors from nouveau_range_fault',
    '[GIT PULL] Please pull hmm changes (HMM patches for 5.3-rc, J. Gunthorpe, 30 Jul 2019)',
  ],
  build: (params) => buildNouveau('fixed', params),
});
