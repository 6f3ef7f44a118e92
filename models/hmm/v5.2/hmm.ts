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
  call,
  either,
  mutex_lock,
  mutex_trylock,
  mutex_unlock,
  down_read,
  down_read_trylock,
  up_read,
  routine,
  step,
  type Line,
  type Mutex,
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
 * code after Dan Carpenter's fix. The nonblocking (OOM reaper) branches are
 * hmm_invalidate_range_start_nonblock below.
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

/*
 * The nonblocking path (mmu_notifier_range_blockable(nrange) == false). In Linux 5.2 only the OOM
 * reaper starts a nonblocking invalidation: __oom_reap_task_mm() calls
 * mmu_notifier_invalidate_range_start_nonblock() and skips unmap_page_range() and
 * invalidate_range_end() when it fails (models/hmm/v5.2/oom.ts). The routines below are the
 * branches of the same C functions that such a call executes; the blockable routines above are
 * left as they are.
 */

/** What a nonblocking sync callback needs of the shared state (the 5.2 and 5.3 models share it). */
export interface DeviceView {
  readonly device: { readonly lock: Mutex; readonly pte: readonly (number | null)[] };
  readonly ghost: { readonly unsynced: readonly number[] };
}

/**
 * The driver's sync_cpu_device_pagetables callback called with `update->blockable == false`, as
 * include/linux/hmm.h @897e6365cda6 lines 427-444 ask: "Returns: -EAGAIN if update.blockable false
 * and callback need to block, 0 otherwise". The device page-table lock is a mutex, so the callback
 * may only trylock it. Falling off the end returns 0 (the caller reads null as 0).
 */
export const sync_cpu_device_pagetables_nonblock = routine<DeviceView, Update & { locked: boolean }, Update>('sync_cpu_device_pagetables', {
  locals: (u) => ({ ...u, locked: false }),
  body: [
    mutex_trylock('mydevice_page_table_trylock(mydevice)', (g) => g.device.lock, 'locked'),
    step('if (!update->blockable && !locked) return -EAGAIN', ({ my, ret }) => {
      if (!my.locked) ret(EAGAIN);
    }),
    step('mydevice_clear_page_table(mydevice, update->start, update->end)', ({ g, my }) => {
      for (let p = my.start; p < my.end; p++) {
        g.device.pte[p] = null;
        g.ghost.unsynced[p]! -= 1;
      }
    }),
    mutex_unlock('mydevice_page_table_unlock(mydevice)', (g) => g.device.lock),
  ],
});

/** Locals of a nonblocking hmm_invalidate_range_start (5.2 and the 5.3 fix). */
export interface NonblockLocals extends Update {
  /** The function's `int ret = 0`. */
  readonly ret: number;
  /** 5.2 only: the `int ret;` declared inside the mirror loop, which shadows the outer one. */
  readonly loopRet: number | null;
  /** Result of the last trylock. */
  readonly took: boolean;
  /** Ghost: this call counted itself in `notifiers` and `ghost.unsynced`. */
  readonly counted: boolean;
  /** Ghost: the mirror cleared the device entries. */
  readonly synced: boolean;
}

export const NOTIFIERS_INC = 'hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) if (overlaps) range->valid = false';

export const nonblockLocals = (u: Update): NonblockLocals => ({ ...u, ret: 0, loopRet: null, took: false, counted: false, synced: false });

/**
 * Ghost bookkeeping when hmm_invalidate_range_start returns: the invalidation has either reached
 * the device or it never will (the mm zaps only after a 0 return, and does not call
 * invalidate_range_end after an error), so its pages stop counting as "being invalidated".
 */
export function closeInvalidation(g: Draft<DeviceView>, my: NonblockLocals): void {
  if (!my.counted || my.synced) return;
  for (let p = my.start; p < my.end; p++) g.ghost.unsynced[p]! -= 1;
}

/** What `notifiers++` and the marking of overlapping ranges touch (the 5.2 and 5.3 states both have it). */
export interface InvalidateView {
  readonly hmm: { readonly notifiers: number };
  readonly ranges: readonly { readonly listed: boolean; readonly valid: boolean; readonly start: number; readonly end: number }[];
  readonly ghost: { readonly unsynced: readonly number[] };
}

/**
 * `hmm->notifiers++; list_for_each_entry(range, &hmm->ranges, list) { if (update.end < range->start
 * || update.start >= range->end) continue; range->valid = false; }`, plus the ghost count of pages
 * being invalidated. For use inside the step that holds the lock protecting them.
 */
