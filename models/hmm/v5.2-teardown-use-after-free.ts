/**
 * hmm/v5.2-teardown-use-after-free — Linux 5.2: a driver's hmm_mirror_unregister() drops the last
 * reference on `struct hmm` and hmm_free() kfree()s it at once, while page reclaim is inside the
 * mmu notifiers with `mn == &hmm->mmu_notifier` in hand.
 *
 * The kernel record: J. Gunthorpe, "[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm
 * in the mmu notifiers" (24 Jun 2019, idx:22901006185, merged for 5.3 via "HMM patches for 5.3",
 * idx:48789769626): "mmu_notifier_unregister_no_release() is not a fence and the mmu_notifier
 * system will continue to reference hmm->mn until the srcu grace period expires. Resulting in use
 * after free races like this:" CPU1 in __mmu_notifier_invalidate_range_start() under
 * srcu_read_lock finds mn == hmm->mn; CPU0 hmm_mirror_unregister() → hmm_put() → hmm_free() →
 * mmu_notifier_unregister_no_release(); CPU1 mn->ops->invalidate_range_start(mn, range) →
 * mm_get_hmm(); CPU0 mm->hmm = NULL; kfree(hmm); CPU1 mutex_lock(&hmm->lock).
 *
 * Expected verdict: violation of "NULL pointer dereference". The record is right, and for the
 * interleaving it draws the 5.2 code fails a step earlier than its use after free: there
 * mm_get_hmm() runs after hmm_put() has taken the count to zero, so its
 * `kref_get_unless_zero(&hmm->kref)` fails and it returns NULL (5.2: `struct hmm *hmm =
 * READ_ONCE(mm->hmm); if (hmm && kref_get_unless_zero(&hmm->kref)) return hmm; return NULL;`, the
 * `-` lines of "mm/hmm: Simplify hmm_get_or_create and make it reliable", idx:7729726233). The next
 * line is `VM_BUG_ON(!hmm)` (a BUG with CONFIG_DEBUG_VM) and then `mutex_lock(&hmm->lock)` on
 * NULL: a NULL dereference, the shortest failure (10 steps; struct hmm is not even freed yet). The
 * use after free the record names is reachable as well, in the same race: the notifier core's walk
 * of the mm's hlist reaches `mn == &hmm->mmu_notifier` and loads `mn->ops` from struct hmm after
 * kfree(hmm), or mm_get_hmm() reads mm->hmm before hmm_free() clears it and runs
 * kref_get_unless_zero() on freed memory (`--property "use after free"`: 14 steps). Both come from
 * the one missing grace period, and the one 5.3 fix closes both: the kfree deferred by
 * mmu_notifier_call_srcu (SRCU free), container_of instead of the mm->hmm read, and
 * `if (!kref_get_unless_zero(&hmm->kref)) return 0;` instead of VM_BUG_ON (hmm/v5.3-teardown
 * passes with every property, "use after free" and "NULL pointer dereference" alike). (The series
 * also knew the NULL side: a comment in a v3 revision of "Simplify hmm_get_or_create", quoted in C.
 * Hellwig's review idx:7212208813, reads "The mm->hmm pointer is kept valid while notifier ops can
 * be running so they don't have to deal with a NULL mm->hmm value".)
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
