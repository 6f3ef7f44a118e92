/**
 * The OOM reaper and the other actors of the nonblocking-invalidation models (5.2-rc seed series,
 * 5.2, 5.3), with the ghost state and properties they share. Each routine is written once over
 * `OomView`, the part of the shared state it touches, so the 5.2 and 5.3 models (whose `struct hmm`
 * differ) run the same CPU-side and driver-side code.
 *
 * oom_reap_task_mm / __oom_reap_task_mm (mm/oom_kill.c, 5.2), the caller of
 * mmu_notifier_invalidate_range_start_nonblock() in 5.2 (the one we found; the 5.2 hunk @531 of
 * mm/oom_kill.c is in "[PATCH v6 5/8] mm/mmu_notifier: contextual information for event
 * triggering invalidation v2", J. Glisse, 26 Mar 2019). J. Gunthorpe on this caller, 24 Jul 2019
 * ("Re: [PATCH] mm/hmm: replace hmm_update with mmu_notifier_range", quoted in M. Hocko's reply):
 * "I see in __oom_reap_task_mm() ... Which looks like it creates an unbalanced start/end pairing
 * if any start returns EAGAIN? ... for instance hmm breaks because the hmm->notifiers counter
 * becomes unable to get to 0."
 *
 *   if (!down_read_trylock(&mm->mmap_sem)) { trace_skip_task_reaping(tsk->pid); return false; }
 *   ...
 *   mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, vma, mm, vma->vm_start, vma->vm_end);
 *   tlb_gather_mmu(&tlb, mm, range.start, range.end);
 *   if (mmu_notifier_invalidate_range_start_nonblock(&range)) {
 *           tlb_finish_mmu(&tlb, range.start, range.end);
 *           ret = false;
 *           continue;
 *   }
 *   unmap_page_range(&tlb, vma, range.start, range.end, NULL);
 *   mmu_notifier_invalidate_range_end(&range);
 *   tlb_finish_mmu(&tlb, range.start, range.end);
 *   ...
 *   up_read(&mm->mmap_sem);
 *
 * A failed start is not followed by invalidate_range_end (J. Gunthorpe, June 2019: "the caller
 * will not call invalidate_range_end() on EAGAIN"; that stayed so: S. Christopherson's 2021 fix,
 * c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()", made the
 * notifier core in mm/mmu_notifier.c call the ends of the hlist subscribers itself, and left this
 * caller unchanged). The models run one
 * reaping pass over one anonymous vma (oom_reap_task() retries up to MAX_OOM_REAP_RETRIES times;
 * a retry meets the same state). The MMF_OOM_SKIP / MMF_UNSTABLE bits are not modelled.
 */
import type { Draft } from 'immer';
import {
  always,
  either,
  down_read_trylock,
  down_write,
  mutex_lock,
  mutex_unlock,
  call,
  label,
  routine,
  step,
  up_read,
  up_write,
  type AnyRoutine,
  type Mutex,
  type Property,
  type RwSemaphore,
} from '../../../src/index.ts';
import { exactlyOnce } from '../../../properties/exactlyOnce.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';
import { noStaleMapping } from '../../../properties/noStaleMapping.ts';
import { UNREGISTER_ONCE } from './properties.ts';
import { EAGAIN, initialShared, type Pfn, type Shared } from './state.ts';

/** Ghost state of the nonblocking models (not in the kernel). */
export interface OomGhost {
  /** Invalidations the mm has started (range_init) and not finished (tlb_finish_mmu after end, or after a failed start). */
  readonly inFlight: number;
  /** A second mirror (another device's) is on `hmm->mirrors`; its unregister takes mirrors_sem for write. */
  readonly mirror2: boolean;
}

export const oomGhost = (): OomGhost => ({ inFlight: 0, mirror2: true });

/** The 5.2 state with the ghost of the nonblocking models. */
export type Shared52 = Shared & { readonly oom: OomGhost };

