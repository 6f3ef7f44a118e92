// Entry of a parallel-search worker thread: registers tsx's loader (loader hooks are per thread),
// then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./parallelWorker.ts');
