/**
 * A driver fault path on top of the 5.2 compat wrappers hmm_vma_fault() / hmm_vma_range_done()
 * (include/linux/hmm.h @897e6365cda6, lines 523-573).
 *
 * 5.2 documents these wrappers only as "a temporary helper to avoid merge conflict between trees";
 * their in-tree users (nouveau's SVM fault handler, queued for 5.3, and amdgpu's copy in
 * linux-next) used them the way the pre-5.2 kerneldoc of hmm_vma_fault() describes (removed by the
 * seed patch v3), and the way hmm_vma_range_done()'s old comment shows:
 * ```
 * again:
 *   down_read(&mm->mmap_sem);
 *   ret = hmm_vma_fault(range, block);        // -EAGAIN/-EBUSY: mmap_sem has been dropped
 *   ...error: return
 *   device_page_table_lock();
 *   if (!hmm_vma_range_done(range)) { device_page_table_unlock(); goto again; }
 *   device_update_page_table(range->pfns);
 *   device_page_table_unlock();
 *   up_read(&mm->mmap_sem);
 * ```
 * A non-zero return is an error with nothing left to undo: the wrapper's own comment says -EAGAIN
 * "correspond[s] to mmap_sem have been drop in the old API", so the driver releases mmap_sem only
 * for the other errors. This is the reading J. Gunthorpe describes for the callers ("it calls
 * hmm_vma_fault() but never calls hmm_range_unregister() for its on stack range", 6 Jun 2019).
 * Unlike nouveau, which ran up_read() after every return (the mmap_sem bug fixed in 5.3-rc, a
 * model of its own), this driver keeps mmap_sem balanced, so only the registration is at issue.
 * A failed re-check releases mmap_sem before `goto again`, since `again:` takes it.
 */
import { call, down_read, label, mutex_lock, mutex_unlock, routine, step, up_read } from '../../../src/index.ts';
import { hmm_vma_range_done, hmmVmaFault } from './fault.ts';
import { EAGAIN, EBUSY, type Shared } from './state.ts';

interface Locals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean;
}

const rangeArg = (_g: Shared, my: Locals) => ({ r: my.r });
const mmapSem = (g: Shared) => g.mm.mmap_sem;
const deviceLock = (g: Shared) => g.device.lock;
const locals = ({ r }: { r: number }): Locals => ({ r, ret: 0, ok: false });

/** `again:` (or `retry:`) down_read(&mm->mmap_sem); ret = hmm_vma_fault(range, true); */
function takeAndFault(again: string, fixedWrapper: boolean) {
  return [
    label(again),
    down_read<Shared, Locals>('down_read(&mm->mmap_sem)', mmapSem),
    call<Shared, Locals, { r: number }>(hmmVmaFault(fixedWrapper), rangeArg, { into: 'ret' }),
  ];
}

export function faultDriver(fixedWrapper: boolean) {
  return routine<Shared, Locals, { r: number }>('mydevice_fault', {
    locals,
    body: [
      ...takeAndFault('again', fixedWrapper),
      step('if (ret == -EAGAIN || ret == -EBUSY) return ret /* mmap_sem was dropped */', ({ my, exit }) => {
        if (my.ret === EAGAIN || my.ret === EBUSY) exit();
      }),
      step('if (ret)', ({ my, goto }) => {
        if (my.ret === 0) goto('lock');
      }),
      up_read('up_read(&mm->mmap_sem); return ret', mmapSem, { then: 'out' }),
      label('lock'),
      mutex_lock('device_page_table_lock()', deviceLock),
      call(hmm_vma_range_done, rangeArg, { into: 'ok' }),
      step('if (!hmm_vma_range_done(range))', ({ my, goto }) => {
        if (my.ok) goto('update');
      }),
      mutex_unlock('device_page_table_unlock()', deviceLock),
      up_read('up_read(&mm->mmap_sem); goto again', mmapSem, { then: 'again' }),
      label('update'),
      step('device_update_page_table(range->pfns)', ({ g, my }) => {
        const range = g.ranges[my.r]!;
        for (let p = range.start; p < range.end; p++) g.device.pte[p] = range.pfns[p - range.start] ?? null;
      }),
      mutex_unlock('device_page_table_unlock()', deviceLock),
      up_read('up_read(&mm->mmap_sem)', mmapSem),
      label('out'),
      step('return ret', ({ exit }) => exit()),
    ],
  });
}

/**
 * The "Expected use pattern" of the pre-5.2 hmm_vma_fault() kerneldoc (mm/hmm.c, 4.16-5.1; its `-`
 * lines are in "[PATCH v3 06/11] mm/hmm: improve driver API to work and wait over a range v3"),
 * which the 5.2 wrapper's comment refers to as "the old API":
 * ```
 * retry:
 *   down_read(&mm->mmap_sem);
 *   ret = hmm_vma_fault(range, write, block);
 *   switch (ret) {
 *   case -EAGAIN:
 *     hmm_vma_range_done(range);
 *     // You might want to rate limit or yield to play nicely ...
 *     goto retry;
 *   case 0:
 *     break;
 *   case -ENOMEM: case -EINVAL: case -EPERM: default:
 *     // Handle error !
 *     up_read(&mm->mmap_sem)
 *     return;
 *   }
 *   // Take device driver lock that serialize device page table update
 *   driver_lock_device_page_table_update();
 *   hmm_vma_range_done(range);
 *   // Commit pfns we got from hmm_vma_fault()
 *   driver_unlock_device_page_table_update();
 *   up_read(&mm->mmap_sem)
 * ```
 */
export function kerneldocFaultDriver(fixedWrapper: boolean) {
  return routine<Shared, Locals, { r: number }>('mydevice_fault', {
    locals,
    body: [
      ...takeAndFault('retry', fixedWrapper),
      step('switch (ret) { case -EAGAIN: ... case 0: break; default: ... }', ({ my, goto }) => {
        if (my.ret === EAGAIN) goto('eagain');
        else if (my.ret !== 0) goto('error');
      }),
      mutex_lock('driver_lock_device_page_table_update()', deviceLock),
      call(hmm_vma_range_done, rangeArg, { into: 'ok' }),
      step('// Commit pfns we got from hmm_vma_fault()', ({ g, my }) => {
        const range = g.ranges[my.r]!;
        for (let p = range.start; p < range.end; p++) g.device.pte[p] = range.pfns[p - range.start] ?? null;
      }),
      mutex_unlock('driver_unlock_device_page_table_update()', deviceLock),
      up_read('up_read(&mm->mmap_sem)', mmapSem, { then: 'out' }),
      label('eagain'),
      call(hmm_vma_range_done, rangeArg, { into: 'ok' }),
      step('goto retry', ({ goto }) => goto('retry')),
      label('error'),
      up_read('up_read(&mm->mmap_sem) /* Handle error ! */', mmapSem),
      label('out'),
      step('return', ({ exit }) => exit()),
    ],
  });
}
