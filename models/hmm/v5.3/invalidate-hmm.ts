/**
 * Linux 5.3 mm/hmm.c after "[PATCH v3 hmm 12/12] mm/hmm: Fix error flows in
 * hmm_invalidate_range_start" (J. Gunthorpe, 13 Jun 2019, merged by "HMM patches for 5.3", pull of
 * 9 Jul 2019), as far as the nonblocking invalidation models need it: `struct hmm` with
 * `spinlock_t ranges_lock` (the mutex became a spinlock "so we can reliably obtain it without
 * blocking during error unwind"), notifiers_decrement(), the nonblocking branches of
 * hmm_invalidate_range_start, hmm_invalidate_range_end, hmm_range_register/unregister and
 * hmm_range_wait_until_valid.
 *
 * Source text: the stored copy of mm/hmm.c of 5.3-rc1 (after the 5.3 hmm pull; its
 * hmm_range_fault still returns -EAGAIN for an invalid range, so it predates C. Hellwig's 5.3-rc
 * fix): notifiers_decrement (it takes ranges_lock itself), hmm_invalidate_range_start/_end,
 * hmm_range_register (`mmget_not_zero`, `list_add`, `if (!hmm->notifiers) range->valid = true`
 * under ranges_lock), hmm_range_unregister (`list_del_init` under ranges_lock, `mmput`, `hmm_put`,
 * `range->valid = false`, pointer poisoned). include/linux/hmm.h of 5.3:
 * `return wait_event_timeout(range->hmm->wq, range->valid, msecs_to_jiffies(timeout)) != 0;`
 * (J. Gunthorpe, "mm/hmm: Remove duplicate condition test before wait_event_timeout").
 *
 * The hmm kref (`kref_get_unless_zero` at the top of the notifier callbacks) and the mmget of a
 * range are about teardown, which these models do not run; they are left out.
 */
import {
  call,
  down_read_trylock,
  mutex,
  routine,
  rwsem,
  spin_lock,
  spin_unlock,
  spinlock,
  step,
  up_read,
  wait_event_timeout,
  waitqueue,
  wakeUpAll,
  type Mutex,
  type RwSemaphore,
  type Spinlock,
  type WaitQueue,
} from '../../../src/index.ts';
import { EAGAIN, type Pfn } from '../v5.2/state.ts';
import {
  NOTIFIERS_INC,
  closeInvalidation,
  countInvalidation,
  eagainIfNotTaken,
  nonblockLocals,
  sync_cpu_device_pagetables_nonblock,
  type NonblockLocals,
  type Update,
} from '../v5.2/hmm.ts';
import { oomGhost, type OomGhost } from '../v5.2/oom.ts';

export interface Range53 {
  readonly listed: boolean;
  readonly valid: boolean;
  readonly start: number;
  readonly end: number;
}

export interface Shared53 {
  readonly mm: { readonly mmap_sem: RwSemaphore; readonly pte: readonly Pfn[] };
  readonly hmm: {
    readonly ranges_lock: Spinlock;
    readonly mirrors_sem: RwSemaphore;
    readonly wq: WaitQueue;
    readonly notifiers: number;
  };
  readonly ranges: readonly Range53[];
  readonly device: { readonly lock: Mutex; readonly pte: readonly Pfn[] };
  readonly ghost: { readonly registered: readonly number[]; readonly unregisterCalls: readonly number[]; readonly unsynced: readonly number[] };
  readonly oom: OomGhost;
}

/** Same initial situation as the 5.2 models: page 0 mapped by the CPU and the device, range 0 unregistered. */
export function initialShared53(): Shared53 {
  return {
    mm: { mmap_sem: rwsem('mm->mmap_sem'), pte: [1] },
    hmm: { ranges_lock: spinlock('hmm->ranges_lock'), mirrors_sem: rwsem('hmm->mirrors_sem'), wq: waitqueue('hmm->wq'), notifiers: 0 },
    ranges: [{ listed: false, valid: false, start: 0, end: 1 }],
    device: { lock: mutex('mydevice->lock'), pte: [1] },
    ghost: { registered: [0], unregisterCalls: [0], unsynced: [0] },
    oom: oomGhost(),
  };
}

const rangesLock = (g: Shared53) => g.hmm.ranges_lock;

