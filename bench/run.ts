/**
 * `npm run bench`: explores each benchmark model to completion with 1 and 2 workers and, where
 * bench/spin.ts finds SPIN and a Promela equivalent, runs SPIN on the same model in the same run.
 * Prints a table and writes reports/bench.json. Timing lives here, never in tests.
 *
 * Columns: states, seconds, states/s and visited-set bytes per state for one worker; seconds and
 * speed-up for two workers (same state count, checked); SPIN's states, seconds and states/s; and
 * the ratio (our states/s per core ÷ SPIN's states/s, both single-core).
 *
 * `npm run bench -- --quick` skips the long rows (Peterson n=4, 2pc rms=7, the 5.5 HMM model with
 * two reclaim threads). `--no-workers` skips the 2-worker runs; `--no-spin` skips SPIN.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel, explore, type Params } from '../src/index.ts';
import { exploreParallel } from '../src/explorer/parallel.ts';
import { catalog } from '../models/index.ts';

interface SpinResult {
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  statesPerSecond: number;
  memoryMiB: number;
  bytesPerState: number;
  command: string;
}

interface SpinModule {
  spinUnavailable(): string | undefined;
  runSpin(model: string, params: Record<string, unknown>): SpinResult | undefined;
}

interface Row {
  model: string;
  params: Params;
  verdict: string;
  states: number;
  transitions: number;
  depth: number;
  seconds: number;
  statesPerSecond: number;
  /** Visited set (fingerprint table + parent/step arrays) per state. */
  bytesPerState: number;
  collisionProbability: number;
  heapMiB: number;
  workers2?: { states: number; verdict: string; seconds: number; statesPerSecond: number; speedup: number };
  spin?: SpinResult;
  spinSkipped?: string;
  /** Our states/s (one worker) ÷ SPIN's states/s. */
  ratioToSpin?: number;
}

const quick = process.argv.includes('--quick');
const withWorkers = !process.argv.includes('--no-workers');
const withSpin = !process.argv.includes('--no-spin');
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
        ['classic/two-phase-commit', { rms: 7 }],
        ['classic/peterson', { n: 4 }],
        ['hmm/v5.5-interval-notifier', { reclaims: 2 }],
      ] as [string, Params][])),
];

async function loadSpin(): Promise<SpinModule | string> {
  if (!withSpin) return 'SPIN rows skipped (--no-spin)';
  try {
    const spin = (await import('./spin.ts' as string)) as SpinModule;
    return spin.spinUnavailable() ?? spin;
  } catch (thrown) {
    return `SPIN rows skipped: bench/spin.ts could not be loaded (${thrown instanceof Error ? thrown.message.split('\n')[0] : String(thrown)})`;
  }
}

const spin = await loadSpin();
if (typeof spin === 'string') console.log(spin);

const rows: Row[] = [];
const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(
  `${'model'.padEnd(70)} ${'verdict'.padEnd(9)} ${'states'.padStart(10)} ${'s'.padStart(7)} ${'st/s'.padStart(7)} ${'B/st'.padStart(5)} ${'2w s'.padStart(7)} ${'2w x'.padStart(5)} ${'SPIN st'.padStart(10)} ${'SPIN s'.padStart(7)} ${'SPIN st/s'.padStart(10)} ${'ratio'.padStart(6)}`,
);
for (const [name, params] of cases) {
  const definition = catalog.find((m) => m.name === name);
  if (!definition) throw new Error(`no model ${name}`);
  global.gc?.();
  const r = explore(compileModel(definition, params));
  const seconds = r.stats.elapsedMs / 1000;
  const row: Row = {
    model: name,
    params,
    verdict: r.verdict,
    states: r.stats.states,
    transitions: r.stats.transitions,
    depth: r.stats.depth,
    seconds,
    statesPerSecond: r.stats.statesPerSecond,
    bytesPerState: Math.round((r.stats.storeBytes ?? 0) / Math.max(1, r.stats.states)),
    collisionProbability: r.stats.collisionProbability ?? 0,
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  if (withWorkers) {
    global.gc?.();
    const p = await exploreParallel({ model: name, params }, { workers: 2 });
    const s2 = p.stats.elapsedMs / 1000;
    row.workers2 = { states: p.stats.states, verdict: p.verdict, seconds: s2, statesPerSecond: p.stats.statesPerSecond, speedup: s2 > 0 ? seconds / s2 : 0 };
  }
  if (typeof spin === 'string') row.spinSkipped = spin;
  else {
    const s = spin.runSpin(name, params);
    if (s === undefined) row.spinSkipped = 'no Promela equivalent';
    else {
      row.spin = s;
      row.ratioToSpin = s.statesPerSecond > 0 ? row.statesPerSecond / s.statesPerSecond : 0;
    }
  }
  rows.push(row);
  const w = row.workers2;
  console.log(
    `${`${name} ${JSON.stringify(params)}`.padEnd(70)} ${r.verdict.padEnd(9)} ${fmt(row.states).padStart(10)} ${fmt(seconds, 2).padStart(7)} ${fmt(row.statesPerSecond).padStart(7)} ${String(row.bytesPerState).padStart(5)} ${(w ? fmt(w.seconds, 2) : '-').padStart(7)} ${(w ? fmt(w.speedup, 2) : '-').padStart(5)} ${(row.spin ? fmt(row.spin.states) : '-').padStart(10)} ${(row.spin ? fmt(row.spin.seconds, 2) : '-').padStart(7)} ${(row.spin ? fmt(row.spin.statesPerSecond) : '-').padStart(10)} ${(row.ratioToSpin !== undefined ? row.ratioToSpin.toFixed(4) : '-').padStart(6)}`,
  );
  if (w && (w.states !== row.states || w.verdict !== row.verdict)) {
    console.log(`  note: 2 workers ended ${w.verdict} with ${fmt(w.states)} states (a violation stops the search wherever a worker finds it first)`);
  }
  if (row.spin && row.spin.states !== row.states) console.log(`  note: SPIN stored ${fmt(row.spin.states)} states, interleave ${fmt(row.states)}`);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'reports');
mkdirSync(out, { recursive: true });
const report = { date: new Date().toISOString(), node: process.version, cores: (await import('node:os')).availableParallelism(), rows };
writeFileSync(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${join('reports', 'bench.json')}`);