/** One page, one range (unregistered), the device mapping page 0 from an earlier, completed fault. */
export function initialShared52(): Shared52 {
  const base = initialShared({ pages: 1, ranges: 1 });
  return { ...base, device: { ...base.device, pte: [1] }, oom: oomGhost() };
}

/** What these actors and properties read and write; the 5.2 and 5.3 states both have it. */
export interface OomView {
  readonly mm: { readonly mmap_sem: RwSemaphore; readonly pte: readonly Pfn[] };
  readonly hmm: { readonly mirrors_sem: RwSemaphore; readonly notifiers: number };
  readonly ranges: readonly { readonly listed: boolean; readonly valid: boolean }[];
  readonly device: { readonly lock: Mutex; readonly pte: readonly Pfn[] };
  readonly ghost: { readonly registered: readonly number[]; readonly unregisterCalls: readonly number[]; readonly unsynced: readonly number[] };
  readonly oom: OomGhost;
}

const draft = (g: unknown): Draft<OomView> => g as Draft<OomView>;

type Pages = { start: number; end: number };

interface ReaperLocals extends Pages {
  readonly locked: boolean;
  readonly ret: number | null;
}

/** oom_reap_task_mm(tsk, mm) with __oom_reap_task_mm() inlined, over one vma [start, end). */
export function oomReaper(start: AnyRoutine, end: AnyRoutine) {
  const update = (_g: unknown, my: ReaperLocals) => ({ start: my.start, end: my.end });
  return routine<OomView, ReaperLocals, Pages>('oom_reap_task_mm', {
    locals: (p) => ({ ...p, locked: false, ret: null }),
    body: [
      down_read_trylock('down_read_trylock(&mm->mmap_sem)', (g) => g.mm.mmap_sem, 'locked'),
      step('if (!down_read_trylock(&mm->mmap_sem)) { trace_skip_task_reaping(tsk->pid); return false; }', ({ my, exit }) => {
        if (!my.locked) exit();
      }),
      step('mmu_notifier_range_init(&range, MMU_NOTIFY_UNMAP, 0, vma, mm, vma->vm_start, vma->vm_end); tlb_gather_mmu(&tlb, mm, range.start, range.end)', ({ g }) => {
        draft(g).oom.inFlight += 1;
      }),
      call(start, update, { into: 'ret' }),
      step('if (mmu_notifier_invalidate_range_start_nonblock(&range)) { tlb_finish_mmu(&tlb, range.start, range.end); ret = false; continue; }', ({ g, my, goto }) => {
        if (my.ret !== null && my.ret !== 0) {
          draft(g).oom.inFlight -= 1;
          goto('unlock');
        }
      }),
      step('unmap_page_range(&tlb, vma, range.start, range.end, NULL)', ({ g, my }) => {
        for (let p = my.start; p < my.end; p++) draft(g).mm.pte[p] = null;
      }),
      call(end, update),
      step('tlb_finish_mmu(&tlb, range.start, range.end)', ({ g }) => {
        draft(g).oom.inFlight -= 1;
      }),
      label('unlock'),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
    ],
  });
}

/**
 * __mmu_notifier_invalidate_range_start(range) (mm/mmu_notifier.c, 5.2/5.3) with two subscribers
 * on the mm: HMM and another one that, like most nonblocking-aware notifiers of the time, trylocks
 * its own lock and returns -EAGAIN when that fails (the nondeterministic choice below). The core
 * calls every subscriber and returns the last error:
 *
 *   hlist_for_each_entry_rcu(mn, &range->mm->mmu_notifier_mm->list, hlist) {
 *           if (mn->ops->invalidate_range_start) {
 *                   int _ret = mn->ops->invalidate_range_start(mn, range);
 *                   if (_ret) { pr_info(...); ret = _ret; }
 *           }
 *   }
 *
 * So HMM's start can succeed (notifiers++) while the call as a whole fails, and the OOM reaper
 * then skips invalidate_range_end for HMM too. S. Christopherson, "[PATCH] mm/oom_kill: Ensure MMU
 * notifier range_end() is paired with range_start()" (10 Mar 2021, v1): "If there are multiple
 * notifiers, the notifier that did not fail may have performed actions in its ...start() that it
 * expects to unwind via ...end()." Merged (v2) as c2655835fd8c "mm/mmu_notifiers: ensure
 * range_end() is paired with range_start()", in mm/mmu_notifier.c.
 */
