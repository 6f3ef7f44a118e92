/**
 * `npm run bench`: explores each benchmark model to completion and reports states, transitions,
 * time and states/s, as a table and as reports/bench.json. Timing lives here, never in tests.
 * `npm run bench -- --quick` skips Peterson n=4 (1,119,560 states, a few minutes) and the 5.5 HMM
 * model with two reclaim threads (254,835 states, a few minutes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel, explore, type Params } from '../src/index.ts';
import { catalog } from '../models/index.ts';

interface Row {
  model: string;
  params: Params;
  verdict: string;
  states: number;
  transitions: number;
  depth: number;
  elapsedMs: number;
  statesPerSecond: number;
  heapMiB: number;
}

const quick = process.argv.includes('--quick');
const cases: [string, Params][] = [
  ['hmm/v5.2-valid-flag', {}],
  ['hmm/v5.2-valid-flag', { driver: 'doc' }],
  ['hmm/v5.2-valid-flag', { driver: 'doc', drivers: 2, reclaims: 1, munmaps: 0 }],
  // The 5.5 sequence-count design against the same actors (passes): compare with the two rows above.
  ['hmm/v5.5-interval-notifier', {}],
  ['hmm/v5.5-interval-notifier', { drivers: 2, reclaims: 1, munmaps: 0 }],
  ['classic/two-phase-commit', { rms: 5 }],
  ['classic/peterson', { n: 3 }],
  ...(quick
    ? []
    : ([
        ['classic/peterson', { n: 4 }],
        ['hmm/v5.5-interval-notifier', { reclaims: 2 }],
      ] as [string, Params][])),
];

const rows: Row[] = [];
for (const [name, params] of cases) {
  const definition = catalog.find((m) => m.name === name);
  if (!definition) throw new Error(`no model ${name}`);
  global.gc?.();
  const r = explore(compileModel(definition, params));
  const row: Row = {
    model: name,
    params,
    verdict: r.verdict,
    ...r.stats,
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  rows.push(row);
  console.log(
    `${`${name} ${JSON.stringify(params)}`.padEnd(78)} ${r.verdict.padEnd(10)} ${String(r.stats.states).padStart(9)} states ${String(r.stats.transitions).padStart(10)} transitions ${(r.stats.elapsedMs / 1000).toFixed(2).padStart(7)} s ${String(r.stats.statesPerSecond).padStart(7)} states/s`,
  );
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'reports');
mkdirSync(out, { recursive: true });
const report = { date: new Date().toISOString(), node: process.version, rows };
writeFileSync(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${join('reports', 'bench.json')}`);
