/** HMM and mmu-notifier models after 5.5 (nouveau SVM, the OOM reaper's unpaired starts, amdgpu userptr), registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';
import { intervalRewrite, splitInvalidate, splitReversed } from './v5.5-nouveau-split-invalidate.ts';
import { walk56, walk57 } from './v5.6-hmm-range-fault-walk.ts';
import { ownRange, sharedRange } from './v6.1-amdgpu-userptr-range.ts';
import { hlistPaired512, hlistUnpaired511, itreeLeak512, itreeUnwind } from './v5.12-oom-itree-leak.ts';

export const models: readonly AnyModelDefinition[] = [itreeLeak512, itreeUnwind, hlistUnpaired511, hlistPaired512, splitInvalidate, splitReversed, intervalRewrite, sharedRange, ownRange, walk56, walk57];
