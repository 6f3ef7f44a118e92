/** HMM models of the lifecycle family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';
import { model as v55IntervalNotifier } from './v5.5-interval-notifier.ts';

export const models: readonly AnyModelDefinition[] = [v55IntervalNotifier];
