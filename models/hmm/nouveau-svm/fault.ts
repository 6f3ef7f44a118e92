/**
 * nouveau's GPU fault handler for one fault window, in the two versions the models compare.
 *
 * Linux 5.5 and later (drivers/gpu/drm/nouveau/nouveau_svm.c, from J. Gunthorpe, "[PATCH v3
 * 09/14] nouveau: use mmu_interval_notifier instead of hmm_mirror", 12 Nov 2019; the same loop in
 * later trees): nouveau_svm_fault() inserts an on-stack `struct svm_notifier` for the window,
 * calls nouveau_range_fault(), removes the notifier:
 *
 *     ret = mmu_interval_notifier_insert(&notifier.notifier, svmm->notifier.mm, args.i.p.addr, args.i.p.size, &nouveau_svm_mni_ops);
 *     if (!ret) { ret = nouveau_range_fault(svmm, svm->drm, &args, ..., &notifier); mmu_interval_notifier_remove(&notifier.notifier); }
 *     mmput(mm);
 *
 *     nouveau_range_fault():
 *     while (true) {
 *             if (time_after(jiffies, timeout)) return -EBUSY;
 *             range.notifier_seq = mmu_interval_read_begin(range.notifier);
 *             down_read(&mm->mmap_sem);
 *             ret = hmm_range_fault(&range, 0);
 *             up_read(&mm->mmap_sem);
 *             if (ret <= 0) { if (ret == 0 || ret == -EBUSY) continue; return ret; }
 *             mutex_lock(&svmm->mutex);
 *             if (mmu_interval_read_retry(range.notifier, range.notifier_seq)) { mutex_unlock(&svmm->mutex); continue; }
 *             break;
 *     }
 *     nouveau_dmem_convert_pfn(drm, &range);
 *     ret = nvif_object_ioctl(&svmm->vmm->vmm.object, data, size, NULL);
 *     mutex_unlock(&svmm->mutex);
 *
 * The GPU mapping outlives the fault: after remove, only nouveau's hlist notifier clears it.
 *
 * R. Campbell, "[PATCH v6 5/6] nouveau: use new mmu interval notifiers" (13 Jan 2020, not
 * merged): the interval notifier lives on (found or inserted under svmm->mutex by
 * nouveau_svmm_interval_find(), with mmap_sem held for read) and is not removed after the fault:
 *
 *             down_read(&mm->mmap_sem);
 *             ret = nouveau_svmm_interval_find(svmm, &range);
 *             if (ret) { up_read(&mm->mmap_sem); return ret; }
 *             range.notifier_seq = mmu_interval_read_begin(range.notifier);
 *             ret = hmm_range_fault(&range, 0);
 *             up_read(&mm->mmap_sem);
 *             ... (as above)
 *
 * Its mmu_interval_notifier_insert_safe() is modelled by the 5.5 insert (models/hmm/v5.5): we did
 * not find its text, only its call. hmm_range_fault is the 5.5 model's (a snapshot of the CPU pte:
 * a page the CPU side removed is not faulted back in, the GPU maps nothing for it). The 1 s
 * timeout is a nondeterministic choice at the top of each pass.
 */
import {
  call,
  down_read,
  either,
  kfree,
  label,
  mutex_lock,
  mutex_unlock,
  routine,
  step,
  up_read,
  type AnyRoutine,
  type Line,
} from '../../../src/index.ts';
import { hmm_range_fault, type FaultResult } from '../v5.5/hmm.ts';
import { mmu_interval_notifier_insert, mmu_interval_notifier_remove, mmu_interval_read_begin, mmu_interval_read_retry } from '../v5.5/mmu_notifier.ts';
import { EBUSY } from '../v5.5/state.ts';
import type { NvShared } from './state.ts';

interface Locals {
  readonly seq: number;
  readonly res: FaultResult;
  readonly ret: number;
}

const mni = { r: 0 };
/** The 5.5 model's routines run on this model's larger state (models/hmm/v5.5/state.ts `Shared` plus ghosts). */
const v55 = (r: AnyRoutine): AnyRoutine => r;
const mmapSem = (g: NvShared) => g.mm.mmap_sem;
const svmmMutex = (g: NvShared) => g.device.lock;

