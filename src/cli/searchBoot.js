// Entry of the thread that runs `interleave check`'s search: registers the CLI's loader (loader hooks
// are per thread), then runs the TypeScript worker.
import { registerLoader } from '../../bin/loader.js';

registerLoader();
await import('./searchWorker.ts');
