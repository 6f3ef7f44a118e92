/**
 * The mmu-notifier subscribers of the post-5.5 models, each as the kernel text it stands for.
 *
 * nouveau (Linux 5.5 and later, drivers/gpu/drm/nouveau/nouveau_svm.c) subscribes twice:
 * - an interval notifier per GPU fault window, `nouveau_svm_range_invalidate`, which only moves
 *   the sequence (J. Gunthorpe, "[PATCH v3 09/14] nouveau: use mmu_interval_notifier instead of
 *   hmm_mirror", 12 Nov 2019). Its comment: "This is very hacky and only works because the normal
 *   notifier that does invalidation is always called after the range notifier." The same function
 *   and comment are still in later trees (a 5.14+ copy with the MMU_NOTIFY_EXCLUSIVE test, and
 *   the Jan 2025 review of D. Hildenbrand's device-exclusive series quotes them);
 * - an ordinary (hlist) mmu_notifier, `nouveau_svmm_invalidate_range_start`, which clears the
 *   GPU page table and refuses every non-blockable call: `if
 *   (!mmu_notifier_range_blockable(update)) return -EAGAIN;` (J. Gunthorpe, "nouveau: use
 *   mmu_notifier directly for invalidate_range_start", same series; unchanged in the 5.14+ copy).
 *
 * The unmerged rewrite: R. Campbell, "[PATCH v6 5/6] nouveau: use new mmu interval notifiers"
 * (13 Jan 2020) drops the hlist notifier; its `nouveau_svmm_interval_invalidate` clears the GPU
 * page table itself under svmm->mutex, after mmu_interval_set_seq(). The series needed new core
 * calls (mmu_interval_notifier_insert_safe, _find, _put, _update) and was not merged: the later
 * trees above still have the split pair.
 *
 * KVM-like: a subscriber that counts in start and uncounts in end (J. Gunthorpe quoting KVM's
 * `kvm->mmu_notifier_count++` / `--` in his 2021 reply to S. Christopherson's "[PATCH]
 * mm/oom_kill: Ensure MMU notifier range_end() is paired with range_start()"). KVM never fails
 * its start; only the pairing matters.
 *
 * The GPU page-table update (NVIF_VMM_V0_PFNCLR through nouveau_svmm_invalidate) is one step
 * that clears `device.pte` for the range.
 */
import type { Draft } from 'immer';
import { label, mutex_lock, mutex_trylock, mutex_unlock, routine, step, use } from '../../../src/index.ts';
import { EAGAIN, type NvShared } from './state.ts';

export interface Range {
  readonly start: number;
  readonly end: number;
  /** mmu_notifier_range_blockable(range). */
  readonly blockable: boolean;
}

export interface IntervalArgs extends Range {
  readonly r: number;
  readonly cur_seq: number;
}

const svmmMutex = (g: NvShared) => g.device.lock;

const clearDevice = (g: Draft<NvShared>, { start, end }: Range) => {
  for (let p = start; p < end; p++) if (p < g.device.pte.length) g.device.pte[p] = null;
};

/**
 * An interval callback `bool invalidate(mni, range, cur_seq)` of nouveau's shape: lock
 * svmm->mutex (trylock when the range is not blockable, returning false when it is taken),
 * `mmu_interval_set_seq(mni, cur_seq)`, and, in the rewrite only, clear the GPU page table.
 */
function intervalCallback(name: string, lockLabel: string, body: { label: string; clear: boolean }) {
  return routine<NvShared, IntervalArgs & { took: boolean }, IntervalArgs>(name, {
    locals: (a) => ({ ...a, took: false }),
    body: [
      step('if (mmu_notifier_range_blockable(range))', ({ my, goto }) => {
        if (!my.blockable) goto('trylock');
      }),
      mutex_lock(`mutex_lock(&${lockLabel}->mutex)`, svmmMutex, { then: 'locked' }),
      label('trylock'),
      mutex_trylock(`else if (!mutex_trylock(&${lockLabel}->mutex))`, svmmMutex, 'took'),
      step('return false', ({ my, ret }) => {
        if (!my.took) ret(false);
      }),
      label('locked'),
      step(body.label, (c) => {
        const mni = c.g.mni[c.my.r]!;
        use(c, mni.life, 'mmu_interval_set_seq(mni, cur_seq)');
        mni.invalidate_seq = c.my.cur_seq;
        if (body.clear) clearDevice(c.g, c.my);
      }),
      mutex_unlock(`mutex_unlock(&${lockLabel}->mutex)`, svmmMutex),
      step('return true', ({ ret }) => ret(true)),
    ],
  });
}

/** nouveau_svm_range_invalidate (5.5 and later): the sequence only. */
export const nouveau_svm_range_invalidate = intervalCallback('nouveau_svm_range_invalidate', 'sn->svmm', {
  label: 'mmu_interval_set_seq(mni, cur_seq)',
  clear: false,
});

/** nouveau_svmm_interval_invalidate ([PATCH v6 5/6], unmerged): the sequence and the GPU page table. */
export const nouveau_svmm_interval_invalidate = intervalCallback('nouveau_svmm_interval_invalidate', 'svmm', {
  label: 'mmu_interval_set_seq(mni, cur_seq); nouveau_svmm_invalidate(svmm, range->start, range->end)',
  clear: true,
});

/** nouveau_svmm_invalidate_range_start (5.5 and later), nouveau's hlist notifier: returns 0 or -EAGAIN. */
export const nouveau_svmm_invalidate_range_start = routine<NvShared, Range, Range>('nouveau_svmm_invalidate_range_start', {
  locals: (a) => ({ ...a }),
  body: [
    step('if (!mmu_notifier_range_blockable(update)) return -EAGAIN', ({ my, ret }) => {
      if (!my.blockable) ret(EAGAIN);
    }),
    mutex_lock('mutex_lock(&svmm->mutex)', svmmMutex),
    step('nouveau_svmm_invalidate(svmm, start, limit)', ({ g, my }) => clearDevice(g, my)),
    mutex_unlock('out: mutex_unlock(&svmm->mutex)', svmmMutex),
    step('return 0', ({ ret }) => ret(0)),
  ],
});

/** A KVM-like subscriber's invalidate_range_start: counts the invalidation, never fails. */
export const kvm_invalidate_range_start = routine<NvShared, Range, Range>('kvm_mmu_notifier_invalidate_range_start', {
  locals: (a) => ({ ...a }),
  body: [
    step('kvm->mmu_notifier_count++; return 0', ({ g, ret }) => {
      g.kvm.mmu_notifier_count += 1;
      ret(0);
    }),
  ],
});

/** Its invalidate_range_end. */
export const kvm_invalidate_range_end = routine<NvShared, Range, Range>('kvm_mmu_notifier_invalidate_range_end', {
  locals: (a) => ({ ...a }),
  body: [
    step('kvm->mmu_notifier_count--', ({ g }) => {
      g.kvm.mmu_notifier_count -= 1;
    }),
  ],
});
