#!/usr/bin/env node
// Registers the loader (tsx, model files as ES modules) so the CLI and users' own `.ts` model files run on Node 20 without a build step.
import { registerLoader } from './loader.js';

registerLoader();
await import('../src/cli/main.ts');
