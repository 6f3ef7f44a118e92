// Loader hooks for the CLI, its parallel-search workers and bin/run-ts.js: tsx compiles TypeScript,
// and model files are loaded as ES modules wherever they live. Loader hooks are per thread.
import { register as registerTsx } from 'tsx/esm/api';
import { register } from 'node:module';

export function registerLoader() {
  registerTsx();
  // Registered after tsx, so it resolves first and sees tsx's answer.
  register('./esm-models.js', import.meta.url);
}
