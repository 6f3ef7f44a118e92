/** HMM models of the lifecycle family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';

export const models: readonly AnyModelDefinition[] = [];
