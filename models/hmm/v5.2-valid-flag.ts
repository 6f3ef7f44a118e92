/**
 * hmm/v5.2-valid-flag — the flagship: the Linux 5.2 HMM range API (the boolean `range->valid`
 * scheme) with driver fault threads, a munmap thread and a page-reclaim thread on the same pages.
 * `driver=seed` (default) follows the seed review's pseudo-code (hmm_range_snapshot);
 * `driver=doc` follows the pattern 5.2 shipped in Documentation/vm/hmm.rst.
 *
 * Expected verdicts, read from the code and the kernel record (not copied from a run):
 * - seed: "lock discipline". Its `again:` label sits after down_read(mmap_sem), but the failed
 *   re-check under the device lock runs `goto again` after up_read(); the next pass through the
 *   loop releases mmap_sem a second time. This double up_read is a bug in the review's
 *   pseudo-code, not in any kernel: the pseudo-code did not ship. Shipped 5.2
 *   include/linux/hmm.h (@897e6365cda6) carries no usage pattern for the range API and says
 *   "Please see Documentation/vm/hmm.rst for how to use the range API"; v3 of the patch had
 *   replaced this pseudo-code with that hmm.rst pattern, which re-takes mmap_sem at `again:`
 *   (`-p driver=doc`). The shortest counterexample is this one; the stale mapping below is
 *   reachable too (check with --property), and it is the one the shipped pattern has.
 * - doc: "no stale device mapping". The valid flag is ABA-prone. A complete
 * invalidate_range_start/end pair between the snapshot and the re-check under the device lock
 * leaves `valid == true`, so the driver programs pfns the CPU no longer maps. J. Gunthorpe,
 * "[PATCH hmm 03/15] mm/hmm: allow hmm_range to be used with a mmu_range_notifier or hmm_mirror"
 * (15 Oct 2019): "hmm_mirror's handling of ranges does not use a sequence count which results in
 * this bug ... Where the hmm_range_valid should not have succeeded." 5.5 replaced the flag with
 * mmu_interval_notifier sequence counts.
 *
 * Routines: models/hmm/v5.2/hmm.ts (mm/hmm.c, hmm.h), cpu.ts (munmap, reclaim), seedDriver.ts.
 */
import { defineModel } from '../../src/index.ts';
import { munmap, reclaim } from './v5.2/cpu.ts';
import { hmmProperties } from './v5.2/properties.ts';
import { docDriver } from './v5.2/docDriver.ts';
import { seedDriver, type OnTimeout } from './v5.2/seedDriver.ts';
import { LOCK_DISCIPLINE } from '../../src/index.ts';
import { initialShared } from './v5.2/state.ts';
import { NO_STALE_MAPPING } from '../../properties/noStaleMapping.ts';

export const model = defineModel({
  name: 'hmm/v5.2-valid-flag',
  description: 'Linux 5.2 HMM range API (range->valid): seed-pseudo-code driver vs munmap and reclaim',
  params: { driver: 'seed', drivers: 1, munmaps: 1, reclaims: 1, pages: 1, onTimeout: 'return' },
  expected: ({ driver }) => ({ verdict: 'violation', property: driver === 'doc' ? NO_STALE_MAPPING : LOCK_DISCIPLINE }),
  notes: ({ driver }) => ({
    [LOCK_DISCIPLINE]:
      driver === 'doc'
        ? 'the documented driver releases mmap_sem once per pass; this should not happen'
        : "a bug in the seed review's pseudo-code, not in 5.2's code: its `again:` label sits after down_read(mmap_sem), so a failed re-check releases mmap_sem a second time (v3 of the patch replaced that pseudo-code)",
    ...(driver === 'doc'
      ? {}
      : {
          deadlock:
            'the seed pseudo-code again: it takes down_read(mmap_sem) while already holding it for read, and a munmap queued in between makes the second down_read wait for ever',
          'unregister exactly once (by the end)': 'the seed pseudo-code again: one of its exits leaves the range registered',
          'lock discipline: no lock held at exit': 'the seed pseudo-code again: one of its exits returns with mmap_sem still held for read',
        }),
    [NO_STALE_MAPPING]:
      "the race in 5.2's range->valid API itself: a complete invalidate_range_start/end pair between the snapshot and the re-check leaves valid == true, and the driver maps a page the CPU no longer maps (fixed in 5.5 by mmu_interval_notifier sequence counts)",
  }),
  sources: [
    'include/linux/hmm.h @897e6365cda6 (Linux 5.2)',
    '[PATCH v2 06/11] mm/hmm: improve driver API to work and wait over a range v2 (seed pseudo-code)',
    '[PATCH v3 06/11] ... v3 (mm/hmm.c 5.2 text); [PATCH v3 hmm 12/12] mm/hmm: Fix error flows (- lines)',
    'Documentation/vm/hmm.rst @023a019a9b4e (the driver pattern documented in 5.2)',
    '[PATCH hmm 03/15] mm/hmm: allow hmm_range to be used with a mmu_range_notifier (the ABA race)',
  ],
  build: ({ driver: kind, drivers, munmaps, reclaims, pages, onTimeout }) => {
    if (onTimeout !== 'return' && onTimeout !== 'retry') throw new Error('onTimeout must be "return" or "retry"');
    if (kind !== 'seed' && kind !== 'doc') throw new Error('driver must be "seed" or "doc"');
    const driver = kind === 'doc' ? docDriver() : seedDriver(onTimeout as OnTimeout);
    const all = { start: 0, end: pages };
    return {
      shared: initialShared({ pages, ranges: drivers }),
      actors: [
        ...Array.from({ length: drivers }, (_, r) => ({ name: drivers === 1 ? 'driver' : `driver${r}`, routine: driver, args: { r } })),
        ...Array.from({ length: munmaps }, (_, i) => ({ name: munmaps === 1 ? 'munmap' : `munmap${i}`, routine: munmap, args: all })),
        ...Array.from({ length: reclaims }, (_, i) => ({
          name: reclaims === 1 ? 'reclaim' : `reclaim${i}`,
          routine: reclaim,
          args: { start: 0, end: 1 },
        })),
      ],
      properties: hmmProperties(),
    };
  },
});
