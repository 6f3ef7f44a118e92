/**
 * The driver of the 5.5 model: the usage pattern of Documentation/vm/hmm.rst in Linux 5.5
 * ("driver_populate_range", the mmu_interval_notifier version; its 5.5 lines are the context of
 * the 5.8 mmap_read_lock conversion, idx:47289834741), between mmu_interval_notifier_insert() and
 * mmu_interval_notifier_remove():
 *
 *     again:
 *       range.notifier_seq = mmu_interval_read_begin(&interval_sub);
 *       down_read(&mm->mmap_sem);
 *       ret = hmm_range_fault(&range, HMM_RANGE_SNAPSHOT);
 *       if (ret) { up_read(&mm->mmap_sem); if (ret == -EBUSY) goto again; return ret; }
 *       up_read(&mm->mmap_sem);
 *       take_lock(driver->update);
 *       if (mmu_interval_read_retry(&ni, range.notifier_seq)) { release_lock(driver->update); goto again; }
 *       // Use pfns array content to update device page table, under the update lock
 *       release_lock(driver->update);
 *
 * As with the 5.2 documentation model, `if (ret)` means `ret < 0` (5.5 returns the page count on
 * success). Teardown, which hmm.rst leaves to the driver: the device mapping of the range is
 * dropped under driver->update before mmu_interval_notifier_remove() (after remove no invalidate
 * callback reaches the device any more, so a mapping left behind would go stale), and the object
 * embedding the notifier is freed after remove returns ("Once this returns ops callbacks are no
 * longer running on other CPUs and will not be called in future", mm/mmu_notifier.c 5.5).
 */
import { call, down_read, kfree, label, mutex_lock, mutex_unlock, routine, step, up_read } from '../../../src/index.ts';
import { hmm_range_fault, type FaultResult } from './hmm.ts';
import { mmu_interval_notifier_insert, mmu_interval_notifier_remove, mmu_interval_read_begin, mmu_interval_read_retry } from './mmu_notifier.ts';
import { EBUSY, type Shared } from './state.ts';
import { local, MMAP_SEM, onLock, UPDATE } from './footprints.ts';

interface Locals {
  readonly r: number;
  readonly seq: number;
  readonly res: FaultResult;
}

const mniArg = (_g: Shared, my: Locals) => ({ r: my.r });

/** The step a driver takes when mmu_interval_read_retry() says an invalidation ran since read_begin. */
export const RETRY_UNLOCK = 'release_lock(driver->update); goto again';

export const driver = routine<Shared, Locals, { r: number }>('driver_populate_range', {
  locals: ({ r }) => ({ r, seq: 0, res: { ret: 0, pfns: [] } }),
  body: [
    call(mmu_interval_notifier_insert, mniArg),
    label('again'),
    call(mmu_interval_read_begin, mniArg, { into: 'seq' }),
    down_read('down_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onLock(MMAP_SEM) }),
    call(hmm_range_fault, (_g: Shared, my: Locals) => ({ r: my.r, seq: my.seq }), { into: 'res' }),
    step(
      'if (ret)',
      ({ my, goto }) => {
        if (my.res.ret >= 0) goto('ok');
      },
      { footprint: local([MMAP_SEM]) },
    ),
    up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onLock(MMAP_SEM, [MMAP_SEM]) }),
    step('if (ret == -EBUSY) goto again; return ret', ({ my, goto }) => goto(my.res.ret === EBUSY ? 'again' : 'teardown'), { footprint: local() }),
    label('ok'),
    up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem, { footprint: onLock(MMAP_SEM, [MMAP_SEM]) }),
    mutex_lock('take_lock(driver->update)', (g) => g.device.lock, { footprint: onLock(UPDATE) }),
    step(
      'if (mmu_interval_read_retry(&ni, range.notifier_seq))',
      ({ g, my, goto }) => {
        if (!mmu_interval_read_retry(g, my.r, my.seq)) goto('populate');
      },
      { footprint: (tid) => ({ reads: [`mni.${tid}.invalidate_seq`], holding: [UPDATE] }) },
    ),
    mutex_unlock(RETRY_UNLOCK, (g) => g.device.lock, { then: 'again', footprint: onLock(UPDATE, [UPDATE]) }),
    label('populate'),
    step(
      '// Use pfns array content to update device page table, under the update lock',
      ({ g, my }) => {
        const mni = g.mni[my.r]!;
        for (let p = mni.start; p < mni.end; p++) g.device.pte[p] = my.res.pfns[p - mni.start] ?? null;
      },
      { footprint: (tid) => ({ reads: [`mni.${tid}.start`, `mni.${tid}.end`], writes: ['device.pte'], holding: [UPDATE] }) },
    ),
    mutex_unlock('release_lock(driver->update)', (g) => g.device.lock, { footprint: onLock(UPDATE, [UPDATE]) }),
    label('teardown'),
    mutex_lock('take_lock(driver->update)', (g) => g.device.lock, { footprint: onLock(UPDATE) }),
    step(
      'unmap the range from the device page table',
      ({ g, my }) => {
        const mni = g.mni[my.r]!;
        for (let p = mni.start; p < mni.end; p++) g.device.pte[p] = null;
      },
      { footprint: (tid) => ({ reads: [`mni.${tid}.start`, `mni.${tid}.end`], writes: ['device.pte'], holding: [UPDATE] }) },
    ),
    mutex_unlock('release_lock(driver->update)', (g) => g.device.lock, { footprint: onLock(UPDATE, [UPDATE]) }),
    call(mmu_interval_notifier_remove, mniArg),
    step('kfree(mni)', (c) => kfree(c, c.g.mni[c.my.r]!.life, 'kfree(mni)'), { footprint: (tid) => ({ reads: [`mni.${tid}.life`], writes: [`mni.${tid}.life`] }) }),
  ],
});
