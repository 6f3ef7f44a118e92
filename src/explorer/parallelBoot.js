// Entry of a parallel-search worker thread: registers the CLI's loader (loader hooks are per
// thread), imports the one module that defines the model (not the whole registry), then runs the
// TypeScript worker with the definition found at the export path the coordinator gave.
import { workerData } from 'node:worker_threads';
import { registerLoader } from '../../bin/loader.js';

registerLoader();
let definition;
let failure;
try {
  definition = await import(workerData.source.url);
  for (const key of workerData.source.path) definition = definition?.[key];
} catch (thrown) {
  failure = thrown ?? new Error('import failed');
}
(await import('./parallelWorker.ts')).runWorker(definition, failure);
