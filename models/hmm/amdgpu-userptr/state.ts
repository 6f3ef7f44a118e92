/**
 * Shared state of the amdgpu userptr models: the post-5.5 state (models/hmm/nouveau-svm/state.ts)
 * with the BO's interval notifier already inserted (amdgpu_hmm_register at userptr creation), the
 * device lock named `adev->notifier_lock`, and the BO's `gtt->range` slot.
 */
import { mutex } from '../../../src/index.ts';
import { initialNouveau, type NvShared } from '../nouveau-svm/state.ts';

export const EFAULT = -14;

/** A struct hmm_range as far as the models need it: which CS allocated it, and its notifier_seq. */
export interface HmmRange {
  readonly owner: number;
  readonly seq: number;
}

/** Ghost counters (not in the kernel) for the properties of models/hmm/v6.1-amdgpu-userptr-range.ts. */
export interface UserptrGhost {
  /** WARN_ON(gtt->range) fired: a CS was refused with -EFAULT. */
  readonly warned: number;
  /** A pass's mmu_interval_read_retry checked a range another pass allocated. */
  readonly foreign: number;
  /** A GPU job was pushed without this pass's own range passing read_retry, or read_retry ran without notifier_lock. */
  readonly ungated: number;
}

export type AmdShared = NvShared & { readonly gtt: { readonly range: HmmRange | null; readonly ghost: UserptrGhost } };

export function initialAmdgpu(): AmdShared {
  const base = initialNouveau();
  // __mmu_interval_notifier_insert with no invalidation running: invalidate_seq = mm's - 1.
  const mni = base.mni.map((m) => ({ ...m, inTree: true, invalidate_seq: base.mmn_mm.invalidate_seq - 1 }));
  return { ...base, mni, device: { ...base.device, lock: mutex('adev->notifier_lock') }, gtt: { range: null, ghost: { warned: 0, foreign: 0, ungated: 0 } } };
}
