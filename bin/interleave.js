#!/usr/bin/env node
// Registers tsx's loader so the CLI and users' own `.ts` model files run on Node 20 without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
