/**
 * HMM and mmu-notifier models added with scenarios 11-15 (nouveau SVM, the OOM reaper's unpaired
 * starts, amdgpu userptr, hmm_range_fault's walk, and 5.2's FAULT_FLAG_ALLOW_RETRY), registered in
 * models/index.ts.
 */
import type { AnyModelDefinition } from '../../src/index.ts';
import { intervalRewrite, splitInvalidate, splitReversed } from './v5.5-nouveau-split-invalidate.ts';
import { allowRetry52, allowRetry53 } from './v5.2-fault-allow-retry.ts';
import { walk56, walk57 } from './v5.6-hmm-range-fault-walk.ts';
import { ownRange, sharedRange } from './v6.1-amdgpu-userptr-range.ts';
import { hlistPaired512, hlistUnpaired511, itreeLeak512, itreeUnwind } from './v5.12-oom-itree-leak.ts';

export const models: readonly AnyModelDefinition[] = [itreeLeak512, itreeUnwind, hlistUnpaired511, hlistPaired512, splitInvalidate, splitReversed, intervalRewrite, sharedRange, ownRange, walk56, walk57, allowRetry52, allowRetry53];
