/**
 * amdgpu userptr validation in the command-submission ioctl, before and after "drm/amdgpu: fix
 * userptr HMM range handling v2" (C. König, Nov 2022, Cc stable; mainline 4458da0bb09d, the id
 * its 6.0.y backport's Stable-dep-of tag names; in linux-next as fec8fdb54e8f). The fix's
 * message: "The basic problem here is that it's not allowed to page fault while holding the
 * reservation lock. So it can happen that multiple processes try to validate an userptr at the
 * same time. Work around that by putting the HMM range object into the mutex protected bo list
 * for now." It fixed the 6.1-rc1 regression "some games (Cyberpunk 2077, Forza Horizon 4/5) hang
 * at start" (regzbot, introduced in dd80d9c8eeca).
 *
 * Before (5.5 to 6.1-rc; drivers/gpu/drm/amd/amdgpu/amdgpu_ttm.c, amdgpu_hmm.c / amdgpu_mn.c,
 * amdgpu_cs.c; the `-` lines of the fix and J. Gunthorpe's 5.5 conversion, which added the slot
 * and its check): one `hmm_range *range` per BO, in `struct amdgpu_ttm_tt`:
 *
 *     amdgpu_ttm_tt_get_user_pages(bo, pages):
 *         if (WARN_ON(gtt->range)) return -EFAULT;     // "Another get_user_pages is running at the same time??"
 *         mmap_read_lock(mm);
 *         r = amdgpu_hmm_range_get_pages(&bo->notifier, mm, pages, start, ttm->num_pages, &gtt->range, readonly, true, NULL);
 *         mmap_read_unlock(mm);
 *     amdgpu_hmm_range_get_pages(): hmm_range = kzalloc(); retry: hmm_range->notifier_seq =
 *         mmu_interval_read_begin(notifier); r = hmm_range_fault(hmm_range); (-EBUSY: goto retry);
 *         pages[i] = hmm_pfn_to_page(pfns[i]); *phmm_range = hmm_range;
 *     amdgpu_ttm_tt_get_user_pages_done(ttm):
 *         bool r = false; if (gtt->range) { r = amdgpu_hmm_range_get_pages_done(gtt->range); gtt->range = NULL; } return !r;
 *     amdgpu_hmm_range_get_pages_done(range): r = mmu_interval_read_retry(range->notifier, range->notifier_seq); kfree(range); return r;
 *     amdgpu_cs_submit(): mutex_lock(&p->adev->notifier_lock);
 *         amdgpu_bo_list_for_each_userptr_entry(e, p->bo_list) r |= !amdgpu_ttm_tt_get_user_pages_done(bo->tbo.ttm);
 *         if (r) { r = -EAGAIN; ... }   // "drmIoctl in libdrm will restart the amdgpu_cs_ioctl"
 *         ... job pushed, fences added to the BOs ...; mutex_unlock(&p->adev->notifier_lock);
 *
 * After: the range lives in the CS's own bo-list entry (`e->range`), passed in and out; the WARN
 * is gone; `amdgpu_ttm_tt_get_user_pages_done(ttm, range)`: `if (!gtt || !gtt->userptr ||
 * !range) return false; return !amdgpu_hmm_range_get_pages_done(range);`.
 *
 * The invalidate side, amdgpu_mn_invalidate_gfx (5.5+, later amdgpu_hmm_invalidate_gfx):
 * `if (!mmu_notifier_range_blockable(range)) return false; mutex_lock(&adev->notifier_lock);
 * mmu_interval_set_seq(mni, cur_seq); r = dma_resv_wait_timeout(bo->tbo.base.resv, ...);
 * mutex_unlock(&adev->notifier_lock); return true;`. Waiting for the BO's fences is what ends
 * the GPU's use of the old pages: modelled as clearing `device.pte`.
 *
 * Abstractions: the reservation / TTM validation between the two halves is left out (it does not
 * touch the range); one BO of one page; the 1 s -EBUSY timeout is not modelled (the loop retries
 * only after an invalidation); a restarted ioctl is `goto again`.
 */
import { call, down_read, label, mutex_lock, mutex_unlock, routine, step, up_read, type AnyRoutine } from '../../../src/index.ts';
import { hmm_range_fault, type FaultResult } from '../v5.5/hmm.ts';
import { mmu_interval_read_begin } from '../v5.5/mmu_notifier.ts';
import { EBUSY } from '../v5.5/state.ts';
import { EFAULT, type AmdShared, type HmmRange } from './state.ts';

/** Property names; the ghost counters they read are in state.ts. */
export const RANGE_OWNED = 'each read-side pass checks its own range and sequence';
export const WARN_FIRES = 'no CS is refused because another validates the same userptr (WARN_ON(gtt->range))';
export const RETRY_GATES = 'mmu_interval_read_retry, under notifier_lock, gates programming the GPU';

/** Where a CS keeps the range it validated: the BO's shared slot (before the fix) or its own bo-list entry (after). */
export type RangeSlot = 'gtt' | 'entry';