export function twoSubscriberStart(hmmStart: AnyRoutine) {
  type CoreLocals = Pages & { readonly hmmRet: number | null };
  return routine<OomView, CoreLocals, Pages>('__mmu_notifier_invalidate_range_start', {
    locals: (p) => ({ ...p, hmmRet: null }),
    body: [
      call(hmmStart, (_g, my: CoreLocals) => ({ start: my.start, end: my.end }), { into: 'hmmRet' }),
      either('_ret = mn->ops->invalidate_range_start(mn, range); if (_ret) ret = _ret;  /* the other subscriber */', [
        { label: 'returns 0', do: ({ my, ret }) => ret(my.hmmRet ?? 0) },
        { label: 'returns -EAGAIN', do: ({ ret }) => ret(EAGAIN) },
      ]),
    ],
  });
}

/**
 * try_to_unmap_one(page, vma, address) in mm/rmap.c: a blockable invalidation that holds no
 * mmap_sem (as models/hmm/v5.2/cpu.ts `reclaim`, with the ghost count of invalidations in flight).
 */
export function reclaimer(start: AnyRoutine, end: AnyRoutine) {
  const update = (_g: unknown, my: Pages) => ({ start: my.start, end: my.end });
  return routine<OomView, Pages, Pages>('try_to_unmap_one', {
    locals: (p) => ({ ...p }),
    body: [
      step('mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, vma, vma->vm_mm, address, ...)', ({ g }) => {
        draft(g).oom.inFlight += 1;
      }),
      call(start, update),
      step('ptep_clear_flush(vma, address, pvmw.pte)', ({ g, my }) => {
        for (let p = my.start; p < my.end; p++) draft(g).mm.pte[p] = null;
      }),
      call(end, update),
      step('page_vma_mapped_walk_done(&pvmw); return ret', ({ g }) => {
        draft(g).oom.inFlight -= 1;
      }),
    ],
  });
}

/**
 * hmm_mirror_unregister(mirror2): another device's mirror leaving the mm, the writer on
 * mirrors_sem (it takes no mmap_sem, unlike hmm_mirror_register, so it can overlap the reaper).
 * 5.2: `down_write(&hmm->mirrors_sem); list_del_init(&mirror->list); mirror->hmm = NULL;
 * up_write(&hmm->mirrors_sem); hmm_put(hmm);` (the `-` lines of J. Gunthorpe, "[RFC PATCH 09/11]
 * mm/hmm: Remove racy protection against double-unregistration"); 5.3 drops the NULL store
 * (mm/hmm.c 5.3-rc). Mirror2 maps nothing, so the invalidation's call of its callback is not
 * modelled.
 */
