/** HMM models of the invalidate family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';
import { v1NonblockingDeadlock, v2Nonblocking } from './v5.2-rc/nonblocking.ts';
import { lostEagain52, notifierLeak52 } from './v5.2-nonblocking.ts';
import { eagain53, notifierCount53 } from './v5.3/invalidate-models.ts';
import { retry53, retryLivelock52 } from './nonblocking-livelock.ts';

export const models: readonly AnyModelDefinition[] = [v1NonblockingDeadlock, v2Nonblocking, notifierLeak52, notifierCount53, retryLivelock52, retry53, lostEagain52, eagain53];
