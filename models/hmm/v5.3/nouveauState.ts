/**
 * Shared state of the nouveau fault-path models (Linux 5.3-rc1 and its 5.3-rc fix): the CPU side
 * as in the 5.2 models, the parts of 5.3's `struct hmm` the range API touches (`spinlock_t
 * ranges_lock`, `wq`, `notifiers`), nouveau's one `struct hmm_range` of a fault, `svmm->mutex`
 * (taken by the fault path around the re-check and by nouveau's sync_cpu_device_pagetables
 * callback), the GPU page table, and ghost counters.
 */
import { lifetime, mutex, rwsem, spinlock, waitqueue, type Lifetime, type Mutex, type RwSemaphore, type Spinlock, type WaitQueue } from '../../../src/index.ts';
import type { Pfn } from '../v5.2/state.ts';

export interface NouveauShared {
  readonly mm: { readonly mmap_sem: RwSemaphore; readonly vma: boolean; readonly pte: readonly Pfn[] };
  readonly hmm: { readonly ranges_lock: Spinlock; readonly wq: WaitQueue; readonly notifiers: number };
  readonly range: {
    /** On `hmm->ranges` (between hmm_range_register and hmm_range_unregister). */
    readonly listed: boolean;
    readonly valid: boolean;
    readonly pfns: readonly Pfn[];
    /**
     * With `-p unregister=true` only: the range is `struct hmm_range range;` on nouveau_svm_fault()'s
     * stack, so it dies when that function returns; the invalidation's walk of hmm->ranges then
     * writes into a dead stack frame if it is still listed.
     */
    readonly life?: Lifetime;
  };
  readonly svmm: { readonly mutex: Mutex };
  /** GPU page table: page → pfn. */
  readonly device: { readonly pte: readonly Pfn[] };
  readonly ghost: { readonly registered: number; readonly unregistered: number; readonly faultedIn: number };
}

export function initialNouveau(pages: number, stackLifetime = false): NouveauShared {
  const each = <T>(f: (i: number) => T): T[] => Array.from({ length: pages }, (_, i) => f(i));
  return {
    mm: { mmap_sem: rwsem('mm->mmap_sem'), vma: true, pte: each((p) => p + 1) },
    hmm: { ranges_lock: spinlock('hmm->ranges_lock'), wq: waitqueue('hmm->wq'), notifiers: 0 },
    range: { listed: false, valid: false, pfns: each(() => null), ...(stackLifetime ? { life: lifetime('struct hmm_range range (on nouveau_svm_fault\'s stack)') } : {}) },
    svmm: { mutex: mutex('svmm->mutex') },
    device: { pte: each(() => null) },
    ghost: { registered: 0, unregistered: 0, faultedIn: 0 },
  };
}

export const EFAULT = -14;
export const EAGAIN = -11;
export const EBUSY = -16;
