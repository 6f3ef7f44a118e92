/**
 * Linux 5.2 mm/hmm.c and the include/linux/hmm.h inlines, as routines shared by every 5.2 model.
 *
 * Sources (mm/hmm.c 5.2 is not in the indexed tree; it is read from the 2019 patch mails whose
 * `+`/`-`/context lines bracket the 5.2 text):
 * - include/linux/hmm.h @897e6365cda6 (the 5.2 header): hmm_range_wait_until_valid (lines 206-220),
 *   hmm_range_valid (227-230), struct hmm (87-98), struct hmm_range (164-178).
 * - "[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3", J. Glisse,
 *   3 Apr 2019 (`+` lines: hmm_range_register/unregister, hmm_invalidate_range_start/end,
 *   hmm_range_snapshot, with Dan Carpenter's nonblocking fix squashed in).
 * - "[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start", J. Gunthorpe,
 *   13 Jun 2019 (`-` lines = the 5.2 hmm_invalidate_range_start).
 * - "[PATCH 2/5] mm/hmm: Clean up some coding style and comments", R. Campbell, 6 May 2019
 *   (context lines of the 5.2 register/unregister/release).
 *
 * Granularity: each lock operation is its own step; the statements a lock protects run as one
 * step while it is held (they touch only data that lock protects, plus at most one unlocked
 * field, so merging them hides no interleaving). Unlocked reads of `valid`/`dead` are steps of
 * their own, as in the C code.
 */
import type { Draft } from 'immer';
import {
  either,
  mutex_lock,
  mutex_unlock,
  down_read,
  up_read,
  routine,
  step,
} from '../../../src/index.ts';
import { EAGAIN, EFAULT, type Shared } from './state.ts';

type RangeArgs = { r: number };

/** An address range being invalidated, in pages [start, end). */
export interface Update {
  readonly start: number;
  readonly end: number;
}

const overlaps = (u: Update, start: number, end: number): boolean =>
  // mm/hmm.c 5.2: `if (update.end < range->start || update.start >= range->end) continue;`
  !(u.end < start || u.start >= end);

/** int hmm_range_register(range, mm, start, end, page_shift): 0 or -EFAULT. */
export const hmm_range_register = routine<Shared, RangeArgs, RangeArgs>('hmm_range_register', {
  locals: ({ r }) => ({ r }),
  body: [
    step('range->hmm = hmm_get_or_create(mm); if (hmm->mm == NULL || hmm->dead) return -EFAULT', ({ g, my, ret }) => {
      g.ranges[my.r]!.hmm = true;
      // 5.2 leaves range->hmm set on this error path (fixed in 5.3).
      if (g.hmm.dead) ret(EFAULT);
    }),
    mutex_lock('mutex_lock(&range->hmm->lock)', (g) => g.hmm.lock),
    step('list_add_rcu(&range->list, &hmm->ranges); if (!hmm->notifiers) range->valid = true', ({ g, my }) => {
      const range = g.ranges[my.r]!;
      range.listed = true;
      if (g.hmm.notifiers === 0) range.valid = true;
      g.ghost.registered[my.r]! += 1;
    }),
    mutex_unlock('mutex_unlock(&range->hmm->lock)', (g) => g.hmm.lock),
    step('return 0', ({ ret }) => ret(0)),
  ],
});

/** void hmm_range_unregister(range). A second call returns early (range->hmm == NULL). */
export const hmm_range_unregister = routine<Shared, RangeArgs, RangeArgs>('hmm_range_unregister', {
  locals: ({ r }) => ({ r }),
  body: [
    step('if (range->hmm == NULL || range->end <= range->start) return', ({ g, my, ret }) => {
      g.ghost.unregisterCalls[my.r]! += 1;
      if (!g.ranges[my.r]!.hmm) ret();
    }),
    mutex_lock('mutex_lock(&range->hmm->lock)', (g) => g.hmm.lock),
    step('list_del_rcu(&range->list)', ({ g, my }) => {
      g.ranges[my.r]!.listed = false;
    }),
    mutex_unlock('mutex_unlock(&range->hmm->lock)', (g) => g.hmm.lock),
    step('range->valid = false; hmm_put(range->hmm); range->hmm = NULL', ({ g, my }) => {
      const range = g.ranges[my.r]!;
      range.valid = false;
      range.hmm = false;
    }),
  ],
});

