/**
 * hmm/v5.6-hmm-range-fault-walk and hmm/v5.7-hmm-range-fault-walk — the page-table walk of
 * hmm_range_fault() over one page whose shape (pud, pmd, pte) and request are chosen
 * nondeterministically, before and after J. Gunthorpe's walk fixes of the 5.7 cycle. Code and
 * citations: models/hmm/v5.6/walk.ts.
 *
 * Properties:
 * - pte_offset_map and pte_unmap balanced on every return path (when hmm_range_fault returns);
 * - no sleeping under spinlock (built in: handle_mm_fault() is a sleeping step);
 * - success means every requested pfn is valid: a return >= 0 with a fault requested leaves no
 *   HMM_PFN_ERROR (or NONE / SPECIAL) in the pfn.
 *
 * Expected verdicts, from the three commit messages: 5.6 violates all three (the shortest is the
 * sleep under the pud spinlock, 6 steps; each is pinned alone in models/hmm/post55.test.ts); 5.7
 * passes.
 */
import { always, defineModel, SLEEP_UNDER_SPINLOCK, spinlock, type ModelSpec } from '../../src/index.ts';
import { hmmRangeFaultWalk, type WalkShared, type WalkVersion } from './v5.6/walk.ts';

export const PTE_MAP_BALANCED = 'pte_offset_map and pte_unmap balanced when hmm_range_fault returns';
export const SUCCESS_MEANS_VALID = 'hmm_range_fault succeeds only if every requested pfn is valid';

const SOURCES = [
  '"[PATCH hmm 1/8] mm/hmm: add missing unmaps of the ptep during hmm_vma_handle_pte()", J. Gunthorpe, 11 Mar 2020',
  '"[PATCH hmm 3/8] mm/hmm: do not call hmm_vma_walk_hole() while holding a spinlock", J. Gunthorpe, 11 Mar 2020',
  '"[PATCH hmm 7/8] mm/hmm: return -EFAULT when setting HMM_PFN_ERROR on requested valid pages", J. Gunthorpe, 11 Mar 2020',
  'mm/hmm.c (5.6 and 5.7): hmm_range_fault, hmm_vma_walk_pud, hmm_vma_walk_pmd, hmm_vma_handle_pte',
];

function walkSpec(v: WalkVersion): ModelSpec<WalkShared> {
  return {
    shared: { ptl: spinlock('pud ptl'), mapped: 0, request: 'none', pfn: null, ret: null },
    actors: [{ name: 'hmm_range_fault', routine: hmmRangeFaultWalk(v) }],
    properties: [
      always<WalkShared>(PTE_MAP_BALANCED, (g, w) => !w.finished(0) || g.mapped === 0, (g) => `hmm_range_fault returned ${g.ret} with ${g.mapped} pte mapping(s) not unmapped`),
      always<WalkShared>(
        SUCCESS_MEANS_VALID,
        (g, w) => !w.finished(0) || g.ret === null || g.ret < 0 || g.request === 'none' || g.pfn === 'valid',
        (g) => `hmm_range_fault returned ${g.ret} for a ${g.request} request, but the pfn is ${g.pfn}`,
      ),
    ],
  };
}

export const walk56 = defineModel({
  name: 'hmm/v5.6-hmm-range-fault-walk',
  description: 'Linux 5.6 hmm_range_fault walk: error returns without pte_unmap, handle_mm_fault under the pud spinlock, HMM_PFN_ERROR with success',
  params: {},
  expected: { verdict: 'violation', property: SLEEP_UNDER_SPINLOCK },
  sources: SOURCES,
  build: () => walkSpec('5.6'),
});

export const walk57 = defineModel({
  name: 'hmm/v5.7-hmm-range-fault-walk',
  description: 'Linux 5.7 hmm_range_fault walk after J. Gunthorpe\'s error-path fixes: balanced unmaps, no fault under the spinlock, -EFAULT for requested error pfns',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => walkSpec('5.7'),
});
