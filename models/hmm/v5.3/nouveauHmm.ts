/**
 * The Linux 5.3 HMM range API as nouveau's fault path meets it, as routines (mm/hmm.c of 5.3-rc1
 * and of the 5.3-rc fix; file copy of the 5.3 series text idx:9734602):
 * - hmm_range_register(range, mirror, start, end, page_shift): under `hmm->ranges_lock`
 *   `list_add(&range->list, &hmm->ranges); if (!hmm->notifiers) range->valid = true;` (the
 *   `mmget_not_zero` failure when the mm is exiting is not modelled: no exit thread here).
 * - hmm_range_unregister(range): under ranges_lock `list_del_init(&range->list)`; `range->valid =
 *   false`.
 * - hmm_range_wait_until_valid(range, timeout): `return wait_event_timeout(range->hmm->wq,
 *   range->valid, msecs_to_jiffies(timeout)) != 0;` (J. Gunthorpe, "mm/hmm: Remove duplicate
 *   condition test before wait_event_timeout", idx:7079378295). The timeout is a nondeterministic
 *   choice while the waiter sleeps.
 * - hmm_range_fault(range, block = true): in 5.3-rc1 `if (!range->valid) { up_read(&hmm->mm->mmap_sem);
 *   return -EAGAIN; }` drops mmap_sem; after C. Hellwig's "mm/hmm: always return EBUSY for invalid
 *   ranges in hmm_range_{fault,snapshot}" (idx:8242436023, part of the 5.3-rc fix pull
 *   idx:8479550213) it is `if (!range->valid) return -EBUSY;` and mmap_sem stays held. Then
 *   find_vma (-EFAULT), then the walk: a present pte is read; a missing one (reclaimed) is faulted
 *   in by hmm_vma_do_fault() → handle_mm_fault(), which returns -EBUSY "walk again", and `do { ret =
 *   walk_page_range(); } while (ret == -EBUSY && range->valid); if (ret) return ret;` returns -EBUSY
 *   with mmap_sem held when an invalidation hit meanwhile. (block == true: FAULT_FLAG_ALLOW_RETRY is
 *   not set, F. Kuehling's fix in the 5.3 text, so handle_mm_fault never drops mmap_sem.)
 * - hmm_invalidate_range_start/end (blockable), 5.3: `notifiers++` and overlapping ranges invalid
 *   under ranges_lock, then each mirror's sync_cpu_device_pagetables; end: notifiers_decrement()
 *   (at 0 every range valid, wake_up_all(&hmm->wq)). The kref_get_unless_zero / hmm_put around
 *   them never fail here and are left out, as is mirrors_sem (no mirror is registered or
 *   unregistered meanwhile).
 * - nouveau_svmm_sync_cpu_device_pagetables (drivers/gpu/drm/nouveau/nouveau_svm.c, 5.3,
 *   idx:7088464813): `mutex_lock(&svmm->mutex); ... PFNCLR ...; mutex_unlock(&svmm->mutex);`.
 */
import {
  label,
  mutex_lock,
  mutex_unlock,
  routine,
  spin_lock,
  spin_unlock,
  step,
  up_read,
  use,
  wait_event_timeout,
  wakeUpAll,
} from '../../../src/index.ts';
import { EAGAIN, EBUSY, EFAULT, type NouveauShared as G } from './nouveauState.ts';

type Pages = { start: number; end: number };
const rangesLock = (g: G) => g.hmm.ranges_lock;

export const hmm_range_register = routine<G>('hmm_range_register', {
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('range->hmm = hmm; kref_get(&hmm->kref); list_add(&range->list, &hmm->ranges); if (!hmm->notifiers) range->valid = true', ({ g }) => {
      g.range.listed = true;
      g.range.valid = g.hmm.notifiers === 0;
      g.ghost.registered += 1;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags); return 0', rangesLock),
  ],
});

