/**
 * Shared state of the Linux 5.2 HMM models: the CPU side (mm, mmap_sem, page table), `struct hmm`
 * (include/linux/hmm.h @897e6365cda6, lines 87-98), each driver's `struct hmm_range` (lines
 * 164-178), the device page table with its lock, and ghost counters the properties read.
 */
import { mutex, rwsem, type Mutex, type RwSemaphore } from '../../../src/index.ts';

/** A physical page frame number, or null for "not mapped". */
export type Pfn = number | null;

export interface HmmRange {
  /** `range->hmm != NULL`. */
  readonly hmm: boolean;
  /** On `hmm->ranges` (list_add_rcu in register, list_del_rcu in unregister). */
  readonly listed: boolean;
  /** `range->valid`: the 5.2 boolean that invalidation clears and `hmm_invalidate_range_end` sets. */
  readonly valid: boolean;
  /** Pages [start, end) of the mirrored address range. */
  readonly start: number;
  readonly end: number;
  /** `range->pfns`: what the last snapshot read from the CPU page table, per page of the range. */
  readonly pfns: readonly Pfn[];
}

export interface Shared {
  readonly mm: {
    readonly mmap_sem: RwSemaphore;
    /** The vma covering the pages still exists (munmap detaches it). */
    readonly vma: boolean;
    /** CPU page table: page → pfn. */
    readonly pte: readonly Pfn[];
  };
  readonly hmm: {
    readonly lock: Mutex;
    readonly mirrors_sem: RwSemaphore;
    /** `hmm->notifiers`: invalidations between start and end. */
    readonly notifiers: number;
    readonly dead: boolean;
  };
  readonly ranges: readonly HmmRange[];
  readonly device: {
    /** The driver's page-table lock, also taken by its `sync_cpu_device_pagetables` callback. */
    readonly lock: Mutex;
    /** Device page table: page → pfn. */
    readonly pte: readonly Pfn[];
  };
  /** Ghost state: not in the kernel, kept for the properties. */
  readonly ghost: {
    /** Per range: successful `hmm_range_register` calls. */
    readonly registered: readonly number[];
    /** Per range: `hmm_range_unregister` calls. */
    readonly unregisterCalls: readonly number[];
    /** Per page: invalidations that have started (`notifiers++`) but not yet cleared the device entry. */
    readonly unsynced: readonly number[];
  };
}

export interface Sizes {
  readonly pages: number;
  readonly ranges: number;
}

/** Initial state: every page mapped to pfn page+1, nothing registered, the device empty. */
export function initialShared({ pages, ranges }: Sizes): Shared {
  const each = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  return {
    mm: { mmap_sem: rwsem('mm->mmap_sem'), vma: true, pte: each(pages, (p) => p + 1) },
    hmm: { lock: mutex('hmm->lock'), mirrors_sem: rwsem('hmm->mirrors_sem'), notifiers: 0, dead: false },
    ranges: each(ranges, () => ({ hmm: false, listed: false, valid: false, start: 0, end: pages, pfns: each(pages, () => null) })),
    device: { lock: mutex('mydevice->lock'), pte: each(pages, () => null) },
    ghost: { registered: each(ranges, () => 0), unregisterCalls: each(ranges, () => 0), unsynced: each(pages, () => 0) },
  };
}

export const EFAULT = -14;
export const EAGAIN = -11;
export const EBUSY = -16;