interface Locals {
  readonly seq: number;
  readonly res: FaultResult;
  /** e->range (after the fix). */
  readonly range: HmmRange | null;
  /** The range amdgpu_ttm_tt_get_user_pages_done checked: whose, and whether it had been invalidated; null if none was checked. */
  readonly checked: { readonly owner: number; readonly retry: boolean } | null;
  readonly valid: boolean;
  readonly ret: number;
}

const v55 = (r: AnyRoutine): AnyRoutine => r;
const notifierLock = (g: AmdShared) => g.device.lock;
const mmapLock = (g: AmdShared) => g.mm.mmap_sem;

/** amdgpu_cs_ioctl for one userptr BO: amdgpu_cs_parser_bos (get_user_pages) then amdgpu_cs_submit (get_user_pages_done). */
export function csIoctl(slot: RangeSlot) {
  const gtt = slot === 'gtt';
  return routine<AmdShared, Locals>('amdgpu_cs_ioctl', {
    locals: () => ({ seq: 0, res: { ret: 0, pfns: [] }, range: null, checked: null, valid: false, ret: 0 }),
    body: [
      label('again'),
      ...(gtt
        ? [
            step<AmdShared, Locals>('amdgpu_ttm_tt_get_user_pages: if (WARN_ON(gtt->range)) return -EFAULT;  /* "Another get_user_pages is running at the same time??" */', ({ g, my, goto }) => {
              if (g.gtt.range === null) return;
              g.gtt.ghost.warned += 1;
              my.ret = EFAULT;
              goto('out');
            }),
          ]
        : []),
      down_read<AmdShared, Locals>('mmap_read_lock(mm)', mmapLock),
      label('retry'),
      call<AmdShared, Locals, { r: number }>(v55(mmu_interval_read_begin), { r: 0 }, { into: 'seq' }),
      call<AmdShared, Locals, { r: number; seq: number }>(v55(hmm_range_fault), (_g, my) => ({ r: 0, seq: my.seq }), { into: 'res' }),
      step<AmdShared, Locals>('if (r == -EBUSY && !time_after(jiffies, timeout)) goto retry;', ({ my, goto }) => {
        if (my.res.ret === EBUSY) goto('retry');
      }),
      step<AmdShared, Locals>(
        gtt ? 'pages[i] = hmm_pfn_to_page(pfns[i]); *phmm_range = hmm_range;  /* &gtt->range */' : 'pages[i] = hmm_pfn_to_page(pfns[i]); *phmm_range = hmm_range;  /* &e->range */',
        ({ g, my, tid }) => {
          const range = { owner: tid, seq: my.seq };
          if (gtt) g.gtt.range = range;
          else my.range = range;
        },
      ),
      up_read<AmdShared, Locals>('mmap_read_unlock(mm)', mmapLock),
      mutex_lock<AmdShared, Locals>('amdgpu_cs_submit: mutex_lock(&p->adev->notifier_lock)', notifierLock),
      step<AmdShared, Locals>(
        gtt
          ? 'r |= !amdgpu_ttm_tt_get_user_pages_done(ttm): if (gtt->range) { r = amdgpu_hmm_range_get_pages_done(gtt->range); gtt->range = NULL; } return !r'
          : 'r |= !amdgpu_ttm_tt_get_user_pages_done(ttm, e->range): if (!range) return false; return !amdgpu_hmm_range_get_pages_done(range)',
        ({ g, my, tid }) => {
          if (g.device.lock.owner !== tid) g.gtt.ghost.ungated += 1;
          const range = gtt ? g.gtt.range : my.range;
          if (range === null) {
            my.checked = null;
            my.valid = !gtt ? false : true;
          } else {
            const retry = g.mni[0]!.invalidate_seq !== range.seq;
            my.checked = { owner: range.owner, retry };
            my.valid = !retry;
            if (range.owner !== tid) g.gtt.ghost.foreign += 1;
          }
          if (gtt) g.gtt.range = null;
          else my.range = null;
        },
      ),
      step<AmdShared, Locals>('if (r) { r = -EAGAIN; goto error_unlock; }', ({ my, goto }) => {
        if (!my.valid) goto('eagain');
      }),
      step<AmdShared, Locals>('drm_sched_entity_push_job(); ttm_eu_fence_buffer_objects()  /* the GPU job uses e->user_pages */', ({ g, my, tid }) => {
        if (my.checked === null || my.checked.owner !== tid || my.checked.retry) g.gtt.ghost.ungated += 1;
        g.device.pte[0] = my.res.pfns[0] ?? null;
      }),
      mutex_unlock<AmdShared, Locals>('mutex_unlock(&p->adev->notifier_lock); return 0', notifierLock, { then: 'out' }),
      label('eagain'),
      mutex_unlock<AmdShared, Locals>('error_unlock: mutex_unlock(&p->adev->notifier_lock); return -EAGAIN  /* libdrm restarts the ioctl */', notifierLock, { then: 'again' }),
      label('out'),
      step<AmdShared, Locals>('return r', () => {}),
    ],
  });
}
