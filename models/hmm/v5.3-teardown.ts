/**
 * hmm/v5.3-teardown — the Linux 5.3 fix of hmm/v5.2-teardown-use-after-free: the same driver
 * (hmm_mirror_unregister dropping the last reference) and the same reclaim thread in the mmu
 * notifiers, with 5.3's hmm_free (kfree deferred by mmu_notifier_call_srcu) and notifiers that find
 * struct hmm through container_of and bail out when kref_get_unless_zero fails.
 *
 * Expected verdict: pass (every property: use after free, the NULL dereference the 5.2 model also
 * finds, lock discipline, no lock held at exit, deadlock), from the record: J. Gunthorpe, "[PATCH v4
 * hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu notifiers" (idx:22901006185):
 * "Use SRCU to kfree the hmm memory so that the notifiers can rely on hmm existing. Get the now-safe
 * hmm struct through container_of and directly check kref_get_unless_zero to lock it against
 * free." Merged for 5.3 (idx:48789769626). Both `sometimes` properties are reached: the notifier
 * does run on struct hmm, and struct hmm does get freed.
 *
 * Routines: models/hmm/v5.3/teardown.ts (5.3 hmm.c), models/hmm/v5.2/teardown.ts (notifier core,
 * reclaim). The SRCU callback is an actor of its own (`srcu`).
 */
import { defineModel } from '../../src/index.ts';
import { initialTeardown, teardownProperties } from './v5.2/teardownState.ts';
import { hmm_mirror_unregister, reclaim, srcu_callbacks } from './v5.3/teardown.ts';

export const model = defineModel({
  name: 'hmm/v5.3-teardown',
  description: 'Linux 5.3: struct hmm freed after an SRCU grace period, notifiers take kref_get_unless_zero via container_of: the 5.2 teardown race fixed',
  params: {},
  expected: { verdict: 'pass' },
  sources: [
    'mm/hmm.c (Linux 5.3; copy idx:9734602): hmm_free, hmm_invalidate_range_start/end, hmm_mirror_unregister',
    '[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu notifiers (J. Gunthorpe, 24 Jun 2019)',
  ],
  build: () => ({
    shared: initialTeardown(),
    actors: [
      { name: 'driver', routine: hmm_mirror_unregister },
      { name: 'reclaim', routine: reclaim },
      { name: 'srcu', routine: srcu_callbacks },
    ],
    properties: teardownProperties(),
  }),
});
