/**
 * hmm/v5.2-release-mirror-use-after-free — Linux 5.2: mm teardown (exit_mmap → hmm_release) drops
 * `hmm->mirrors_sem` around each mirror's release callback, and in that window a driver's
 * hmm_mirror_unregister() completes and the driver frees the structure embedding the mirror.
 *
 * Expected verdict: violation of "use after free", from the kernel record: J. Gunthorpe, "[PATCH v4
 * hmm 11/12] mm/hmm: Remove confusing comment and logic from hmm_release" (24 Jun 2019,
 * idx:22687849745, merged for 5.3): "This fixes a use after-free race of the form: CPU1
 * hmm_release() up_write(&hmm->mirrors_sem); CPU0 hmm_mirror_unregister(mirror) down_write(...);
 * up_write(...); kfree(mirror); CPU1 mirror->ops->release(mirror)".
 *
 * Set-up: two devices mirror the process (two mirrors, struct hmm holds one reference for each);
 * the `driver` actor unregisters the first and frees it, the `exit` actor runs the mm's release
 * notifier. With a single mirror the driver's hmm_put() can free struct hmm itself and the shortest
 * failure is the struct hmm race of hmm/v5.2-teardown-use-after-free instead (`-p mirrors=1`).
 * Routines: models/hmm/v5.2/teardown.ts (hmm_release, hmm_mirror_unregister, __mmu_notifier_release).
 * The fix: hmm/v5.3-release.
 */
import { defineModel, USE_AFTER_FREE } from '../../src/index.ts';
import { driverTeardown, exitMmap, hmm_mirror_unregister, hmm_release, NULL_DEREF } from './v5.2/teardown.ts';
import { initialTeardown, teardownProperties } from './v5.2/teardownState.ts';

export const model = defineModel({
  name: 'hmm/v5.2-release-mirror-use-after-free',
  description: 'Linux 5.2: hmm_release drops mirrors_sem around mirror->ops->release while the driver unregisters and frees that mirror',
  params: { mirrors: 2 },
  expected: ({ mirrors }) => ({ verdict: 'violation', property: mirrors === 1 ? NULL_DEREF : USE_AFTER_FREE }),
  sources: [
    '[PATCH v4 hmm 11/12] mm/hmm: Remove confusing comment and logic from hmm_release (J. Gunthorpe, 24 Jun 2019; - lines = 5.2)',
    '[PATCH v4 hmm 01/12] mm/hmm: fix use after free with struct hmm in the mmu notifiers (- lines: 5.2 hmm_release, hmm_free)',
  ],
  build: ({ mirrors }) => ({
    shared: initialTeardown(mirrors),
    actors: [
      { name: 'driver', routine: driverTeardown(hmm_mirror_unregister) },
      { name: 'exit', routine: exitMmap(hmm_release) },
    ],
    properties: teardownProperties('release'),
  }),
});