export function mirrorUnregister(version: '5.2' | '5.3') {
  return routine<OomView>('hmm_mirror_unregister', {
    body: [
      down_write('down_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
      step(version === '5.2' ? 'list_del_init(&mirror->list); mirror->hmm = NULL' : 'list_del(&mirror->list)', ({ g }) => {
        draft(g).oom.mirror2 = false;
      }),
      up_write('up_write(&hmm->mirrors_sem)', (g) => g.hmm.mirrors_sem),
    ],
  });
}

/**
 * The device driver working on its own page table under its page-table lock (for another address
 * range: it changes nothing the model tracks). It is what makes a nonblocking
 * sync_cpu_device_pagetables() find the lock taken and return -EAGAIN.
 */
export const deviceWork = routine<OomView>('mydevice_update', {
  body: [
    mutex_lock('mydevice_page_table_lock(mydevice)', (g) => g.device.lock),
    mutex_unlock('mydevice_page_table_unlock(mydevice)', (g) => g.device.lock),
  ],
});

export const NOTIFIERS_RETURN_TO_ZERO = 'notifier count returns to zero';
export const RANGES_VALID_AGAIN = 'ranges valid again once no invalidation runs';

/**
 * The properties of the nonblocking models. Besides the suite's (no stale device mapping,
 * unregister exactly once, no lock held at exit) two quiescence invariants, the safety form of
 * "every waiter eventually sees its range valid": whenever the mm has no invalidation in flight,
 * `hmm->notifiers` is 0 and every registered range is valid.
 *
 * For "no stale device mapping" an invalidation counts as in progress until
 * hmm_invalidate_range_start returns (closeInvalidation in hmm.ts): that is the mmu notifier
 * contract, after a 0 return the device no longer uses the pages and the mm may free them.
 */
export function oomProperties(): Property<OomView>[] {
  return [
    noStaleMapping<OomView>((g) =>
      g.device.pte.map((device, page) => ({ page, device, cpu: g.mm.pte[page] ?? null, invalidating: g.ghost.unsynced[page]! > 0 })),
    ),
    always<OomView>(
      NOTIFIERS_RETURN_TO_ZERO,
      (g) => g.oom.inFlight > 0 || g.hmm.notifiers === 0,
      (g) => `no invalidation is in flight, but hmm->notifiers is ${g.hmm.notifiers}`,
    ),
    always<OomView>(
      RANGES_VALID_AGAIN,
      (g) => g.oom.inFlight > 0 || g.ranges.every((r) => !r.listed || r.valid),
      (g) =>
        `no invalidation is in flight, but ${g.ranges
          .map((r, i) => (r.listed && !r.valid ? `range${i}` : null))
          .filter((x) => x !== null)
          .join(', ')} stays invalid`,
    ),
    ...exactlyOnce<OomView>({
      name: UNREGISTER_ONCE,
      calls: ['hmm_range_register', 'hmm_range_unregister'],
      counts: (g) => g.ghost.registered.map((opened, r) => ({ id: `range${r}`, opened, closed: g.ghost.unregisterCalls[r]! })),
    }),
    noLockHeldAtExit<OomView>(),
  ];
}

/** The two nonblocking-invalidation scenarios of the suite (hmm.md scenarios 3 and 4). */
export type NonblockingScenario = 'notifier-leak' | 'lost-eagain';

export interface VersionParts<G extends OomView> {
  readonly version: '5.2' | '5.3';
  /** Initial state: page 0 mapped by the CPU and, from an earlier fault, by the device. */
  readonly shared: G;
  readonly start: AnyRoutine;
  readonly end: AnyRoutine;
  /** A driver that registers range 0, waits for it to be valid, and unregisters it. */
  readonly waiter: AnyRoutine;
}

/**
 * notifier-leak (scenario 3): the reaper's nonblocking start meets mirrors_sem write-held by
 * another mirror's unregister while a driver waits for its range.
 * lost-eagain (scenario 4): the reaper's nonblocking start meets the device page-table lock held
 * by the driver, so the mirror's callback refuses with -EAGAIN.
 * `subscribers: 2` puts a second mmu notifier subscriber on the mm (twoSubscriberStart).
 */
export function nonblockingSpec<G extends OomView>(scenario: NonblockingScenario, parts: VersionParts<G>, options: { subscribers?: number } = {}) {
  const start = options.subscribers === 2 ? twoSubscriberStart(parts.start) : parts.start;
  const reaper = { name: 'oom_reaper', routine: oomReaper(start, parts.end), args: { start: 0, end: 1 } };
  const actors =
    scenario === 'notifier-leak'
      ? [reaper, { name: 'mirror2', routine: mirrorUnregister(parts.version) }, { name: 'driver', routine: parts.waiter, args: { r: 0 } }]
      : [reaper, { name: 'driver', routine: deviceWork }];
  return { shared: parts.shared, actors, properties: oomProperties() };
}