/** The loop of nouveau_range_fault() up to the GPU update, with the window's notifier found by `find`. */
function rangeFaultLoop(find: readonly Line<NvShared, Locals>[], exit: string): Line<NvShared, Locals>[] {
  const readBegin = call<NvShared, Locals, { r: number }>(v55(mmu_interval_read_begin), mni, { into: 'seq' });
  const fault = call<NvShared, Locals, { r: number; seq: number }>(v55(hmm_range_fault), (_g, my) => ({ r: 0, seq: my.seq }), { into: 'res' });
  const lock = down_read<NvShared, Locals>('down_read(&mm->mmap_sem)', mmapSem);
  return [
    label('again'),
    either('if (time_after(jiffies, timeout)) return -EBUSY', [
      { label: 'not yet', do: () => {} },
      {
        label: 'timed out',
        do: ({ my, goto }) => {
          my.ret = EBUSY;
          goto(exit);
        },
      },
    ]),
    // 5.5: read_begin, then mmap_sem; the rewrite: mmap_sem, find the interval, then read_begin.
    ...(find.length === 0 ? [readBegin, lock] : [lock, ...find, readBegin]),
    fault,
    up_read('up_read(&mm->mmap_sem)', mmapSem),
    step('if (ret <= 0) { if (ret == 0 || ret == -EBUSY) continue; return ret; }', ({ my, goto }) => {
      if (my.res.ret > 0) return;
      if (my.res.ret === 0 || my.res.ret === EBUSY) goto('again');
      else {
        my.ret = my.res.ret;
        goto(exit);
      }
    }),
    mutex_lock('mutex_lock(&svmm->mutex)', svmmMutex),
    step('if (mmu_interval_read_retry(range.notifier, range.notifier_seq))', ({ g, my, goto }) => {
      if (!mmu_interval_read_retry(g, 0, my.seq)) goto('program');
    }),
    mutex_unlock('mutex_unlock(&svmm->mutex); continue', svmmMutex, { then: 'again' }),
    label('program'),
    step('nouveau_dmem_convert_pfn(drm, &range); nvif_object_ioctl(&svmm->vmm->vmm.object, data, size, NULL)  /* PFNMAP: program the GPU */', ({ g, my }) => {
      const n = g.mni[0]!;
      for (let p = n.start; p < n.end; p++) g.device.pte[p] = my.res.pfns[p - n.start] ?? null;
    }),
    mutex_unlock('mutex_unlock(&svmm->mutex); return ret', svmmMutex),
  ];
}

const locals = (): Locals => ({ seq: 0, res: { ret: 0, pfns: [] }, ret: 0 });

/** nouveau_svm_fault() for one fault window, Linux 5.5 and later. */
export const nouveau_svm_fault = routine<NvShared, Locals>('nouveau_svm_fault', {
  locals,
  body: [
    call(v55(mmu_interval_notifier_insert), mni),
    ...rangeFaultLoop([], 'remove'),
    label('remove'),
    call(v55(mmu_interval_notifier_remove), mni),
    step('mmput(mm); } /* the on-stack struct svm_notifier goes out of scope */', (c) => kfree(c, c.g.mni[0]!.life, 'struct svm_notifier (on-stack)')),
  ],
});

/** nouveau_svm_fault() with [PATCH v6 5/6] (unmerged): the interval notifier is found or inserted, and kept. */
export const nouveau_svm_fault_rewrite = routine<NvShared, Locals>('nouveau_svm_fault', {
  locals,
  body: [
    ...rangeFaultLoop(
      [
        mutex_lock('nouveau_svmm_interval_find: mutex_lock(&svmm->mutex)', svmmMutex),
        step('mni = mmu_interval_notifier_find(svmm->mm, &nouveau_svm_mni_ops, start, last); if (mni) goto found', ({ g, goto }) => {
          if (g.mni[0]!.inTree || g.mni[0]!.deferred) goto('found');
        }),
        call(v55(mmu_interval_notifier_insert), mni),
        label('found'),
        mutex_unlock('found: range->notifier = &smi->notifier; mutex_unlock(&svmm->mutex); return 0', svmmMutex),
      ],
      'done',
    ),
    label('done'),
    step('return ret', () => {}),
  ],
});
