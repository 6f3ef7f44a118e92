/** HMM models of the invalidate family, registered in models/index.ts. */
import type { AnyModelDefinition } from '../../src/index.ts';

export const models: readonly AnyModelDefinition[] = [];
