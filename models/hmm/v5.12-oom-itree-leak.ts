/**
 * The OOM reaper's non-blocking invalidation after 5.5, when an mm has more than one kind of
 * subscriber (issue: an interval-tree start succeeds, then an hlist subscriber refuses).
 *
 * Code modelled: __mmu_notifier_invalidate_range_start / mn_itree_invalidate /
 * mn_hlist_invalidate_range_start / mn_itree_inv_end (mm/mmu_notifier.c) and __oom_reap_task_mm
 * (mm/oom_kill.c), citations in models/hmm/nouveau-svm/mmu_notifier.ts and models/hmm/v5.2/oom.ts;
 * the subscribers are nouveau's (models/hmm/nouveau-svm/subscribers.ts) and a KVM-like counter.
 *
 * hmm/v5.11-oom-hlist-unpaired / hmm/v5.12-oom-hlist-paired — two hlist subscribers: nouveau's
 * svmm notifier, which returns -EAGAIN to every non-blockable start, and a KVM-like one that
 * counts in start and uncounts in end. Up to 5.11 the core returns -EAGAIN after calling both,
 * the reaper skips invalidate_range_end, and the count stays at 1 (S. Christopherson, "Verified by
 * adding a second notifier in KVM that periodically returns -EAGAIN on non-blockable ranges,
 * triggering OOM, and observing that KVM exits with an elevated notifier count"; his v2 commit
 * message: "The only notifiers that can fail _start() are the i915 and Nouveau drivers"). 5.12's
 * c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()" calls the end
 * of every hlist subscriber that has one when the hlist start failed: pass. Expected verdicts from
 * that commit.
 *
 * hmm/v5.12-nouveau-oom-itree-leak — nouveau alone, as shipped from 5.5 to today: its GPU fault
 * handler (an interval notifier for the fault window) and its svmm hlist notifier, against the OOM
 * reaper, on a kernel with c2655835fd8c. mn_itree_invalidate() succeeds (it raised
 * active_invalidate_ranges, and made invalidate_seq odd if the window's notifier overlaps), then
 * nouveau's hlist start returns -EAGAIN. c2655835fd8c's unwind loop walks only the hlist, and
 * __mmu_notifier_invalidate_range_start returns -EAGAIN; the reaper skips
 * mmu_notifier_invalidate_range_end, so mn_itree_inv_end never runs. Expected: violation of
 * "no invalidation in flight: active_invalidate_ranges is 0 and invalidate_seq even", from the
 * code (the record has no report of it that we found). The checker's shortest counterexample needs
 * no GPU fault at all: the reaper alone leaves active_invalidate_ranges at 1, because
 * mn_itree_inv_start_range counts every range whether or not a notifier overlaps. After that no
 * mn_itree_inv_end brings the count to 0, so invalidate_seq, once odd, never becomes even again;
 * a later mmu_interval_notifier_insert makes it odd itself, and the fault handler's
 * mmu_interval_read_begin() sleeps in wait_event() with no timeout, for ever: with the safety
 * invariant left out, the same model is a deadlock (the fault handler asleep on mmn_mm->wq), and
 * the liveness property "the GPU fault handler finishes" fails.
 *
 * hmm/v5.12-oom-itree-unwind — a candidate fix, in no kernel: the same unwind c2655835fd8c does
 * for the hlist, done for the interval tree (mn_itree_inv_end() when the hlist start fails after
 * the tree's succeeded). J. Gunthorpe's stop-gap of Aug 2019, "[PATCH] mm/mmn: prevent unpaired
 * invalidate_start and invalidate_end with non-blocking" (not merged; M. Hocko acked it as a stop
 * gap, C. Hellwig: "a pretty big hammer"), refused non-blocking starts up front whenever an mm had
 * more than one subscription, which would also avoid this leak; it predates the interval tree.
 * Expected: pass.
 */
import { defineModel } from '../../src/index.ts';
import { nouveau_svm_fault } from './nouveau-svm/fault.ts';
import type { CoreConfig } from './nouveau-svm/mmu_notifier.ts';
import { INTERVAL_QUIESCENT, KVM_COUNT_ZERO, nouveauSpec } from './nouveau-svm/spec.ts';
import { kvm_invalidate_range_end, kvm_invalidate_range_start, nouveau_svm_range_invalidate, nouveau_svmm_invalidate_range_start } from './nouveau-svm/subscribers.ts';

const SOURCES = [
  'c2655835fd8c "mm/mmu_notifiers: ensure range_end() is paired with range_start()" (S. Christopherson, 5.12-rc3, Cc stable): mn_hlist_invalidate_range_start unwind',
  'mm/mmu_notifier.c: __mmu_notifier_invalidate_range_start, mn_itree_invalidate, mn_itree_inv_end (5.5 to 6.x, unchanged in the part modelled)',
  'mm/oom_kill.c __oom_reap_task_mm: mmu_notifier_invalidate_range_start_nonblock, no range_end on failure',
  'drivers/gpu/drm/nouveau/nouveau_svm.c (5.5+): nouveau_svm_range_invalidate, nouveau_svmm_invalidate_range_start, nouveau_range_fault',
  '"[PATCH] mm/mmn: prevent unpaired invalidate_start and invalidate_end with non-blocking", J. Gunthorpe, 7 Aug 2019 (not merged)',
];

const nouveauHlist = { start: nouveau_svmm_invalidate_range_start, end: null };
const kvm = { start: kvm_invalidate_range_start, end: kvm_invalidate_range_end };

const hlistPair = (unwind: CoreConfig['unwind']) =>
  nouveauSpec({ core: { interval: null, hlist: [nouveauHlist, kvm], unwind, order: 'itree-first' }, fault: null, invalidator: 'oom' });

const nouveauOom = (unwind: CoreConfig['unwind']) =>
  nouveauSpec({ core: { interval: nouveau_svm_range_invalidate, hlist: [nouveauHlist], unwind, order: 'itree-first' }, fault: nouveau_svm_fault, invalidator: 'oom' });

export const hlistUnpaired511 = defineModel({
  name: 'hmm/v5.11-oom-hlist-unpaired',
  description: 'Linux 5.5-5.11: nouveau\'s hlist notifier refuses the OOM reaper, which skips range_end for a KVM-like subscriber too (count stays 1)',
  params: {},
  expected: { verdict: 'violation', property: KVM_COUNT_ZERO },
  sources: SOURCES,
  build: () => hlistPair('none'),
});

export const hlistPaired512 = defineModel({
  name: 'hmm/v5.12-oom-hlist-paired',
  description: 'Linux 5.12+ (c2655835fd8c): a failed hlist start calls every hlist subscriber\'s range_end, so the KVM-like count returns to 0',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => hlistPair('hlist'),
});

export const itreeLeak512 = defineModel({
  name: 'hmm/v5.12-nouveau-oom-itree-leak',
  description: 'Linux 5.12+ nouveau vs the OOM reaper: the interval tree starts, nouveau\'s hlist notifier refuses, mn_itree_inv_end never runs',
  params: {},
  expected: { verdict: 'violation', property: INTERVAL_QUIESCENT },
  sources: SOURCES,
  build: () => nouveauOom('hlist'),
});

export const itreeUnwind = defineModel({
  name: 'hmm/v5.12-oom-itree-unwind',
  description: 'Candidate fix (in no kernel): __mmu_notifier_invalidate_range_start also runs mn_itree_inv_end when the hlist start fails',
  params: {},
  expected: { verdict: 'pass' },
  sources: SOURCES,
  build: () => nouveauOom('itree'),
});
