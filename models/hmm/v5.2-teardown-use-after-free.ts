/**
 * hmm/v5.2-teardown-use-after-free — Linux 5.2: a driver's hmm_mirror_unregister() drops the last
 * reference on `struct hmm` and hmm_free() kfree()s it at once, while page reclaim is inside the
 * mmu notifiers with `mn == &hmm->mmu_notifier` in hand.
 *
 * Expected verdict: violation of "use after free", from the kernel record: J. Gunthorpe, "[PATCH v4
 * hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu notifiers" (24 Jun 2019,
 * idx:22901006185, merged for 5.3 via "HMM patches for 5.3", idx:48789769626):
 * "mmu_notifier_unregister_no_release() is not a fence and the mmu_notifier system will continue to
 * reference hmm->mn until the srcu grace period expires. Resulting in use after free races like
 * this:" CPU1 in __mmu_notifier_invalidate_range_start() under srcu_read_lock finds mn == hmm->mn;
 * CPU0 hmm_mirror_unregister() → hmm_put() → hmm_free() → mmu_notifier_unregister_no_release(),
 * mm->hmm = NULL, kfree(hmm); CPU1 then calls mn->ops->invalidate_range_start(mn, range) and
 * mm_get_hmm() / mutex_lock(&hmm->lock) on freed memory.
 *
 * What the model adds to the record: reading the 5.2 code there are two outcomes of the same race,
 * both bugs. If reclaim reads `mm->hmm` before hmm_free() clears it, its kref_get_unless_zero() (or
 * already its `mn->ops` load) touches freed memory: the use after free above. If it reads `mm->hmm`
 * after, mm_get_hmm() returns NULL and `VM_BUG_ON(!hmm)` fires (with CONFIG_DEBUG_VM; without it
 * `mutex_lock(&hmm->lock)` dereferences NULL). The shortest counterexample is the use after free
 * (the `mn->ops` load right after the kfree); `--property "NULL pointer dereference"` shows the other.
 *
 * Actors: `driver` (hmm_mirror_unregister of the process's only mirror, holding the only reference)
 * and `reclaim` (try_to_unmap_one of one page). Routines: models/hmm/v5.2/teardown.ts.
 * The fix: hmm/v5.3-teardown.
 */
import { defineModel } from '../../src/index.ts';
import { hmm_mirror_unregister, NULL_DEREF, reclaim } from './v5.2/teardown.ts';
import { initialTeardown, teardownProperties } from './v5.2/teardownState.ts';

export const model = defineModel({
  name: 'hmm/v5.2-teardown-use-after-free',
  description: 'Linux 5.2: hmm_mirror_unregister frees struct hmm (no SRCU grace period) while reclaim runs hmm\'s mmu notifier',
  params: {},
  expected: { verdict: 'violation', property: NULL_DEREF },
  sources: [
    '[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu notifiers (J. Gunthorpe, 24 Jun 2019; - lines = 5.2)',
    '[RFC PATCH 09/11] mm/hmm: Remove racy protection against double-unregistration (- lines: 5.2 hmm_mirror_unregister)',
    'include/linux/hmm.h @897e6365cda6 (Linux 5.2): struct hmm',
  ],
  build: () => ({
    shared: initialTeardown(),
    actors: [
      { name: 'driver', routine: hmm_mirror_unregister },
      { name: 'reclaim', routine: reclaim },
    ],
    properties: teardownProperties(),
  }),
});
