/** The model registry: every model `interleave list` shows and `interleave check <name>` finds. */
import type { AnyModelDefinition } from '../src/index.ts';
import { model as lockOrderDeadlock } from './classic/lock-order-deadlock.ts';
import { model as lostUpdate } from './classic/lost-update.ts';
import { model as peterson } from './classic/peterson.ts';
import { model as tasSpinlock } from './classic/tas-spinlock.ts';
import { model as twoPhaseCommit } from './classic/two-phase-commit.ts';
import { models as hmmDrivers } from './hmm/catalog-drivers.ts';
import { models as hmmInvalidate } from './hmm/catalog-invalidate.ts';
import { models as hmmLifecycle } from './hmm/catalog-lifecycle.ts';
import { models as hmmPost55 } from './hmm/catalog-post55.ts';
import { model as hmmV52ValidFlag } from './hmm/v5.2-valid-flag.ts';

export const catalog: readonly AnyModelDefinition[] = [
  hmmV52ValidFlag,
  ...hmmInvalidate,
  ...hmmDrivers,
  ...hmmLifecycle,
  peterson,
  twoPhaseCommit,
  lockOrderDeadlock,
  lostUpdate,
  tasSpinlock,
  ...hmmPost55,
];
