/**
 * Shared state of the Linux 5.5 mmu_interval_notifier model: the CPU side (mm, mmap_sem, page
 * table), the per-mm `struct mmu_notifier_mm` of mm/mmu_notifier.c (5.5 names it `mmn_mm`; 5.7
 * renamed it `subscriptions`), one `struct mmu_interval_notifier` per driver, the device page table
 * with the driver's `update` lock, and ghost counters the properties read.
 *
 * Source: mm/mmu_notifier.c of Linux 5.5 (the interval-tree notifier of J. Gunthorpe's series
 * "Consolidate the mmu notifier interval_tree and locking", v3, 12 Nov 2019, merged for 5.5;
 * file copy idx:866640179, which carries the `need_wake` removal squashed in on 23 Nov 2019,
 * idx:9610485209): `struct mmu_notifier_mm` (lock, invalidate_seq, active_invalidate_ranges, itree,
 * wq, deferred_list); include/linux/mmu_notifier.h 5.5 `struct mmu_interval_notifier`
 * (interval_tree, ops, mm, deferred_item, invalidate_seq).
 */
import {
  lifetime,
  mutex,
  rwsem,
  spinlock,
  waitqueue,
  type Lifetime,
  type Mutex,
  type RwSemaphore,
  type Spinlock,
  type WaitQueue,
} from '../../../src/index.ts';

/** A physical page frame number, or null for "not mapped". */
export type Pfn = number | null;

export interface IntervalNotifier {
  /** Pages [start, end) the notifier watches (`interval_tree.start`/`.last`). */
  readonly start: number;
  readonly end: number;
  /** In `mmn_mm->itree` (`!RB_EMPTY_NODE(&mni->interval_tree.rb)`). */
  readonly inTree: boolean;
  /** On `mmn_mm->deferred_list`: the final `mn_itree_inv_end` will insert it (if not in the tree) or remove it. */
  readonly deferred: boolean;
  /** `mni->invalidate_seq`. */
  readonly invalidate_seq: number;
  /** The memory of the driver object that embeds the notifier: freed by the driver after remove. */
  readonly life: Lifetime;
}

export interface Shared {
  readonly mm: {
    readonly mmap_sem: RwSemaphore;
    /** The vma covering the pages still exists (munmap detaches it). */
    readonly vma: boolean;
    /** CPU page table: page → pfn. */
    readonly pte: readonly Pfn[];
  };
  readonly mmn_mm: {
    readonly lock: Spinlock;
    /** Even when idle; odd while an invalidation that hit a notifier is in progress. Starts at 2. */
    readonly invalidate_seq: number;
    readonly active_invalidate_ranges: number;
    readonly wq: WaitQueue;
  };
  /** One interval notifier per driver thread, indexed like the drivers. */
  readonly mni: readonly IntervalNotifier[];
  readonly device: {
    /** The driver's `update` lock (Documentation/vm/hmm.rst: take_lock(driver->update)), taken by its invalidate callback too. */
    readonly lock: Mutex;
    /** Device page table: page → pfn. */
    readonly pte: readonly Pfn[];
  };
  /** Ghost state: not in the kernel, kept for the properties. */
  readonly ghost: {
    /** Per notifier: successful `mmu_interval_notifier_insert` calls. */
    readonly inserted: readonly number[];
    /** Per notifier: `mmu_interval_notifier_remove` calls. */
    readonly removed: readonly number[];
  };
}

export interface Sizes {
  readonly pages: number;
  readonly drivers: number;
}

/** Initial state: every page mapped to pfn page+1, no notifier inserted, the device empty. */
export function initialShared({ pages, drivers }: Sizes): Shared {
  const each = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  return {
    mm: { mmap_sem: rwsem('mm->mmap_sem'), vma: true, pte: each(pages, (p) => p + 1) },
    // __mmu_notifier_register(): `mmu_notifier_mm->invalidate_seq = 2;`
    mmn_mm: { lock: spinlock('mmn_mm->lock'), invalidate_seq: 2, active_invalidate_ranges: 0, wq: waitqueue('mmn_mm->wq') },
    mni: each(drivers, () => ({ start: 0, end: pages, inTree: false, deferred: false, invalidate_seq: 0, life: lifetime('struct mmu_interval_notifier') })),
    device: { lock: mutex('driver->update'), pte: each(pages, () => null) },
    ghost: { inserted: each(drivers, () => 0), removed: each(drivers, () => 0) },
  };
}

export const EFAULT = -14;
export const EBUSY = -16;
