/**
 * hmm/v5.5-nouveau-split-invalidate, hmm/v5.5-nouveau-split-reversed and
 * hmm/v5.5-nouveau-interval-rewrite-unmerged — nouveau's SVM invalidation split across two
 * notifiers, Linux 5.5 and later (drivers/gpu/drm/nouveau/nouveau_svm.c; sources in
 * models/hmm/nouveau-svm/subscribers.ts and fault.ts).
 *
 * In 5.5 the interval notifier of a GPU fault window only moves the sequence
 * (nouveau_svm_range_invalidate: svmm->mutex, mmu_interval_set_seq, unlock) and nouveau's ordinary
 * hlist notifier clears the GPU page table (nouveau_svmm_invalidate_range_start: svmm->mutex,
 * PFNCLR, unlock). The driver's comment: "This is very hacky and only works because the normal
 * notifier that does invalidation is always called after the range notifier."
 * __mmu_notifier_invalidate_range_start calls mn_itree_invalidate first, then the hlist.
 *
 * Actors: the GPU fault handler for one window (insert, read_begin, hmm_range_fault under
 * mmap_sem, svmm->mutex, read_retry, program the GPU, unlock, remove) and page reclaim
 * (try_to_unmap_one: blockable start, ptep_clear_flush, end). Property: no stale device mapping,
 * strictly (the GPU never maps a pfn the CPU does not: both callbacks run before the CPU pte
 * changes).
 *
 * Expected verdicts, from the comment: the kernel's order (tree, then hlist) passes; the other
 * order, which no kernel has, fails: the hlist callback clears a GPU table that does not map the
 * page yet, the fault handler then takes svmm->mutex, finds the sequence unchanged (the interval
 * callback has not run) and programs the pfn it read, and only then does the interval callback
 * move the sequence; reclaim frees the page under the GPU mapping.
 *
 * The rewrite, R. Campbell's "[PATCH v6 5/6] nouveau: use new mmu interval notifiers" (13 Jan
 * 2020), was not merged (later trees still have the split pair): its interval callback
 * (nouveau_svmm_interval_invalidate) moves the sequence and clears the GPU table under one
 * svmm->mutex section, and there is no hlist notifier, so there is no order to depend on. It
 * passes with reclaim and, `-p invalidator=oom`, with the OOM reaper (whose non-blocking start
 * then fails only in the interval callback's trylock, which mn_itree_invalidate unwinds itself;
 * compare hmm/v5.12-nouveau-oom-itree-leak).
 */
import { defineModel } from '../../src/index.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';
import { nouveau_svm_fault, nouveau_svm_fault_rewrite } from './nouveau-svm/fault.ts';
import { nouveauSpec, type Invalidator } from './nouveau-svm/spec.ts';
import { nouveau_svm_range_invalidate, nouveau_svmm_interval_invalidate, nouveau_svmm_invalidate_range_start } from './nouveau-svm/subscribers.ts';

const SOURCES = [
  '"[PATCH v3 09/14] nouveau: use mmu_interval_notifier instead of hmm_mirror", J. Gunthorpe, 12 Nov 2019 (merged for 5.5): nouveau_svm_range_invalidate, nouveau_range_fault, nouveau_svm_fault',
  '"nouveau: use mmu_notifier directly for invalidate_range_start", same series: nouveau_svmm_invalidate_range_start',
  'mm/mmu_notifier.c (5.5; torvalds/linux @c2818c9a0876): __mmu_notifier_invalidate_range_start, mn_itree_invalidate',
];

const split = (order: 'itree-first' | 'hlist-first') =>
  nouveauSpec({
    core: { interval: nouveau_svm_range_invalidate, hlist: [{ start: nouveau_svmm_invalidate_range_start, end: null }], unwind: 'none', order },
    fault: nouveau_svm_fault,
    invalidator: 'reclaim',
  });

export const splitInvalidate = defineModel({
  name: 'hmm/v5.5-nouveau-split-invalidate',
  description: 'Linux 5.5+ nouveau: the interval callback only moves the sequence, the hlist notifier clears the GPU; the core calls the tree first (passes)',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => split('itree-first'),
});

export const splitReversed = defineModel({
  name: 'hmm/v5.5-nouveau-split-reversed',
  description: 'Linux 5.5+ nouveau with the hlist notifier called before the interval tree (no kernel does): the GPU maps a reclaimed page',
  params: {},
  expected: { verdict: 'violation', property: NO_STALE_MAPPING },
  sources: SOURCES,
  build: () => split('hlist-first'),
});

export const intervalRewrite = defineModel({
  name: 'hmm/v5.5-nouveau-interval-rewrite-unmerged',
  description: 'R. Campbell\'s unmerged nouveau rewrite (Jan 2020): one interval callback moves the sequence and clears the GPU, no hlist notifier',
  params: { invalidator: 'reclaim' as Invalidator },
  expected: { verdict: 'pass' },
  sources: ['"[PATCH v6 5/6] nouveau: use new mmu interval notifiers", R. Campbell, 13 Jan 2020 (not merged)', ...SOURCES.slice(2)],
  build: ({ invalidator }) => {
    if (invalidator !== 'reclaim' && invalidator !== 'oom') throw new Error('invalidator must be reclaim or oom');
    return nouveauSpec({
      core: { interval: nouveau_svmm_interval_invalidate, hlist: [], unwind: 'none', order: 'itree-first' },
      fault: nouveau_svm_fault_rewrite,
      invalidator,
    });
  },
});
