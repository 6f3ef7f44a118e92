/**
 * The properties the 5.5 model checks: those of the 5.2 models (hmm.md, "Properties the suite
 * checks"), with insert/remove in place of range register/unregister. Built in besides: lock
 * discipline, no sleeping under spinlock, use after free, deadlock.
 *
 * No stale device mapping is checked strictly here (`invalidating` is always false): with sequence
 * counts the device is cleared by the invalidate callback before the CPU page table changes, so the
 * device may never map a pfn the CPU does not, not even during an invalidation. (The 5.2 models
 * allow a mismatch while an invalidation has not yet reached the device.)
 *
 * Progress (hmm.md: a driver eventually programs the device or gives up) needs no liveness
 * property here: every thread runs a bounded number of steps (a driver retries only after a change
 * of its notifier's sequence, which only the finitely many invalidations make), so the state graph
 * has no cycle and every run ends; deadlock freedom then means every driver finishes, including
 * mmu_interval_read_begin()'s wait_event, which has no timeout.
 */
import { reading, sometimes, type Property } from '../../../src/index.ts';
import { exactlyOnce } from '../../../properties/exactlyOnce.ts';
import { noLockHeldAtExit } from '../../../properties/lockDiscipline.ts';
import { noStaleMapping } from '../../../properties/noStaleMapping.ts';
import { UNREGISTER_ONCE } from '../v5.2/properties.ts';
import { RETRY_UNLOCK } from './driver.ts';
import type { Shared } from './state.ts';

/** `invalidations`: whether the model has invalidating threads (else no re-check can fail). */
export function intervalProperties(invalidations = true): Property<Shared>[] {
  // What each property reads (partial-order reduction: steps writing it are visible). `@local`:
  // some thread's own position, or the exiting thread's own locks.
  const caught = reading(
    sometimes<Shared>('mmu_interval_read_retry catches an invalidation', (_g, w) =>
      Array.from({ length: w.threadCount }, (_, tid) => tid).some((tid) => w.at(tid, RETRY_UNLOCK)),
    ),
    ['@local'],
  );
  return [
    reading(
      noStaleMapping<Shared>((g) => g.device.pte.map((device, page) => ({ page, device, cpu: g.mm.pte[page] ?? null, invalidating: false }))),
      ['device.pte', 'mm.pte'],
    ),
    ...exactlyOnce<Shared>({
      name: UNREGISTER_ONCE,
      calls: ['mmu_interval_notifier_insert', 'mmu_interval_notifier_remove'],
      counts: (g) => g.ghost.inserted.map((opened, r) => ({ id: `mni${r}`, opened, closed: g.ghost.removed[r]! })),
    }).map((p) => reading(p, ['ghost'])),
    reading(noLockHeldAtExit<Shared>(), ['@local']),
    reading(
      sometimes<Shared>('the device maps a page', (g) => g.device.pte.some((pfn) => pfn !== null)),
      ['device.pte'],
    ),
    // The 5.2 race window is exercised: some driver's re-check under driver->update fails.
    ...(invalidations ? [caught] : []),
  ];
}
