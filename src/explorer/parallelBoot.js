// Entry of a parallel-search worker thread: registers the CLI's loader (loader hooks are per thread),
// then runs the TypeScript worker.
import { registerLoader } from '../../bin/loader.js';

registerLoader();
await import('./parallelWorker.ts');
