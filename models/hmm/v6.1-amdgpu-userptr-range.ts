/**
 * hmm/v6.1-rc-amdgpu-userptr-shared-range and hmm/v6.1-amdgpu-userptr-range — two processes
 * submit command streams that use one amdgpu userptr BO while page reclaim invalidates it; before
 * and after "drm/amdgpu: fix userptr HMM range handling v2" (C. König, Nov 2022, Cc stable;
 * mainline 4458da0bb09d). Code and citations: models/hmm/amdgpu-userptr/cs.ts and invalidate.ts;
 * the core and reclaim are the post-5.5 ones (models/hmm/nouveau-svm/mmu_notifier.ts,
 * models/hmm/v5.2/oom.ts `reclaimer`).
 *
 * Properties (besides no stale device mapping, deadlock and lock discipline):
 * - each read-side pass checks its own range and sequence (where amdgpu_ttm_tt_get_user_pages_done
 *   runs mmu_interval_read_retry);
 * - mmu_interval_read_retry, under notifier_lock, gates programming the GPU: the retry runs with
 *   adev->notifier_lock held (the lock amdgpu_mn_invalidate_gfx calls mmu_interval_set_seq
 *   under), and a job is pushed only after this pass's own range passed it;
 * - no CS is refused because another validates the same userptr: the WARN_ON(gtt->range) the fix
 *   removed (the 6.1-rc "games hang at start" regression the fix closed).
 *
 * Expected verdicts from the fix: the shared slot violates them (the check and the store of
 * gtt->range are not atomic: both processes can pass the WARN, the second range overwrites the
 * first, one CS then checks the other's later sequence and the other checks nothing, since
 * `return !r` with no range says "valid"); the fix passes. The checker reports the WARN first (the
 * shortest); the other properties are pinned one at a time in models/hmm/post55.test.ts.
 *
 * What the model does not cover: the amdkfd and AMDGPU_GEM_USERPTR_VALIDATE callers, which run
 * amdgpu_ttm_tt_get_user_pages_done without notifier_lock ("FIXME: Must always hold notifier_lock
 * for this, and must not ignore the return code", in both versions).
 */
import { always, defineModel, reading, sometimes, type ModelSpec, type Routine } from '../../src/index.ts';
import { noLockHeldAtExit } from '../../properties/lockDiscipline.ts';
import { noStaleMapping } from '../../properties/noStaleMapping.ts';
import { csIoctl, RANGE_OWNED, RETRY_GATES, WARN_FIRES, type RangeSlot } from './amdgpu-userptr/cs.ts';
import { amdgpu_mn_invalidate_gfx } from './amdgpu-userptr/invalidate.ts';
import { initialAmdgpu, type AmdShared } from './amdgpu-userptr/state.ts';
import { entryPoints } from './nouveau-svm/mmu_notifier.ts';
import { reclaimer } from './v5.2/oom.ts';

const SOURCES = [
  '"drm/amdgpu: fix userptr HMM range handling v2", C. König, Nov 2022 (mainline 4458da0bb09d; review thread "[PATCH 2/4] drm/amdgpu: fix userptr HMM range handling")',
  'drivers/gpu/drm/amd/amdgpu: amdgpu_ttm_tt_get_user_pages(_done), amdgpu_hmm_range_get_pages(_done), amdgpu_cs_submit, amdgpu_mn_invalidate_gfx (5.5 to 6.1)',
  'regzbot report, 6.1-rc: "drm: amdgpu: some games (Cyberpunk 2077, Forza Horizon 4/5) hang at start", introduced in dd80d9c8eeca',
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const asActor = (r: unknown) => r as Routine<AmdShared, any, any>;

function userptrSpec(slot: RangeSlot): ModelSpec<AmdShared> {
  const { blocking, end } = entryPoints({ interval: amdgpu_mn_invalidate_gfx, hlist: [], unwind: 'none', order: 'itree-first' });
  const cs = csIoctl(slot);
  return {
    shared: initialAmdgpu(),
    actors: [
      { name: 'cs_A', routine: asActor(cs) },
      { name: 'cs_B', routine: asActor(cs) },
      { name: 'reclaim', routine: asActor(reclaimer(blocking, end)), args: { start: 0, end: 1 } },
    ],
    properties: [
      reading(
        noStaleMapping<AmdShared>((g) => g.device.pte.map((device, page) => ({ page, device, cpu: g.mm.pte[page] ?? null, invalidating: false }))),
        ['device.pte', 'mm.pte'],
      ),
      reading(always<AmdShared>(WARN_FIRES, (g) => g.gtt.ghost.warned === 0), ['gtt.ghost']),
      reading(always<AmdShared>(RANGE_OWNED, (g) => g.gtt.ghost.foreign === 0), ['gtt.ghost']),
      reading(always<AmdShared>(RETRY_GATES, (g) => g.gtt.ghost.ungated === 0), ['gtt.ghost']),
      noLockHeldAtExit<AmdShared>(),
      sometimes<AmdShared>('a GPU job uses the userptr pages', (g) => g.device.pte[0] !== null),
      sometimes<AmdShared>('a CS gets -EAGAIN and restarts', (_g, w) => [0, 1].some((t) => w.at(t, 'error_unlock: mutex_unlock(&p->adev->notifier_lock); return -EAGAIN  /* libdrm restarts the ioctl */'))),
    ],
  };
}

export const sharedRange = defineModel({
  name: 'hmm/v6.1-rc-amdgpu-userptr-shared-range',
  description: 'amdgpu 5.5 to 6.1-rc: two processes validate one userptr BO through the shared gtt->range slot (WARN, wrong sequence checked, unchecked GPU job)',
  params: {},
  expected: { verdict: 'violation', property: WARN_FIRES },
  sources: SOURCES,
  build: () => userptrSpec('gtt'),
});

export const ownRange = defineModel({
  name: 'hmm/v6.1-amdgpu-userptr-range',
  description: 'amdgpu 6.1 (4458da0bb09d): each CS keeps its hmm_range in its bo-list entry and checks it under notifier_lock',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => userptrSpec('entry'),
});
