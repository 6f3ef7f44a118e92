/**
 * Linux 5.2 hmm_range_fault() and the compat wrappers hmm_vma_fault() / hmm_vma_range_done().
 *
 * Sources:
 * - hmm_vma_fault, hmm_vma_range_done: include/linux/hmm.h @897e6365cda6 (Linux 5.2), lines
 *   523-529 and 532-573 ("This is a temporary helper to avoid merge conflict between trees").
 * - hmm_range_fault: mm/hmm.c 5.2 is not in the indexed tree; its return paths are read from the
 *   `+` lines of "[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3"
 *   (J. Glisse, 3 Apr 2019) and the `-` lines of C. Hellwig's "[PATCH 1/6] mm: always return EBUSY
 *   for invalid ranges in hmm_range_{fault,snapshot}" (22 Jul 2019): `if (hmm->mm == NULL ||
 *   hmm->dead) return -EFAULT;` then, per vma, `if (!range->valid) { up_read(&hmm->mm->mmap_sem);
 *   return -EAGAIN; }`, `vma = find_vma(hmm->mm, start); if (vma == NULL || (vma->vm_flags &
 *   device_vma)) return -EFAULT;`, the page walk, and the page count on success.
 * - The fixed wrapper (`fixed: true`): R. Campbell, "[PATCH 4/5] mm/hmm: hmm_vma_fault() doesn't
 *   always call hmm_range_unregister()" (6 May 2019): "missing a call to hmm_range_unregister() in
 *   one of the error paths. This leads to a reference count leak ... Always call
 *   hmm_range_unregister() if hmm_range_register() succeeded." It adds hmm_range_unregister() at the
 *   top of the timeout branch and moves the one of the fault-error branch before up_read().
 *
 * Granularity: as in hmm.ts. The page walk is one step: the models that use it have one page and a
 * CPU page table whose pages are present as long as their vma exists, so handle_mm_fault() (and its
 * VM_FAULT_RETRY exit, which in 5.2 also drops mmap_sem) and the -EBUSY of an invalidation in the
 * middle of a multi-page walk are not reached and not modelled.
 */
import { call, label, routine, step, up_read } from '../../../src/index.ts';
import { hmm_range_register, hmm_range_unregister, hmm_range_wait_until_valid } from './hmm.ts';
import { EAGAIN, EBUSY, EFAULT, type Shared } from './state.ts';

type RangeArgs = { r: number };
const mmapSem = (g: Shared) => g.mm.mmap_sem;

/** long hmm_range_fault(range, block), 5.2: pages faulted, or -EFAULT, or -EAGAIN with mmap_sem dropped. */
export const hmm_range_fault = routine<Shared, RangeArgs, RangeArgs>('hmm_range_fault', {
  locals: ({ r }) => ({ r }),
  body: [
    step('if (hmm->mm == NULL || hmm->dead) return -EFAULT', ({ g, ret }) => {
      if (g.hmm.dead) ret(EFAULT);
    }),
    step('if (!range->valid)', ({ g, my, goto }) => {
      if (g.ranges[my.r]!.valid) goto('vma');
    }),
    up_read('up_read(&hmm->mm->mmap_sem)', mmapSem),
    step('return -EAGAIN', ({ ret }) => ret(EAGAIN)),
    step('vma = find_vma(hmm->mm, start); if (vma == NULL || (vma->vm_flags & device_vma)) return -EFAULT', ({ g, ret }) => {
      if (!g.mm.vma) ret(EFAULT);
    }, { name: 'vma' }),
    step('walk_page_range(start, end, &mm_walk); return (hmm_vma_walk.last - range->start) >> PAGE_SHIFT', ({ g, my, ret }) => {
      const range = g.ranges[my.r]!;
      for (let p = range.start; p < range.end; p++) range.pfns[p - range.start] = g.mm.pte[p] ?? null;
      ret(range.end - range.start);
    }),
  ],
});

interface WrapperLocals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean;
}

/**
 * static inline int hmm_vma_fault(range, block): called with mmap_sem held for read. Returns 0 with
 * the range registered and mmap_sem held; -EBUSY with the range unregistered and mmap_sem dropped;
 * other errors with the range unregistered and mmap_sem held; and, on the timeout path, -EAGAIN
 * with mmap_sem dropped and the range still registered (5.2) or unregistered (`fixed`).
 */
export function hmmVmaFault(fixed: boolean) {
  const rangeArg = (_g: Shared, my: WrapperLocals) => ({ r: my.r });
  return routine<Shared, WrapperLocals, RangeArgs>('hmm_vma_fault', {
    locals: ({ r }) => ({ r, ret: 0, ok: false }),
    body: [
      call(hmm_range_register, rangeArg, { into: 'ret' }),
      step('if (ret) return (int)ret', ({ my, ret }) => {
        if (my.ret !== 0) ret(my.ret);
      }),
      call(hmm_range_wait_until_valid, rangeArg, { into: 'ok' }),
      step('if (!hmm_range_wait_until_valid(range, HMM_RANGE_DEFAULT_TIMEOUT))', ({ my, goto }) => {
        if (my.ok) goto('fault');
      }),
      // R. Campbell's fix: `+ hmm_range_unregister(range);` as the first line of this branch.
      ...(fixed ? [call<Shared, WrapperLocals, RangeArgs>(hmm_range_unregister, rangeArg)] : []),
      up_read('up_read(&range->vma->vm_mm->mmap_sem)', mmapSem),
      step('return -EAGAIN', ({ ret }) => ret(EAGAIN)),
      label('fault'),
      call(hmm_range_fault, rangeArg, { into: 'ret' }),
      step('if (ret <= 0)', ({ my, ret }) => {
        if (my.ret > 0) ret(0);
      }),
      ...(fixed ? [call<Shared, WrapperLocals, RangeArgs>(hmm_range_unregister, rangeArg)] : []),
      step('if (ret == -EBUSY || !ret) { ... } else if (ret == -EAGAIN) ret = -EBUSY', ({ my, goto }) => {
        if (my.ret === EAGAIN) {
          (my as { ret: number }).ret = EBUSY;
          goto('unregister');
        } else if (my.ret !== EBUSY && my.ret !== 0) goto('unregister');
      }),
      up_read('up_read(&range->vma->vm_mm->mmap_sem)', mmapSem, { name: 'busy' }),
      step('ret = -EBUSY', ({ my }) => {
        (my as { ret: number }).ret = EBUSY;
      }),
      label('unregister'),
      ...(fixed ? [] : [call<Shared, WrapperLocals, RangeArgs>(hmm_range_unregister, rangeArg)]),
      step('return ret', ({ my, ret }) => ret(my.ret)),
    ],
  });
}

/** static inline bool hmm_vma_range_done(range): `ret = hmm_range_valid(range); hmm_range_unregister(range); return ret;`. */
export const hmm_vma_range_done = routine<Shared, RangeArgs & { valid: boolean }, RangeArgs>('hmm_vma_range_done', {
  locals: ({ r }) => ({ r, valid: false }),
  body: [
    step('bool ret = hmm_range_valid(range)', ({ g, my }) => {
      my.valid = g.ranges[my.r]!.valid;
    }),
    call(hmm_range_unregister, (_g: Shared, my: RangeArgs) => ({ r: my.r })),
    step('return ret', ({ my, ret }) => ret(my.valid)),
  ],
});
