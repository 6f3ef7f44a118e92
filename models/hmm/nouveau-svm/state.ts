/**
 * Shared state of the post-5.5 nouveau SVM and mmu-notifier models (models/hmm/nouveau-svm/):
 * the 5.5 interval-notifier state of models/hmm/v5.5/state.ts (mm, `mmn_mm`, one
 * `struct mmu_interval_notifier`, the device page table) with nouveau's names, plus the ghost
 * counters the OOM-reaper properties read and one KVM-like hlist subscriber's count.
 *
 * Names: 5.5 calls the per-mm structure `struct mmu_notifier_mm` (`mmn_mm`); 5.7 renamed it
 * `struct mmu_notifier_subscriptions` (mm/mmu_notifier.c, stored torvalds/linux copy
 * @c2818c9a0876) without changing its fields or the code modelled here. The device lock is
 * nouveau's `svmm->mutex`: the fault path programs the GPU under it and both of nouveau's
 * notifiers take it (J. Gunthorpe, "[PATCH v3 09/14] nouveau: use mmu_interval_notifier instead of
 * hmm_mirror", 12 Nov 2019, merged for 5.5).
 *
 * Simplifications: one page, one vma, one interval notifier (the fault window's `struct
 * svm_notifier`, on the fault handler's stack), `has_itree` already set (an earlier GPU fault
 * inserted a notifier on this mm).
 */
import { mutex } from '../../../src/index.ts';
import { initialShared, type Shared } from '../v5.5/state.ts';

export const EAGAIN = -11;

export interface NvGhost {
  /** Invalidations started (mmu_notifier_range_init) and not finished (tlb_finish_mmu / page_vma_mapped_walk_done). */
  readonly inFlight: number;
}

export type NvShared = Shared & {
  /** Ghost: named `oom` so the OOM reaper and reclaimer of models/hmm/v5.2/oom.ts can count invalidations in flight. */
  readonly oom: NvGhost;
  /** A KVM-like hlist subscriber: `kvm->mmu_notifier_count`, ++ in its invalidate_range_start, -- in its invalidate_range_end. */
  readonly kvm: { readonly mmu_notifier_count: number };
};

/** Page 0 mapped to pfn 1 by the CPU, nothing on the GPU, the fault window's notifier not yet inserted. */
export function initialNouveau(): NvShared {
  const base = initialShared({ pages: 1, drivers: 1 });
  return { ...base, device: { ...base.device, lock: mutex('svmm->mutex') }, oom: { inFlight: 0 }, kvm: { mmu_notifier_count: 0 } };
}
