/**
 * nouveau's GPU fault handler, drivers/gpu/drm/nouveau/nouveau_svm.c, for one fault, in the two
 * versions of the kernel record:
 *
 * - `rc1` (Linux 5.3-rc1): nouveau_svm_fault() takes mmap_sem, then `again: ret =
 *   hmm_vma_fault(&svmm->mirror, &range, true); if (ret == 0) { mutex_lock(&svmm->mutex); if
 *   (!hmm_vma_range_done(&range)) { mutex_unlock(&svmm->mutex); goto again; } ... PFNMAP ...;
 *   mutex_unlock(&svmm->mutex); } up_read(&svmm->mm->mmap_sem);` — hmm_vma_fault() and
 *   hmm_vma_range_done() are the include/linux/hmm.h wrappers of 5.3-rc1 (their text is the `-`
 *   lines of C. Hellwig, "[PATCH 2/6] mm: move hmm_vma_range_done and hmm_vma_fault to nouveau",
 *   22 Jul 2019, idx:7957897664, hmm.h blob b8a08b2a10ca). hmm_vma_fault() drops mmap_sem itself on
 *   the wait timeout (`up_read; return -EAGAIN;`), on -EBUSY and 0 from hmm_range_fault (`up_read;
 *   ret = -EBUSY`), and counts on hmm_range_fault having dropped it on -EAGAIN; the caller then
 *   runs `up_read()` again for every nonzero return.
 * - `fixed` (the 5.3-rc fix, "HMM patches for 5.3-rc", J. Gunthorpe's pull of 30 Jul 2019,
 *   idx:8479550213, tip de4ee728465f): C. Hellwig, "[PATCH 4/6] nouveau: unlock mmap_sem on all
 *   errors from nouveau_range_fault" (idx:7867408386): "Currently nouveau_svm_fault expects
 *   nouveau_range_fault to never unlock mmap_sem, but the latter unlocks it for a random selection
 *   of error codes. Fix this up by always unlocking mmap_sem for non-zero return values in
 *   nouveau_range_fault, and only unlocking it in the caller for successful returns." Together
 *   with "[PATCH 1/6] mm/hmm: always return EBUSY for invalid ranges" (hmm_range_fault keeps
 *   mmap_sem), "[PATCH 2/6]" (the wrappers moved into nouveau as nouveau_range_fault /
 *   nouveau_range_done) and "[PATCH 3/6] nouveau: remove the block parameter".
 *
 * The fault window's vma lookup (`down_read(&svmm->mm->mmap_sem); vma =
 * find_vma_intersection(svmm->mm, start, limit); if (!vma) { up_read(...);
 * nouveau_svm_fault_cancel_fault(...); continue; }`) is modelled; the pfn-array setup is not.
 */
import { call, down_read, kfree, label, mutex_lock, mutex_unlock, routine, step, up_read, type Line, type StepContext } from '../../../src/index.ts';
import { hmmRangeFault, hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid } from './nouveauHmm.ts';
import { EAGAIN, EBUSY, type NouveauShared as G } from './nouveauState.ts';

export type NouveauVersion = 'rc1' | 'fixed';

const mmapSem = (g: G) => g.mm.mmap_sem;

interface RangeFaultLocals {
  readonly ret: number;
  readonly ok: boolean;
}

/**
 * The start both versions share: register the range, wait for it to become valid, and on a
 * timeout drop mmap_sem and return -EAGAIN with the range still registered. A register failure
 * (`ifFailed`: 5.3-rc1 returns with mmap_sem held, the fix drops it first) needs an exiting mm,
 * which these models do not have.
 */
function registerAndWait(ifFailed: string): Line<G, RangeFaultLocals>[] {
  return [
    call(hmm_range_register, undefined, { into: 'ret' }),
    step(ifFailed, ({ my, ret }) => {
      if (my.ret) ret(my.ret);
    }),
    call(hmm_range_wait_until_valid, undefined, { into: 'ok' }),
    step('if (!hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT))', ({ my, goto }) => {
      if (my.ok) goto('fault');
    }),
    up_read('up_read(&range->vma->vm_mm->mmap_sem)', mmapSem),
    step('return -EAGAIN', ({ ret }) => ret(EAGAIN)),
    label('fault'),
  ];
}

