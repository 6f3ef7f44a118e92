/**
 * hmm/v5.2-nonblocking-notifier-leak and hmm/v5.2-nonblocking-lost-eagain — Linux 5.2's
 * hmm_invalidate_range_start() called without blocking by the OOM reaper (hmm.md scenarios 3 and 4).
 * Paired with the 5.3 fix in models/hmm/v5.3/invalidate-models.ts (same actors, same properties).
 *
 * Code modelled (citations with the routines):
 * - the nonblocking branches of hmm_invalidate_range_start, mm/hmm.c 5.2 (~lines 185-237):
 *   `hmm_invalidate_range_start_nonblock` in models/hmm/v5.2/hmm.ts, read from the `-` lines of
 *   "[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start" (J. Gunthorpe,
 *   13 Jun 2019) and the `+` lines of "[PATCH v3 06/11] mm/hmm: improve driver API to work and wait
 *   over a range v3" (J. Glisse, 3 Apr 2019);
 * - hmm_invalidate_range_end, hmm_range_register / unregister, hmm_range_wait_until_valid: the
 *   flagship's 5.2 routines (models/hmm/v5.2/hmm.ts, include/linux/hmm.h @897e6365cda6);
 * - the OOM reaper (mm/oom_kill.c 5.2), another mirror's hmm_mirror_unregister, the driver's
 *   nonblocking sync_cpu_device_pagetables: models/hmm/v5.2/oom.ts and hmm.ts.
 *
 * Expected verdicts, from the commit message of the 5.3 fix (not from a run):
 * - notifier-leak: "notifier count returns to zero" is violated. "If the trylock on the
 *   hmm->mirrors_sem fails the function will return without decrementing the notifiers that were
 *   previously incremented. Since the caller will not call invalidate_range_end() on EAGAIN this
 *   will result in notifiers becoming permanently incremented and deadlock." The driver's range
 *   then never becomes valid again (every wait times out): the second invariant, "ranges valid
 *   again once no invalidation runs", fails in the same state.
 * - lost-eagain: "no stale device mapping" is violated. "If the sync_cpu_device_pagetables()
 *   required blocking the function will not return EAGAIN even though the device continues to
 *   touch the pages. This is a violation of the mmu notifier contract." The reaper then zaps the
 *   CPU pte while the device still maps the page.
 *
 * Scope: one page, one vma, one reaping pass. The device maps page 0 from an earlier, completed
 * fault, so the valid-flag race of scenario 2 (which 5.3 still has) cannot hide these bugs: the
 * driver in these models never programs the device.
 */
import { call, defineModel, routine, step } from '../../src/index.ts';
import { hmm_invalidate_range_end, hmm_invalidate_range_start_nonblock, hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid } from './v5.2/hmm.ts';
import { NOTIFIERS_RETURN_TO_ZERO, initialShared52, nonblockingSpec, type NonblockingScenario, type Shared52 } from './v5.2/oom.ts';
import type { Shared } from './v5.2/state.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';

interface WaiterLocals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean;
}

/**
 * The start of the fault path documented for 5.2 (Documentation/vm/hmm.rst @023a019a9b4e):
 * `hmm_range_register(&range); hmm_range_wait_until_valid(&range, TIMEOUT);`, after which this
 * driver gives up and unregisters (the snapshot and device update that would follow are scenario
 * 2's, left out here).
 */
const waiter52 = routine<Shared, WaiterLocals, { r: number }>('driver_populate_range', {
  locals: ({ r }) => ({ r, ret: 0, ok: false }),
  body: [
    call(hmm_range_register, (_g, my: WaiterLocals) => ({ r: my.r }), { into: 'ret' }),
    step('if (ret) return ret', ({ my, exit }) => {
      if (my.ret !== 0) exit();
    }),
    call(hmm_range_wait_until_valid, (_g, my: WaiterLocals) => ({ r: my.r }), { into: 'ok' }),
    call(hmm_range_unregister, (_g, my: WaiterLocals) => ({ r: my.r })),
  ],
});

const SOURCES = [
  'mm/hmm.c 5.2 hmm_invalidate_range_start: "[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start" (- lines), J. Gunthorpe, 13 Jun 2019',
  '"[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3", J. Glisse, 3 Apr 2019',
  'include/linux/hmm.h @897e6365cda6 (Linux 5.2): hmm_range_wait_until_valid, sync_cpu_device_pagetables contract (lines 427-444)',
  'mm/oom_kill.c 5.2 __oom_reap_task_mm (hunk @531 in "[PATCH v6 5/8] mm/mmu_notifier: contextual information for event triggering invalidation v2")',
];

function model52(scenario: NonblockingScenario, name: string, description: string, property: string) {
  return defineModel({
    name,
    description,
    params: {},
    expected: { verdict: 'violation', property },
    sources: SOURCES,
    build: () =>
      nonblockingSpec<Shared52>(scenario, {
        version: '5.2',
        shared: initialShared52(),
        start: hmm_invalidate_range_start_nonblock,
        end: hmm_invalidate_range_end,
        waiter: waiter52,
      }),
  });
}

export const notifierLeak52 = model52(
  'notifier-leak',
  'hmm/v5.2-nonblocking-notifier-leak',
  'Linux 5.2: the OOM reaper\'s nonblocking start fails the mirrors_sem trylock after notifiers++ (count never returns to 0)',
  NOTIFIERS_RETURN_TO_ZERO,
);

export const lostEagain52 = model52(
  'lost-eagain',
  'hmm/v5.2-nonblocking-lost-eagain',
  'Linux 5.2: a mirror refuses a nonblocking invalidation with -EAGAIN, the shadowed ret returns 0, the OOM reaper zaps under the device',
  NO_STALE_MAPPING,
);
