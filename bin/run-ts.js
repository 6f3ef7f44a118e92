#!/usr/bin/env node
// Runs a TypeScript entry point (e.g. the benchmark) through tsx: `node bin/run-ts.js bench/run.ts [args]`.
import { registerLoader } from './loader.js';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

registerLoader();
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bin/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
process.argv.splice(2, 1);
await import(pathToFileURL(resolve(entry)).href);
