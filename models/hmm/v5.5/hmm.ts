/**
 * long hmm_range_fault(range, flags) of Linux 5.5 (mm/hmm.c), snapshot use (no faulting): the
 * caller holds mmap_sem for read and keeps it on every return. 5.5 checks the interval notifier's
 * sequence instead of 5.2's `range->valid`: `if (mmu_interval_check_retry(range->notifier,
 * range->notifier_seq)) return -EBUSY;` (added by J. Gunthorpe, "[PATCH hmm 03/15] mm/hmm: allow
 * hmm_range to be used with a mmu_range_notifier or hmm_mirror", 15 Oct 2019, idx:9624016822; the
 * same lines in later mm/hmm.c, e.g. idx:4272260), then `vma = find_vma(mm, start); if (vma == NULL
 * ...) return -EFAULT;`, then the walk of the page table (one step: the default models have one
 * page), returning the number of pages.
 */
import { routine, step } from '../../../src/index.ts';
import { EBUSY, EFAULT, type Shared } from './state.ts';
import { MMAP_SEM } from './footprints.ts';

export interface FaultArgs {
  readonly r: number;
  /** `range->notifier_seq`, from mmu_interval_read_begin(). */
  readonly seq: number;
}

interface FaultLocals extends FaultArgs {
  readonly pfns: readonly (number | null)[];
}

/** Returns the page count, -EBUSY or -EFAULT; the pfns land in the caller's local `pfns` through the return value. */
export const hmm_range_fault = routine<Shared, FaultLocals, FaultArgs>('hmm_range_fault', {
  locals: (a) => ({ ...a, pfns: [] }),
  body: [
    step(
      'if (mmu_interval_check_retry(range->notifier, range->notifier_seq)) return -EBUSY',
      ({ g, my, ret }) => {
        if (g.mni[my.r]!.invalidate_seq !== my.seq) ret({ ret: EBUSY, pfns: [] });
      },
      { footprint: (tid) => ({ reads: [`mni.${tid}.invalidate_seq`], holding: [MMAP_SEM] }) },
    ),
    step(
      'vma = find_vma(mm, start); if (vma == NULL) return -EFAULT',
      ({ g, ret }) => {
        if (!g.mm.vma) ret({ ret: EFAULT, pfns: [] });
      },
      { footprint: { reads: ['mm.vma'], holding: [MMAP_SEM] } },
    ),
    step(
      'walk_page_range(start, end, &hmm_walk_ops, &hmm_vma_walk)',
      ({ g, my, ret }) => {
        const mni = g.mni[my.r]!;
        const pfns: (number | null)[] = [];
        for (let p = mni.start; p < mni.end; p++) pfns.push(g.mm.pte[p] ?? null);
        ret({ ret: mni.end - mni.start, pfns });
      },
      { footprint: (tid) => ({ reads: [`mni.${tid}.start`, `mni.${tid}.end`, 'mm.pte'], holding: [MMAP_SEM] }) },
    ),
  ],
});

export interface FaultResult {
  readonly ret: number;
  readonly pfns: readonly (number | null)[];
}
