/**
 * hmm/v5.3-release — the Linux 5.3 fix of hmm/v5.2-release-mirror-use-after-free: hmm_release()
 * holds `mirrors_sem` for read across every mirror's release callback, so hmm_mirror_unregister()'s
 * down_write() cannot complete (and the driver cannot free the mirror) while a callback runs; the
 * notifier finds struct hmm through container_of and kref_get_unless_zero, and struct hmm is freed
 * after an SRCU grace period (as in hmm/v5.3-teardown).
 *
 * Expected verdict: pass, from the record: J. Gunthorpe, "[PATCH v4 hmm 11/12] mm/hmm: Remove
 * confusing comment and logic from hmm_release" (idx:22687849745): "This fixes a use after-free
 * race ... As a consequence of plugging this race drivers are not allowed to register/unregister
 * mirrors from within a release op." Merged for 5.3 (idx:48789769626); 5.3 text idx:9734602.
 * Same set-up as the 5.2 model (two mirrors; `-p mirrors=1` passes too).
 */
import { defineModel } from '../../src/index.ts';
import { driverTeardown, exitMmap } from './v5.2/teardown.ts';
import { initialTeardown, teardownProperties } from './v5.2/teardownState.ts';
import { hmm_mirror_unregister, hmm_release, srcu_callbacks } from './v5.3/teardown.ts';

export const model = defineModel({
  name: 'hmm/v5.3-release',
  description: 'Linux 5.3: hmm_release holds mirrors_sem for read across the release callbacks: the 5.2 mirror use after free fixed',
  params: { mirrors: 2 },
  expected: { verdict: 'pass' },
  sources: [
    'mm/hmm.c (Linux 5.3; copy idx:9734602): hmm_release, hmm_mirror_unregister, hmm_free',
    '[PATCH v4 hmm 11/12] mm/hmm: Remove confusing comment and logic from hmm_release (J. Gunthorpe, 24 Jun 2019)',
  ],
  build: ({ mirrors }) => ({
    shared: initialTeardown(mirrors),
    actors: [
      { name: 'driver', routine: driverTeardown(hmm_mirror_unregister) },
      { name: 'exit', routine: exitMmap(hmm_release) },
      { name: 'srcu', routine: srcu_callbacks },
    ],
    properties: teardownProperties('release'),
  }),
});
