/**
 * The driver fault path documented for Linux 5.2: `driver_populate_range()` in
 * Documentation/vm/hmm.rst @023a019a9b4e ("Locking with the update() callback is the most
 * important aspect ... The usage pattern is"). Unlike the seed pseudo-code it takes mmap_sem at
 * `again:` and keeps it across the re-check under the driver lock, so munmap cannot run between
 * snapshot and re-check; reclaim, which holds no mmap_sem, still can.
 *
 * Read as written, with two documentation slips resolved by intent: `if (ret)` after
 * hmm_range_snapshot() means `ret < 0` (success returns the page count), and the
 * `hmm_mirror_unregister(&range)` calls mean hmm_range_unregister().
 */
import { down_read, mutex_lock, mutex_unlock, up_read, call, label, routine, step } from '../../../src/index.ts';
import { hmm_range_register, hmm_range_snapshot, hmm_range_unregister, hmm_range_wait_until_valid } from './hmm.ts';
import { EAGAIN, type Shared } from './state.ts';

interface Locals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean;
}

/** `wait` is hmm_range_wait_until_valid, or a variant of it (see noTimeout.ts). */
export function docDriver(wait: typeof hmm_range_wait_until_valid = hmm_range_wait_until_valid) {
  const rangeArg = (_g: Shared, my: Locals) => ({ r: my.r });
  return routine<Shared, Locals, { r: number }>('driver_populate_range', {
    locals: ({ r }) => ({ r, ret: 0, ok: false }),
    body: [
      call(hmm_range_register, rangeArg, { into: 'ret' }),
      step('hmm_range_register(&range) failed: return', ({ my, exit }) => {
        if (my.ret !== 0) exit();
      }),
      call(wait, rangeArg, { into: 'ok' }),
      label('again'),
      down_read('down_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
      call(hmm_range_snapshot, rangeArg, { into: 'ret' }),
      step('if (ret)', ({ my, goto }) => {
        if (my.ret >= 0) goto('lock');
      }),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
      step('if (ret == -EAGAIN)', ({ my, goto }) => {
        if (my.ret !== EAGAIN) goto('fail');
      }),
      call(wait, rangeArg, { into: 'ok' }),
      step('goto again', ({ goto }) => goto('again')),
      label('fail'),
      call(hmm_range_unregister, rangeArg),
      step('return ret', ({ exit }) => exit()),
      label('lock'),
      mutex_lock('take_lock(driver->update)', (g) => g.device.lock),
      step('if (!range.valid)', ({ g, my, goto }) => {
        if (g.ranges[my.r]!.valid) goto('populate');
      }),
      mutex_unlock('release_lock(driver->update)', (g) => g.device.lock),
      up_read('up_read(&mm->mmap_sem); goto again', (g) => g.mm.mmap_sem, { then: 'again' }),
      label('populate'),
      step('// Use pfns array content to update device page table', ({ g, my }) => {
        const range = g.ranges[my.r]!;
        for (let p = range.start; p < range.end; p++) g.device.pte[p] = range.pfns[p - range.start] ?? null;
      }),
      call(hmm_range_unregister, rangeArg),
      mutex_unlock('release_lock(driver->update)', (g) => g.device.lock),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
      step('return 0', ({ exit }) => exit()),
    ],
  });
}
