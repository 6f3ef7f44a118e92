/**
 * hmm/v5.3-nonblocking-notifier-count and hmm/v5.3-nonblocking-eagain — the 5.3 fix of the two
 * error flows of hmm/v5.2-nonblocking-notifier-leak and hmm/v5.2-nonblocking-lost-eagain (hmm.md
 * scenarios 3 and 4), with the same actors (OOM reaper, another mirror's unregister or the busy
 * driver) and the same properties (models/hmm/v5.2/oom.ts).
 *
 * Code modelled: models/hmm/v5.3/invalidate-hmm.ts (mm/hmm.c 5.3 after "[PATCH v3 hmm 12/12]
 * mm/hmm: Fix error flows in hmm_invalidate_range_start", J. Gunthorpe, 13 Jun 2019).
 *
 * Expected verdict: pass, from the fix itself. A failed mirrors_sem trylock now runs
 * notifiers_decrement() before returning -EAGAIN ("The error unwind is necessary since the
 * notifiers count must be held incremented across the call to sync_cpu_device_pagetables()"),
 * and the loop's `int rc` no longer shadows `ret`, so a mirror's -EAGAIN reaches the OOM reaper,
 * which then leaves the vma alone.
 *
 * Not covered: the mmu notifier core still skips invalidate_range_end for every subscriber when
 * any one of them fails a nonblocking start, so with a second subscriber that refuses after HMM's
 * start succeeded, HMM's count still leaks (J. Gunthorpe raised it on 24 Jul 2019, "Re: [PATCH]
 * mm/hmm: replace hmm_update with mmu_notifier_range"; the OOM reaper was changed to always call
 * range_end in 2021). These models have HMM as the only subscriber.
 */
import { defineModel } from '../../../src/index.ts';
import { nonblockingSpec, type NonblockingScenario } from '../v5.2/oom.ts';
import { hmm_invalidate_range_end, hmm_invalidate_range_start_nonblock, initialShared53, waiter53, type Shared53 } from './invalidate-hmm.ts';

const SOURCES = [
  '"[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start", J. Gunthorpe, 13 Jun 2019 (+ lines)',
  'mm/hmm.c 5.3-rc1 (stored copy after the "HMM patches for 5.3" pull): notifiers_decrement, hmm_invalidate_range_start/end, hmm_range_register/unregister',
  'include/linux/hmm.h 5.3: hmm_range_wait_until_valid = wait_event_timeout(range->hmm->wq, range->valid, ...) != 0',
  'mm/oom_kill.c __oom_reap_task_mm (unchanged in 5.3)',
];

function model53(scenario: NonblockingScenario, name: string, description: string) {
  return defineModel({
    name,
    description,
    params: {},
    expected: { verdict: 'pass' },
    sources: SOURCES,
    build: () =>
      nonblockingSpec<Shared53>(scenario, {
        version: '5.3',
        shared: initialShared53(),
        start: hmm_invalidate_range_start_nonblock,
        end: hmm_invalidate_range_end,
        waiter: waiter53,
      }),
  });
}

export const notifierCount53 = model53(
  'notifier-leak',
  'hmm/v5.3-nonblocking-notifier-count',
  'Linux 5.3: a failed mirrors_sem trylock in a nonblocking start undoes notifiers++ (notifiers_decrement)',
);

export const eagain53 = model53(
  'lost-eagain',
  'hmm/v5.3-nonblocking-eagain',
  'Linux 5.3: a mirror\'s -EAGAIN reaches the OOM reaper, which skips the vma',
);