/** static void notifiers_decrement(struct hmm *hmm) */
export const notifiers_decrement = routine<Shared53>('notifiers_decrement', {
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('hmm->notifiers--; if (!hmm->notifiers) { list_for_each_entry(range, &hmm->ranges, list) range->valid = true; wake_up_all(&hmm->wq); }', ({ g }) => {
      g.hmm.notifiers -= 1;
      if (g.hmm.notifiers === 0) {
        for (const range of g.ranges) if (range.listed) range.valid = true;
        wakeUpAll(g.hmm.wq);
      }
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
  ],
});

/**
 * static int hmm_invalidate_range_start(mn, nrange), 5.3, nonblocking branches:
 *
 *   spin_lock_irqsave(&hmm->ranges_lock, flags);
 *   hmm->notifiers++; ... range->valid = false;
 *   spin_unlock_irqrestore(&hmm->ranges_lock, flags);
 *   if (mmu_notifier_range_blockable(nrange)) down_read(&hmm->mirrors_sem);
 *   else if (!down_read_trylock(&hmm->mirrors_sem)) { ret = -EAGAIN; goto out; }
 *   list_for_each_entry(mirror, &hmm->mirrors, list) {
 *           int rc;
 *           rc = mirror->ops->sync_cpu_device_pagetables(mirror, &update);
 *           if (rc) {
 *                   if (WARN_ON(update.blockable || rc != -EAGAIN))
 *                           continue;
 *                   ret = -EAGAIN;
 *                   break;
 *           }
 *   }
 *   up_read(&hmm->mirrors_sem);
 * out:
 *   if (ret)
 *           notifiers_decrement(hmm);
 *   hmm_put(hmm);
 *   return ret;
 */
export const hmm_invalidate_range_start_nonblock = routine<Shared53, NonblockLocals, Update>('hmm_invalidate_range_start', {
  locals: nonblockLocals,
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step(NOTIFIERS_INC, ({ g, my }) => countInvalidation(g, my)),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
    down_read_trylock('down_read_trylock(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem, 'took'),
    eagainIfNotTaken('else if (!down_read_trylock(&hmm->mirrors_sem)) { ret = -EAGAIN; goto out; }'),
    // list_for_each_entry(mirror, &hmm->mirrors, list) { int rc; rc = mirror->ops->sync_cpu_device_pagetables(mirror, &update);
    call(sync_cpu_device_pagetables_nonblock, (_g, my: NonblockLocals) => ({ start: my.start, end: my.end }), { into: 'loopRet' }),
    step('if (rc) { if (WARN_ON(update.blockable || rc != -EAGAIN)) continue; ret = -EAGAIN; break; }', ({ my }) => {
      if (my.loopRet === EAGAIN) my.ret = EAGAIN;
      else my.synced = true;
    }),
    up_read('up_read(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    step('out: if (ret)', ({ my, goto }) => {
      if (my.ret === 0) goto('return');
    }, { name: 'out' }),
    call(notifiers_decrement),
    step('hmm_put(hmm); return ret;', ({ g, my, ret }) => {
      closeInvalidation(g, my);
      ret(my.ret);
    }, { name: 'return' }),
  ],
});

/** static void hmm_invalidate_range_end(mn, nrange), 5.3: `notifiers_decrement(hmm); hmm_put(hmm);` */
export const hmm_invalidate_range_end = routine<Shared53, Update, Update>('hmm_invalidate_range_end', {
  locals: (u) => ({ ...u }),
  body: [call(notifiers_decrement)],
});

type RangeArgs = { r: number };

/** int hmm_range_register(range, mirror, start, end, page_shift), 5.3. */
export const hmm_range_register = routine<Shared53, RangeArgs, RangeArgs>('hmm_range_register', {
  locals: ({ r }) => ({ r }),
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('range->hmm = hmm; kref_get(&hmm->kref); list_add(&range->list, &hmm->ranges); if (!hmm->notifiers) range->valid = true', ({ g, my }) => {
      const range = g.ranges[my.r]!;
      range.listed = true;
      if (g.hmm.notifiers === 0) range.valid = true;
      g.ghost.registered[my.r]! += 1;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
    step('return 0', ({ ret }) => ret(0)),
  ],
});

/** void hmm_range_unregister(range), 5.3. */
export const hmm_range_unregister = routine<Shared53, RangeArgs, RangeArgs>('hmm_range_unregister', {
  locals: ({ r }) => ({ r }),
  body: [
    spin_lock('spin_lock_irqsave(&hmm->ranges_lock, flags)', rangesLock),
    step('list_del_init(&range->list)', ({ g, my }) => {
      g.ghost.unregisterCalls[my.r]! += 1;
      g.ranges[my.r]!.listed = false;
    }),
    spin_unlock('spin_unlock_irqrestore(&hmm->ranges_lock, flags)', rangesLock),
    step('mmput(hmm->mm); hmm_put(hmm); range->valid = false; memset(&range->hmm, POISON_INUSE, sizeof(range->hmm))', ({ g, my }) => {
      g.ranges[my.r]!.valid = false;
    }),
  ],
});

interface WaiterLocals {
  readonly r: number;
  readonly ret: number;
  readonly ok: number;
}

/**
 * The 5.3 counterpart of the 5.2 models' waiter: register range 0, `hmm_range_wait_until_valid(
 * &range, HMM_RANGE_DEFAULT_TIMEOUT)` (the hmm.h inline: a wait_event_timeout on hmm->wq for
 * range->valid), then give up and unregister.
 */
export const waiter53 = routine<Shared53, WaiterLocals, RangeArgs>('driver_populate_range', {
  locals: ({ r }) => ({ r, ret: 0, ok: 0 }),
  body: [
    call(hmm_range_register, (_g, my: WaiterLocals) => ({ r: my.r }), { into: 'ret' }),
    step('if (ret) return ret', ({ my, exit }) => {
      if (my.ret !== 0) exit();
    }),
    wait_event_timeout(
      'hmm_range_wait_until_valid(&range, TIMEOUT): wait_event_timeout(range->hmm->wq, range->valid, msecs_to_jiffies(timeout))',
      (g) => g.hmm.wq,
      (g, my) => g.ranges[my.r]!.valid,
      'ok',
    ),
    call(hmm_range_unregister, (_g, my: WaiterLocals) => ({ r: my.r })),
  ],
});