export function countInvalidation(g: Draft<InvalidateView>, my: Draft<NonblockLocals>): void {
  g.hmm.notifiers += 1;
  for (const range of g.ranges) if (range.listed && overlaps(my, range.start, range.end)) range.valid = false;
  for (let p = my.start; p < my.end; p++) g.ghost.unsynced[p]! += 1;
  my.counted = true;
}

/** `{ ret = -EAGAIN; goto out; }` after a failed trylock (local `took`); `label` is the C branch. */
export function eagainIfNotTaken<G, L extends NonblockLocals>(label: string): Line<G, L> {
  return step<G, L>(label, ({ my, goto }) => {
    if (!my.took) {
      my.ret = EAGAIN;
      goto('out');
    }
  });
}

/**
 * The mirror loop and exit of 5.2's hmm_invalidate_range_start after mirrors_sem is held for read,
 * from the mirror's callback on (`sync`, which stores its result in `loopRet`):
 *
 *   list_for_each_entry(mirror, &hmm->mirrors, list) {
 *           int ret;
 *           ret = mirror->ops->sync_cpu_device_pagetables(mirror, &update);
 *           if (!update.blockable && ret == -EAGAIN) {
 *                   up_read(&hmm->mirrors_sem);
 *                   ret = -EAGAIN;
 *                   goto out;
 *           }
 *   }
 *   up_read(&hmm->mirrors_sem);
 * out:
 *   hmm_put(hmm);
 *   return ret;
 *
 * The same text in the seed series v1 and v2 (Glisse, Jan and Mar 2019) and in 5.2.
 */
export function mirrorLoop52<L extends NonblockLocals>(sync: Line<Shared, L>): Line<Shared, L>[] {
  return [
    sync,
    step('if (!update.blockable && ret == -EAGAIN)', ({ my, goto }) => {
      if (my.loopRet !== EAGAIN) {
        my.synced = true;
        goto('up_read');
      }
    }),
    up_read('{ up_read(&hmm->mirrors_sem);', (g) => g.hmm.mirrors_sem),
    step("ret = -EAGAIN; goto out; }  /* the loop's own ret */", ({ my, goto }) => {
      my.loopRet = EAGAIN;
      goto('out');
    }),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem, { name: 'up_read' }),
    step(
      'out: hmm_put(hmm); return ret;',
      ({ g, my, ret }) => {
        closeInvalidation(g, my);
        ret(my.ret);
      },
      { name: 'out' },
    ),
  ];
}

/**
 * static int hmm_invalidate_range_start(mn, nrange), nonblocking branches, Linux 5.2: the `-` lines
 * of "[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in hmm_invalidate_range_start" (J. Gunthorpe,
 * 13 Jun 2019) and the `+` lines of "[PATCH v3 06/11] mm/hmm: improve driver API to work and wait
 * over a range v3" (J. Glisse, 3 Apr 2019), mm/hmm.c 5.2 lines ~185-237. Two bugs, both fixed in 5.3
 * by that patch: a failed mirrors_sem trylock returns -EAGAIN after `notifiers++` (the caller never
 * calls invalidate_range_end, so the count never returns to 0), and the loop's own `int ret`
 * shadows the function's, so a mirror's -EAGAIN is lost and the function returns 0.
 */
export const hmm_invalidate_range_start_nonblock = routine<Shared, NonblockLocals, Update>('hmm_invalidate_range_start', {
  locals: nonblockLocals,
  body: [
    mutex_trylock('mutex_trylock(&hmm->lock)', (g) => g.hmm.lock, 'took'),
    eagainIfNotTaken('else if (!mutex_trylock(&hmm->lock)) { ret = -EAGAIN; goto out; }'),
    step(NOTIFIERS_INC, ({ g, my }) => countInvalidation(g, my)),
    mutex_unlock('mutex_unlock(&hmm->lock)', (g) => g.hmm.lock),
    down_read_trylock('down_read_trylock(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem, 'took'),
    eagainIfNotTaken('else if (!down_read_trylock(&hmm->mirrors_sem)) { ret = -EAGAIN; goto out; }'),
    ...mirrorLoop52(
      call(sync_cpu_device_pagetables_nonblock, (_g, my: NonblockLocals) => ({ start: my.start, end: my.end }), { into: 'loopRet' }),
    ),
  ],
});