/** 5.3-rc1: hmm_vma_fault(&svmm->mirror, &range, true), include/linux/hmm.h. */
function hmmVmaFault() {
  return routine<G, RangeFaultLocals>('hmm_vma_fault', {
    locals: () => ({ ret: 0, ok: false }),
    body: [
      ...registerAndWait('if (ret) return (int)ret'),
      call(hmmRangeFault('drop'), undefined, { into: 'ret' }),
      step('if (ret <= 0) { if (ret == -EBUSY || !ret) ... else if (ret == -EAGAIN) ret = -EBUSY; ...', ({ my, goto, ret }) => {
        if (my.ret > 0) ret(0);
        else if (my.ret === EBUSY || my.ret === 0) {
          my.ret = EBUSY;
          goto('busy');
        }
        else {
          if (my.ret === EAGAIN) my.ret = EBUSY;
          goto('unregister');
        }
      }),
      label('busy'),
      up_read('up_read(&range->vma->vm_mm->mmap_sem); ret = -EBUSY', mmapSem),
      label('unregister'),
      call(hmm_range_unregister),
      step('return ret', ({ my, ret }) => ret(my.ret)),
    ],
  });
}

/** The 5.3-rc fix: nouveau_range_fault(mirror, range) in nouveau_svm.c. */
function nouveauRangeFault() {
  return routine<G, RangeFaultLocals>('nouveau_range_fault', {
    locals: () => ({ ret: 0, ok: false }),
    body: [
      ...registerAndWait('if (ret) { up_read(&range->vma->vm_mm->mmap_sem); return (int)ret; }'),
      call(hmmRangeFault('keep'), undefined, { into: 'ret' }),
      step('if (ret <= 0) { if (ret == 0) ret = -EBUSY;', ({ my, ret }) => {
        if (my.ret > 0) ret(0);
        else if (my.ret === 0) my.ret = EBUSY;
      }),
      up_read('up_read(&range->vma->vm_mm->mmap_sem)', mmapSem),
      call(hmm_range_unregister),
      step('return ret', ({ my, ret }) => ret(my.ret)),
    ],
  });
}

interface FaultLocals {
  readonly ret: number;
  readonly valid: boolean;
}

/** nouveau_svm_fault() returns: its stack frame, and the on-stack `struct hmm_range range` with it, is gone (tracked under `-p unregister=true`). */
function returns(c: StepContext<G, FaultLocals>): void {
  if (c.g.range.life) kfree(c, c.g.range.life, 'return from nouveau_svm_fault (its stack frame)');
  c.exit();
}

/** nouveau_svm_fault() handling one GPU fault on pages [0, pages). */
export function nouveauSvmFault(version: NouveauVersion) {
  const rangeFault = version === 'rc1' ? hmmVmaFault() : nouveauRangeFault();
  const done = version === 'rc1' ? 'hmm_vma_range_done' : 'nouveau_range_done';
  return routine<G, FaultLocals>('nouveau_svm_fault', {
    locals: () => ({ ret: 0, valid: false }),
    body: [
      down_read('down_read(&svmm->mm->mmap_sem)', mmapSem),
      step('vma = find_vma_intersection(svmm->mm, start, limit); if (!vma) goto cancel', ({ g, goto }) => {
        if (!g.mm.vma) goto('cancel');
      }),
      label('again'),
      call(rangeFault, undefined, { into: 'ret' }),
      step('if (ret == 0)', ({ my, goto }) => {
        if (my.ret !== 0) goto('out');
      }),
      mutex_lock('mutex_lock(&svmm->mutex)', (g) => g.svmm.mutex),
      step(`${done}: ret = hmm_range_valid(range)`, ({ g, my }) => {
        my.valid = g.range.valid;
      }),
      call(hmm_range_unregister),
      step(`if (!${done}(&range))`, ({ my, goto }) => {
        if (my.valid) goto('map');
      }),
      mutex_unlock('mutex_unlock(&svmm->mutex); goto again', (g) => g.svmm.mutex, { then: 'again' }),
      label('map'),
      step('nouveau_dmem_convert_pfn(svm->drm, &range); nvif_object_ioctl(&svmm->vmm->vmm.object, &args /* PFNMAP */)', ({ g }) => {
        g.range.pfns.forEach((pfn, p) => {
          g.device.pte[p] = pfn;
        });
      }),
      mutex_unlock('mutex_unlock(&svmm->mutex)', (g) => g.svmm.mutex),
      ...(version === 'fixed' ? [up_read<G, FaultLocals>('up_read(&svmm->mm->mmap_sem)', mmapSem)] : []),
      label('out'),
      ...(version === 'rc1' ? [up_read<G, FaultLocals>('up_read(&svmm->mm->mmap_sem)', mmapSem)] : []),
      step(`return /* faults whose pages did not keep their valid bit are cancelled */`, returns),
      label('cancel'),
      up_read('up_read(&svmm->mm->mmap_sem)', mmapSem),
      step('nouveau_svm_fault_cancel_fault(svm, buffer->fault[fi]); return', returns),
    ],
  });
}
