/**
 * hmm/v5.2-rc-seed-snapshot-eagain — scenario 5 of the HMM suite: the seed review's pseudo-code
 * takes mmap_sem again after hmm_range_snapshot() returns -EAGAIN, but in 5.2 snapshot's -EAGAIN
 * leaves mmap_sem held. The second down_read() is a recursive read lock, which deadlocks once a
 * writer queues on mmap_sem between the two.
 *
 * Code modelled:
 * - Driver: `mydevice_prefault()`, the pseudo-code in include/linux/hmm.h of "[PATCH v2 06/11]
 *   mm/hmm: improve driver API to work and wait over a range v2" (J. Glisse, 25 Mar 2019, hmm.h
 *   blob 79671036cb5f, lines ~432-485), models/hmm/v5.2/seedDriver.ts. The line at issue (~453-455):
 *   `if (ret == -EAGAIN) { down_read(mm->mmap_sem); goto again; }`: the pseudo-code assumes the
 *   call dropped mmap_sem.
 * - hmm_range_snapshot (mm/hmm.c 5.2; `+` lines of "[PATCH v3 06/11] ... v3", 3 Apr 2019, and the
 *   `-` lines of C. Hellwig's "[PATCH 1/6] mm: always return EBUSY for invalid ranges in
 *   hmm_range_{fault,snapshot}", 22 Jul 2019, hunk @967 of its 5.3-rc base: `/* If range is no
 *   longer valid force retry. *\/ if (!range->valid) return -EAGAIN;`) with mmap_sem
 *   untouched: "force retry", the caller still holds it. Only hmm_range_fault() dropped mmap_sem on
 *   that path (`up_read(&hmm->mm->mmap_sem); return -EAGAIN;`), which is what the pseudo-code's
 *   down_read matches; for hmm_range_snapshot, which the pseudo-code calls, it is one lock too many.
 * - munmap (mm/mmap.c 5.2: down_write_killable, detach_vmas_to_be_unmapped, downgrade_write,
 *   unmap_region with mmu_notifier_invalidate_range_start/end, up_read): since 4.20 its notifier
 *   calls run with mmap_sem held for read, so it invalidates the range while the driver also holds
 *   mmap_sem for read — this is what makes the snapshot return -EAGAIN.
 * - Another thread's mmap() (vm_mmap_pgoff, models/hmm/v5.2/mmapWriter.ts): down_write(mmap_sem).
 * - The rwsem: Linux rwsems make a new reader wait behind a queued writer (src/core/kernel/rwsem.ts).
 *
 * Expected verdict, derived from the code: a deadlock. The driver holds mmap_sem for read, its
 * snapshot returns -EAGAIN, mmap()'s down_write queues behind the two readers (driver, munmap), the
 * driver's second down_read waits behind the queued writer, munmap finishes and releases its read,
 * and the writer waits for the driver's first read hold: driver → mmap → driver. The fix is the v3
 * / Documentation/vm/hmm.rst pattern (`driver=doc`, models/hmm/v5.2/docDriver.ts): after a failed
 * snapshot it runs up_read() itself and re-takes mmap_sem at `again:`; with the same threads it
 * passes every property.
 *
 * Environment assumption (`timeouts=false`, the default): every invalidation finishes within
 * HMM_RANGE_DEFAULT_TIMEOUT, so hmm_range_wait_until_valid() never times out (see noTimeout.ts).
 * The deadlock does not depend on it, but the seed pseudo-code has a second, unrelated bug on its
 * timeout path (a failed re-check under the device lock jumps to `again:` after up_read(); the
 * flagship's counterexample), and with timeouts that bug's counterexample (31 steps) is one step
 * shorter than the deadlock (32 steps), so a breadth-first search would report it first.
 * `-p timeouts=true` keeps the timeouts; the deadlock is then found with `--property deadlock`.
 *
 * Without the mmap() writer (`writers=0`) the recursive read does not block, and the driver exits
 * still holding one read of mmap_sem ("lock discipline: no lock held at exit", 44 steps, found with
 * --property). The first violation is then a third defect of the pseudo-code, which the checker
 * showed and the trace confirms: the pseudo-code runs up_read(mmap_sem) before it takes the device
 * lock for its re-check, so munmap can take mmap_sem for write in between and run its whole
 * invalidate start → unmap → end; `valid` is true again at the re-check and the driver maps a page
 * munmap has unmapped ("no stale device mapping", 35 steps). The hmm.rst pattern holds mmap_sem
 * across the re-check, which closes this window for munmap (not for reclaim).
 */
import { defineModel, LOCK_DISCIPLINE } from '../../src/index.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';
import { munmap } from './v5.2/cpu.ts';
import { docDriver } from './v5.2/docDriver.ts';
import { hmm_range_wait_until_valid } from './v5.2/hmm.ts';
import { mmapWriter } from './v5.2/mmapWriter.ts';
import { withoutTimeouts } from './v5.2/noTimeout.ts';
import { hmmProperties } from './v5.2/properties.ts';
import { seedDriver } from './v5.2/seedDriver.ts';
import { initialShared } from './v5.2/state.ts';

const waitNoTimeout = withoutTimeouts(hmm_range_wait_until_valid);

export const model = defineModel({
  name: 'hmm/v5.2-rc-seed-snapshot-eagain',
  description: 'Seed pseudo-code: down_read(mmap_sem) again after hmm_range_snapshot() -EAGAIN, which kept it: recursive read vs a queued writer',
  params: { driver: 'seed', writers: 1, timeouts: false },
  expected: ({ driver, writers, timeouts }) => {
    if (driver === 'doc') return { verdict: 'pass' };
    if (timeouts) return { verdict: 'violation', property: LOCK_DISCIPLINE };
    return writers > 0 ? { verdict: 'deadlock' } : { verdict: 'violation', property: NO_STALE_MAPPING };
  },
  sources: [
    '[PATCH v2 06/11] mm/hmm: improve driver API to work and wait over a range v2 (seed pseudo-code, mydevice_prefault)',
    '[PATCH v3 06/11] ... v3 (mm/hmm.c 5.2: hmm_range_snapshot returns -EAGAIN with mmap_sem held)',
    '[PATCH 1/6] mm: always return EBUSY for invalid ranges in hmm_range_{fault,snapshot} (C. Hellwig, 22 Jul 2019; - lines)',
    'Documentation/vm/hmm.rst @023a019a9b4e (the fix: the pattern 5.2 shipped)',
    'mm/mmap.c __do_munmap (5.2): downgrade_write before unmap_region; mm/util.c vm_mmap_pgoff',
  ],
  build: ({ driver, writers, timeouts }) => {
    if (driver !== 'seed' && driver !== 'doc') throw new Error('driver must be "seed" or "doc"');
    const wait = timeouts ? hmm_range_wait_until_valid : waitNoTimeout;
    return {
      shared: initialShared({ pages: 1, ranges: 1 }),
      actors: [
        { name: 'driver', routine: driver === 'doc' ? docDriver(wait) : seedDriver('return', wait), args: { r: 0 } },
        { name: 'munmap', routine: munmap, args: { start: 0, end: 1 } },
        ...Array.from({ length: writers }, (_, i) => ({ name: writers === 1 ? 'mmap' : `mmap${i}`, routine: mmapWriter })),
      ],
      properties: hmmProperties(),
    };
  },
});
