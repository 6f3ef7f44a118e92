/**
 * The driver's `mmu_interval_notifier_ops.invalidate` callback, as Documentation/vm/hmm.rst of
 * Linux 5.5 requires it: "The driver->update lock is the same lock that the driver takes inside its
 * invalidate() callback. That lock must be held before calling mmu_interval_read_retry() to avoid
 * any race with a concurrent CPU page table update." Under that lock it calls
 * mmu_interval_set_seq(mni, cur_seq) ("This must be called unconditionally from the invalidate
 * callback ... under the same lock that is used to call mmu_interval_read_retry()",
 * include/linux/mmu_notifier.h 5.5) and clears the device entries of the range.
 *
 * Only the blockable case is modelled (munmap and reclaim are blockable): mutex_lock, never the
 * `mutex_trylock ... return false` branch a non-blocking (OOM reaper) call takes.
 */
import { mutex_lock, mutex_unlock, routine, step, use } from '../../../src/index.ts';
import type { Shared } from './state.ts';
import { onLock, UPDATE } from './footprints.ts';

export interface InvalidateArgs {
  readonly r: number;
  readonly start: number;
  readonly end: number;
  readonly cur_seq: number;
}

/** bool invalidate(struct mmu_interval_notifier *mni, const struct mmu_notifier_range *range, unsigned long cur_seq). */
export const mni_invalidate = routine<Shared, InvalidateArgs, InvalidateArgs>('driver_invalidate', {
  locals: (a) => ({ ...a }),
  body: [
    mutex_lock('if (mmu_notifier_range_blockable(range)) mutex_lock(&driver->update)', (g) => g.device.lock, { footprint: onLock(UPDATE) }),
    step('mmu_interval_set_seq(mni, cur_seq); clear the device page table for [range->start, range->end)', (c) => {
      const mni = c.g.mni[c.my.r]!;
      use(c, mni.life, 'mmu_interval_set_seq(mni, cur_seq)');
      mni.invalidate_seq = c.my.cur_seq;
      for (let p = Math.max(c.my.start, mni.start); p < Math.min(c.my.end, mni.end); p++) c.g.device.pte[p] = null;
    }, { footprint: { reads: ['mni'], writes: ['mni', 'device.pte'], holding: [UPDATE] } }),
    mutex_unlock('mutex_unlock(&driver->update); return true', (g) => g.device.lock, { footprint: onLock(UPDATE, [UPDATE]) }),
  ],
});
