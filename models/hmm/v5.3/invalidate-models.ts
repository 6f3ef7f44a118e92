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
 * What the fix does not cover: the mmu notifier core calls every subscriber's start and returns
 * the last error, and the OOM reaper then skips invalidate_range_end for all of them. With a
 * second subscriber on the mm that refuses after HMM's start succeeded, HMM's `notifiers++` is
 * never undone. `-p subscribers=2` adds that subscriber; the expected verdict is then a violation
 * of "notifier count returns to zero", from the record: J. Gunthorpe, 24 Jul 2019 ("Re: [PATCH]
 * mm/hmm: replace hmm_update with mmu_notifier_range": "I see in __oom_reap_task_mm() ... an
 * unbalanced start/end pairing if any start returns EAGAIN? ... for instance hmm breaks because
 * the hmm->notifiers counter becomes unable to get to 0"; M. Hocko answered that the notifiers of
 * the time bailed out early, before doing anything that end would undo), and S. Christopherson's
 * fix, merged as c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()"
 * (5.12-rc3, Cc stable; mm/mmu_notifier.c: mn_hlist_invalidate_range_start() now calls
 * invalidate_range_end of every subscriber that has one when a start failed; "Verified by adding a
 * second notifier in KVM that periodically returns -EAGAIN on non-blockable ranges, triggering
 * OOM, and observing that KVM exits with an elevated notifier count"). Its v1, "[PATCH]
 * mm/oom_kill: Ensure MMU notifier range_end() is paired with range_start()" (10 Mar 2021), changed
 * the OOM reaper instead and was not merged. That fix came after hmm_mirror was removed (5.5), so
 * there is no fixed version of this code to pair it with; the post-5.5 pair is
 * hmm/v5.11-oom-hlist-unpaired / hmm/v5.12-oom-hlist-paired, and c2655835fd8c leaves the interval
 * tree's case open (hmm/v5.12-nouveau-oom-itree-leak).
 */
import { defineModel } from '../../../src/index.ts';
import { NOTIFIERS_RETURN_TO_ZERO, nonblockingSpec, type NonblockingScenario } from '../v5.2/oom.ts';
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
    params: { subscribers: 1 },
    expected: ({ subscribers }) => (subscribers === 2 ? { verdict: 'violation', property: NOTIFIERS_RETURN_TO_ZERO } : { verdict: 'pass' }),
    sources: SOURCES,
    build: ({ subscribers }) => {
      if (subscribers !== 1 && subscribers !== 2) throw new Error('subscribers must be 1 or 2');
      return nonblockingSpec<Shared53>(
        scenario,
        { version: '5.3', shared: initialShared53(), start: hmm_invalidate_range_start_nonblock, end: hmm_invalidate_range_end, waiter: waiter53 },
        { subscribers },
      );
    },
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
