/** HMM models of the drivers family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';
import { model as reclaimRace } from './v5.2-reclaim-race.ts';
import { model as seedSnapshotEagain } from './v5.2-rc-seed-snapshot-eagain.ts';
import { model as seedTimeoutRetry } from './v5.2-rc-seed-timeout-retry.ts';
import { model as vmaFaultTimeout } from './v5.2-vma-fault-timeout.ts';

export const models: readonly AnyModelDefinition[] = [reclaimRace, seedSnapshotEagain, seedTimeoutRetry, vmaFaultTimeout];