/** static inline bool hmm_range_wait_until_valid(range, timeout) — hmm.h lines 206-220. */
export const hmm_range_wait_until_valid = routine<Shared, RangeArgs, RangeArgs>('hmm_range_wait_until_valid', {
  locals: ({ r }) => ({ r }),
  body: [
    step('if (range->hmm == NULL || range->hmm->dead || range->hmm->mm == NULL) { range->valid = false; return false; }', ({ g, my, ret }) => {
      if (!g.ranges[my.r]!.hmm || g.hmm.dead) {
        g.ranges[my.r]!.valid = false;
        ret(false);
      }
    }),
    step('if (range->valid) return true', ({ g, my, ret }) => {
      if (g.ranges[my.r]!.valid) ret(true);
    }),
    either(
      'wait_event_timeout(range->hmm->wq, range->valid || range->hmm->dead, msecs_to_jiffies(timeout))',
      [
        { label: 'woken', when: (g, my) => g.ranges[my.r]!.valid || g.hmm.dead },
        // The timeout is a nondeterministic choice: possible whenever the condition is false.
        { label: 'times out', when: (g, my) => !(g.ranges[my.r]!.valid || g.hmm.dead) },
      ],
    ),
    step('return range->valid', ({ g, my, ret }) => ret(g.ranges[my.r]!.valid)),
  ],
});

/** long hmm_range_snapshot(range): pages snapshotted, or -EFAULT / -EAGAIN; mmap_sem stays held. */
export const hmm_range_snapshot = routine<Shared, RangeArgs, RangeArgs>('hmm_range_snapshot', {
  locals: ({ r }) => ({ r }),
  body: [
    step('if (hmm->mm == NULL || hmm->dead) return -EFAULT', ({ g, ret }) => {
      if (g.hmm.dead) ret(EFAULT);
    }),
    step('if (!range->valid) return -EAGAIN', ({ g, my, ret }) => {
      if (!g.ranges[my.r]!.valid) ret(EAGAIN);
    }),
    step('vma = find_vma(hmm->mm, start); if (vma == NULL) return -EFAULT', ({ g, ret }) => {
      if (!g.mm.vma) ret(EFAULT);
    }),
    // One step for the walk of the range's ptes (the default models have one page).
    step('walk_page_range(start, end, &mm_walk)', ({ g, my, ret }) => {
      const range = g.ranges[my.r]!;
      for (let p = range.start; p < range.end; p++) range.pfns[p - range.start] = g.mm.pte[p] ?? null;
      ret(range.end - range.start);
    }),
  ],
});

/**
 * The driver's hmm_mirror_ops.sync_cpu_device_pagetables callback, as the seed documentation
 * asks: take the same lock as the fault path, clear the device entries of the range.
 */
export const sync_cpu_device_pagetables = routine<Shared, Update, Update>('sync_cpu_device_pagetables', {
  locals: (u) => ({ ...u }),
  body: [
    mutex_lock('mydevice_page_table_lock(mydevice)', (g) => g.device.lock),
    step('mydevice_clear_page_table(mydevice, update->start, update->end)', ({ g, my }) => {
      for (let p = my.start; p < my.end; p++) {
        g.device.pte[p] = null;
        g.ghost.unsynced[p]! -= 1;
      }
    }),
    mutex_unlock('mydevice_page_table_unlock(mydevice)', (g) => g.device.lock),
  ],
});

/**
 * static int hmm_invalidate_range_start(mn, nrange), blockable case (munmap, reclaim): the 5.2
 * code after Dan Carpenter's fix. The nonblocking (OOM reaper) branches belong to other models.
 */
export const hmm_invalidate_range_start = routine<Shared, Update, Update>('hmm_invalidate_range_start', {
  locals: (u) => ({ ...u }),
  body: [
    mutex_lock('mutex_lock(&hmm->lock)', (g) => g.hmm.lock),
    step('hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) if (overlaps) range->valid = false', ({ g, my }) => {
      g.hmm.notifiers += 1;
      for (const range of g.ranges) if (range.listed && overlaps(my, range.start, range.end)) range.valid = false;
      for (let p = my.start; p < my.end; p++) g.ghost.unsynced[p]! += 1;
    }),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
    down_read('down_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    // list_for_each_entry(mirror, &hmm->mirrors, list): the models have one mirror, the device.
    step('mirror->ops->sync_cpu_device_pagetables(mirror, &update)', ({ my, call }) =>
      call(sync_cpu_device_pagetables, { start: my.start, end: my.end }),
    ),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
  ],
});

/** static void hmm_invalidate_range_end(mn, nrange): at notifiers == 0 every listed range becomes valid. */
export const hmm_invalidate_range_end = routine<Shared, Update, Update>('hmm_invalidate_range_end', {
  locals: (u) => ({ ...u }),
  body: [
    mutex_lock('mutex_lock(&hmm->lock)', (g) => g.hmm.lock),
    step('hmm->notifiers--; if (!hmm->notifiers) { list_for_each_entry(range) range->valid = true; wake_up_all(&hmm->wq); }', ({ g }) => {
      g.hmm.notifiers -= 1;
      if (g.hmm.notifiers === 0) for (const range of g.ranges) if (range.listed) range.valid = true;
    }),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
  ],
});

export type { Draft };
