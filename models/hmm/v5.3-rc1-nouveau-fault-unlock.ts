/**
 * hmm/v5.3-rc1-nouveau-fault-unlock — nouveau's GPU fault path in Linux 5.3-rc1
 * (drivers/gpu/drm/nouveau/nouveau_svm.c nouveau_svm_fault() with the include/linux/hmm.h
 * hmm_vma_fault()/hmm_vma_range_done() wrappers, on 5.3-rc1's mm/hmm.c), against munmap and page
 * reclaim. Code and citations: models/hmm/v5.3/nouveauFault.ts, nouveauHmm.ts.
 *
 * Expected verdict: violation of "lock discipline" (mmap_sem released twice), from the kernel
 * record: C. Hellwig, "[PATCH 4/6] nouveau: unlock mmap_sem on all errors from
 * nouveau_range_fault" (22 Jul 2019, idx:7867408386): "nouveau_svm_fault expects
 * nouveau_range_fault to never unlock mmap_sem, but the latter unlocks it for a random selection of
 * error codes"; J. Gunthorpe's 5.3-rc pull (idx:8479550213): "It works correctly in the success
 * case, but many of the the edge cases have missing unlocks or double unlocks." Every error return
 * of hmm_vma_fault() except a register failure has already dropped mmap_sem (the wait timeout, -EBUSY
 * and 0 from hmm_range_fault, and -EAGAIN where hmm_range_fault dropped it), and nouveau_svm_fault()
 * runs up_read() after every return.
 *
 * The fix: hmm/v5.3-nouveau-fault-unlock. Not checked by default: "unregister exactly once" (`-p
 * unregister=true`), because the wait-timeout path returns with the range still registered in both
 * versions (scenario 7 of the suite; see the fixed model).
 */
import { defineModel, LOCK_DISCIPLINE } from '../../src/index.ts';
import { buildNouveau, nouveauDefaults } from './v5.3/nouveauModel.ts';

export const model = defineModel({
  name: 'hmm/v5.3-rc1-nouveau-fault-unlock',
  description: 'Linux 5.3-rc1 nouveau_svm_fault + hmm_vma_fault: mmap_sem dropped by the callee on some errors and again by the caller',
  params: nouveauDefaults,
  // "It works correctly in the success case": with no invalidating thread every fault succeeds.
  expected: ({ munmaps, reclaims }) => (munmaps + reclaims === 0 ? { verdict: 'pass' } : { verdict: 'violation', property: LOCK_DISCIPLINE }),
  sources: [
    'drivers/gpu/drm/nouveau/nouveau_svm.c (Linux 5.3-rc1): nouveau_svm_fault',
    'include/linux/hmm.h (Linux 5.3-rc1): hmm_vma_fault, hmm_vma_range_done (- lines of [PATCH 2/6] mm: move hmm_vma_range_done and hmm_vma_fault to nouveau)',
    '[PATCH 4/6] nouveau: unlock mmap_sem on all errors from nouveau_range_fault (C. Hellwig, 22 Jul 2019)',
  ],
  build: (params) => buildNouveau('rc1', params),
});
