/**
 * The driver fault path of the seed review: `mydevice_prefault()`, the pseudo-code in
 * include/linux/hmm.h of "[PATCH v2 06/11] mm/hmm: improve driver API to work and wait over a
 * range v2" (J. Glisse, 25 Mar 2019; quoted in I. Weiny's review, 28 Mar 2019), using
 * hmm_range_snapshot(). Each step is a line of that pseudo-code.
 *
 * Two readings the pseudo-code leaves open are settled as written:
 * - `if (ret)` after up_read: ret > 0 is the page count on success, so the model reads it as
 *   `if (ret < 0)` (the obvious intent; the literal test would fail every successful snapshot).
 * - after a timeout, "return -ESOMETHING; || goto again;": the `onTimeout` parameter picks one.
 */
import { down_read, mutex_lock, mutex_unlock, up_read, call, label, routine, step } from '../../../src/index.ts';
import {
  hmm_range_register,
  hmm_range_snapshot,
  hmm_range_unregister,
  hmm_range_wait_until_valid,
} from './hmm.ts';
import { EAGAIN, EBUSY, type Shared } from './state.ts';

interface Locals {
  readonly r: number;
  readonly ret: number;
  readonly ok: boolean;
}

export type OnTimeout = 'return' | 'retry';

/** `wait` is hmm_range_wait_until_valid, or a variant of it (see noTimeout.ts). */
export function seedDriver(onTimeout: OnTimeout, wait: typeof hmm_range_wait_until_valid = hmm_range_wait_until_valid) {
  const rangeArg = (_g: Shared, my: Locals) => ({ r: my.r });
  return routine<Shared, Locals, { r: number }>('mydevice_prefault', {
    locals: ({ r }) => ({ r, ret: 0, ok: false }),
    body: [
      call(hmm_range_register, rangeArg, { into: 'ret' }),
      step('if (ret) return ret', ({ my, exit }) => {
        if (my.ret !== 0) exit();
      }),
      down_read('down_read(mm->mmap_sem)', (g) => g.mm.mmap_sem),
      label('again'),
      call(wait, rangeArg, { into: 'ok' }),
      step('if (!hmm_range_wait_until_valid(&range, TIMEOUT))', ({ my, goto }) => {
        if (my.ok) goto('snapshot');
      }),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
      call(hmm_range_unregister, rangeArg),
      step(onTimeout === 'retry' ? 'goto again' : 'return -ESOMETHING', ({ goto, exit }) =>
        onTimeout === 'retry' ? goto('again') : exit(),
      ),
      label('snapshot'),
      call(hmm_range_snapshot, rangeArg, { into: 'ret' }),
      step('if (ret == -EAGAIN) { down_read(mm->mmap_sem); goto again; } else if (ret == -EBUSY) goto again', ({ my, goto }) => {
        if (my.ret === EAGAIN) goto('eagain');
        else if (my.ret === EBUSY) goto('again');
      }),
      up_read('up_read(&mm->mmap_sem)', (g) => g.mm.mmap_sem),
      step('if (ret < 0) { hmm_range_unregister(range); return ret; }', ({ my, goto }) => {
        if (my.ret < 0) goto('fail');
      }),
      mutex_lock('mydevice_page_table_lock(mydevice)', (g) => g.device.lock),
      step('if (!hmm_range_valid(range))', ({ g, my, goto }) => {
        if (g.ranges[my.r]!.valid) goto('populate');
      }),
      mutex_unlock('mydevice_page_table_unlock(mydevice); goto again', (g) => g.device.lock, { then: 'again' }),
      label('populate'),
      step('mydevice_populate_page_table(mydevice, range, npages)', ({ g, my }) => {
        const range = g.ranges[my.r]!;
        for (let p = range.start; p < range.end; p++) g.device.pte[p] = range.pfns[p - range.start] ?? null;
      }),
      mutex_unlock('mydevice_take_page_table_unlock(mydevice)', (g) => g.device.lock),
      call(hmm_range_unregister, rangeArg),
      step('return 0', ({ exit }) => exit()),
      label('eagain'),
      down_read('down_read(mm->mmap_sem)', (g) => g.mm.mmap_sem, { then: 'again' }),
      label('fail'),
      call(hmm_range_unregister, rangeArg),
      step('return ret', ({ exit }) => exit()),
    ],
  });
}
