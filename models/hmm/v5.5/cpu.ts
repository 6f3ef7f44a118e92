/**
 * CPU-side threads of the 5.5 model, the same actors as the 5.2 flagship (models/hmm/v5.2/cpu.ts,
 * where their sources are cited): munmap downgrades mmap_sem to read before unmap_region(), and
 * reclaim (try_to_unmap_one) holds no mmap_sem. In 5.5 the notifier brackets reach the interval
 * notifiers through __mmu_notifier_invalidate_range_start() → mn_itree_invalidate() and
 * __mmu_notifier_invalidate_range_end() → mn_itree_inv_end() (mm/mmu_notifier.c 5.5,
 * idx:866640179; the hlist notifiers are empty here).
 */
import { cpuThreads } from '../v5.2/cpu.ts';
import { mn_itree_inv_end, mn_itree_invalidate } from './mmu_notifier.ts';
import type { Shared } from './state.ts';

export const { munmap, reclaim } = cpuThreads<Shared>(mn_itree_invalidate, mn_itree_inv_end);
