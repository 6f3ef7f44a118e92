/**
 * What checkpoints cost: `node bin/run-ts.js bench/checkpoint.ts MODEL [key=value…] [--every SECONDS]`
 * runs the safety search with a checkpoint every SECONDS (default 2) written to a temporary folder
 * as `check --checkpoint` writes it, and prints each checkpoint's states, file size, bytes a state
 * and time to write; then the time to read the last one back, and the search's time. `--por`:
 * with partial-order reduction (as on the command line), whose snapshots add the proviso's depths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog } from '../models/index.ts';
import { compileModel, type ParamValue } from '../src/core/model.ts';
import { routineNumbering } from '../src/explorer/checkpoint.ts';
import { explore } from '../src/explorer/explore.ts';
import { readCheckpoint, writeCheckpoint } from '../src/cli/checkpointFile.ts';

const args = process.argv.slice(2);
const name = args[0];
const definition = catalog.find((m) => m.name === name);
if (!definition) {
  console.error('usage: node bin/run-ts.js bench/checkpoint.ts MODEL [key=value…] [--every SECONDS] [--por]');
  process.exit(2);
}
const everyAt = args.indexOf('--every');
const everyMs = everyAt >= 0 ? Number(args[everyAt + 1]) * 1000 : 2000;
const params: Record<string, ParamValue> = {};
for (const kv of args.slice(1)) {
  const eq = kv.indexOf('=');
  if (eq > 0) params[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const dir = mkdtempSync(join(tmpdir(), 'interleave-bench-checkpoint-'));
const rows: { states: number; queued: number; bytes: number; ms: number }[] = [];
const run = { version: 'bench', fairness: 'weak', source: null };
try {
  const started = Date.now();
  const cpu = process.cpuUsage();
  const r = explore(compileModel(definition, params, routineNumbering()), {
    por: args.includes('--por'),
    checkpoint: {
      everyMs,
      save: (s) => {
        const t = process.hrtime.bigint();
        const bytes = writeCheckpoint(dir, s, run);
        rows.push({ states: s.header.states, queued: s.header.queued, bytes, ms: Number(process.hrtime.bigint() - t) / 1e6 });
      },
    },
  });
  const searchMs = Date.now() - started;
  const used = process.cpuUsage(cpu);
  const n = (x: number): string => x.toLocaleString('en-US');
  console.log(`${name} ${JSON.stringify(params)}${args.includes('--por') ? ' --por' : ''}: ${r.verdict}, ${n(r.stats.states)} states, search ${(searchMs / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU (checkpoint writes included)`);
  console.log('states | queued | file bytes | bytes/state | write ms');
  for (const row of rows) console.log(`${n(row.states)} | ${n(row.queued)} | ${n(row.bytes)} | ${(row.bytes / row.states).toFixed(1)} | ${row.ms.toFixed(0)}`);
  if (rows.length > 0) {
    const t = process.hrtime.bigint();
    readCheckpoint(dir);
    console.log(`read back the last: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
