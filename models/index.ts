/** The model registry: every model `interleave list` shows and `interleave check <name>` finds. */
import type { AnyModelDefinition } from '../src/index.ts';
import { model as twoPhaseCommit } from './classic/two-phase-commit.ts';

export const catalog: readonly AnyModelDefinition[] = [twoPhaseCommit];
