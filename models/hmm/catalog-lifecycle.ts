/** HMM models of the lifecycle family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';
import { model as v52ReleaseMirrorUseAfterFree } from './v5.2-release-mirror-use-after-free.ts';
import { model as v52TeardownUseAfterFree } from './v5.2-teardown-use-after-free.ts';
import { model as v53NouveauFaultUnlock } from './v5.3-nouveau-fault-unlock.ts';
import { model as v53Rc1NouveauFaultUnlock } from './v5.3-rc1-nouveau-fault-unlock.ts';
import { model as v53Release } from './v5.3-release.ts';
import { model as v53Teardown } from './v5.3-teardown.ts';
import { model as v55IntervalNotifier } from './v5.5-interval-notifier.ts';

export const models: readonly AnyModelDefinition[] = [
  v52TeardownUseAfterFree,
  v53Teardown,
  v52ReleaseMirrorUseAfterFree,
  v53Release,
  v53Rc1NouveauFaultUnlock,
  v53NouveauFaultUnlock,
  v55IntervalNotifier,
];