export const hmm_range_unregister = routine<G>('hmm_range_unregister', {
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('list_del_init(&range->list)', ({ g }) => {
      g.range.listed = false;
      g.ghost.unregistered += 1;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
    step('mmput(hmm->mm); hmm_put(hmm); range->valid = false; memset(&range->hmm, POISON_INUSE, sizeof(range->hmm))', ({ g }) => {
      g.range.valid = false;
    }),
  ],
});

export const hmm_range_wait_until_valid = routine<G, { ok: number }>('hmm_range_wait_until_valid', {
  locals: () => ({ ok: 0 }),
  body: [
    wait_event_timeout('wait_event_timeout(range->hmm->wq, range->valid, msecs_to_jiffies(timeout))', (g) => g.hmm.wq, (g) => g.range.valid, 'ok'),
    step('return ... != 0', ({ my, ret }) => ret(my.ok !== 0)),
  ],
});

/** long hmm_range_fault(range, true); `invalid` says what 5.3-rc1 (`drop`) or the 5.3-rc fix (`keep`) does on an invalid range. */
export function hmmRangeFault(invalid: 'drop' | 'keep') {
  return routine<G, { ret: number }>('hmm_range_fault', {
    locals: () => ({ ret: 0 }),
    body: [
      step(
        invalid === 'drop'
          ? '/* If range is no longer valid force retry. */ if (!range->valid) { up_read(&hmm->mm->mmap_sem); return -EAGAIN; }'
          : '/* If range is no longer valid force retry. */ if (!range->valid) return -EBUSY;',
        ({ g, ret, goto }) => {
          if (g.range.valid) return;
          if (invalid === 'drop') goto('drop');
          else ret(EBUSY);
        },
      ),
      step('vma = find_vma(hmm->mm, start); if (vma == NULL || (vma->vm_flags & device_vma)) return -EFAULT', ({ g, ret }) => {
        if (!g.mm.vma) ret(EFAULT);
      }),
      label('walk'),
      step('ret = walk_page_range(start, range->end, &mm_walk)', ({ g, my }) => {
        my.ret = 0;
        g.mm.pte.forEach((pfn, p) => {
          if (pfn !== null) g.range.pfns[p] = pfn;
          else {
            // hmm_vma_walk_hole_ → hmm_vma_do_fault → handle_mm_fault(): a new page, then -EBUSY "walk again".
            g.mm.pte[p] = 100 + p;
            g.ghost.faultedIn += 1;
            my.ret = EBUSY;
          }
        });
      }),
      step('while (ret == -EBUSY && range->valid); if (ret) return ret; return npages', ({ g, my, goto, ret }) => {
        if (my.ret === EBUSY && g.range.valid) goto('walk');
        else ret(my.ret !== 0 ? my.ret : g.mm.pte.length);
      }),
      label('drop'),
      up_read('up_read(&hmm->mm->mmap_sem)', (g) => g.mm.mmap_sem),
      step('return -EAGAIN', ({ ret }) => ret(EAGAIN)),
    ],
  });
}

/** nouveau's hmm_mirror_ops.sync_cpu_device_pagetables, blockable. */
const nouveau_svmm_sync_cpu_device_pagetables = routine<G, Pages, Pages>('nouveau_svmm_sync_cpu_device_pagetables', {
  locals: (p) => ({ ...p }),
  body: [
    mutex_lock('mutex_lock(&svmm->mutex)', (g) => g.svmm.mutex),
    step('nouveau_svmm_invalidate(svmm, start, limit) /* PFNCLR */', ({ g, my }) => {
      for (let p = my.start; p < my.end; p++) g.device.pte[p] = null;
    }),
    mutex_unlock('mutex_unlock(&svmm->mutex)', (g) => g.svmm.mutex),
  ],
});

export const hmm_invalidate_range_start = routine<G, Pages, Pages>('hmm_invalidate_range_start', {
  locals: (p) => ({ ...p }),
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) if (overlaps) range->valid = false', (c) => {
      const { g } = c;
      g.hmm.notifiers += 1;
      if (!g.range.listed) return;
      if (g.range.life) use(c, g.range.life, 'list_for_each_entry(range, &hmm->ranges, list): range->valid = false');
      g.range.valid = false;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
    step('list_for_each_entry(mirror, &hmm->mirrors, list) rc = mirror->ops->sync_cpu_device_pagetables(mirror, &update)', ({ my, call }) =>
      call(nouveau_svmm_sync_cpu_device_pagetables, { start: my.start, end: my.end }),
    ),
  ],
});

export const hmm_invalidate_range_end = routine<G, Pages, Pages>('hmm_invalidate_range_end', {
  locals: (p) => ({ ...p }),
  body: [
    spin_lock('notifiers_decrement: spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('hmm->notifiers--; if (!hmm->notifiers) { list_for_each_entry(range) range->valid = true; wake_up_all(&hmm->wq); }', ({ g }) => {
      g.hmm.notifiers -= 1;
      if (g.hmm.notifiers > 0) return;
      if (g.range.listed) g.range.valid = true;
      wakeUpAll(g.hmm.wq);
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
  ],
});
