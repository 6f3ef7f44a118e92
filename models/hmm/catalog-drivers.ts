/** HMM models of the drivers family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';

export const models: readonly AnyModelDefinition[] = [];
