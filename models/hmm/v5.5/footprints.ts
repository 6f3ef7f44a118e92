/**
 * Footprints of the 5.5 model's statements, for partial-order reduction (README "Reduction"):
 * the shared-state paths each statement reads and writes, and the locks its thread always holds
 * there. Driver `r` is thread `r` (drivers come first in buildIntervalNotifier), so a driver's
 * notifier is `mni.<tid>`. The tests run the checking mode over this model: a missing path, or a
 * lock not always held, fails them.
 */
import type { Footprint } from '../../../src/index.ts';

export const MMAP_SEM = 'mm.mmap_sem';
export const MMN_LOCK = 'mmn_mm.lock';
export const UPDATE = 'device.lock';

/** A lock statement on `lock`: it reads and writes the lock. */
export const onLock = (lock: string, holding: readonly string[] = []): Footprint => ({ reads: [lock], writes: [lock], holding });

/** Touches only the thread's locals. */
export const local = (holding: readonly string[] = []): Footprint => ({ holding });
