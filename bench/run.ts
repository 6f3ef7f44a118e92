/**
 * `npm run bench`: explores each benchmark model to completion with 1 and 2 workers and, where
 * bench/spin.ts finds SPIN and a Promela equivalent, runs SPIN on the same model in the same run.
 * Prints a table and writes reports/bench.json. Timing lives here, never in tests.
 *
 * Columns: states, seconds, states/s and visited-set bytes per state for one worker; seconds and
 * speed-up for two workers (same state count, checked); SPIN's states, seconds and states/s; and
 * the ratio (our states/s per core ÷ SPIN's states/s, both single-core). `2w x` is the 2-worker
 * speed-up on wall time, `2w x*` the same after the workers' start-up (threads loading the model).
 * Peterson n=4 also runs with the compact (bytes) frontier, to compare peak heap. `cpu s` columns
 * are CPU time of the whole process (all threads): on a busy machine wall time shows the share of
 * the CPU we got, CPU time what the work cost. Each 1-worker search (compiled, reference, compact
 * frontier) runs in a fresh process (bench/row.ts), as SPIN's do: in one long-lived process the
 * loop, compiled by V8 for every model before it, ran Peterson n=4 at 2.60 CPU-s where a fresh
 * process takes 1.8.
 *
 * The 1-worker search runs on the compiled state space (the default engine); `ref x` is how many
 * times fewer CPU-seconds it took than the same search on the reference (immer) space in the same
 * run, `heap B/st` the peak JS heap plus typed arrays (the visited set and queue live there) per state, the search's whole process included. The ratio to SPIN is per
 * core: our states per CPU-second over SPIN's states per second. The 2-worker runs use the
 * compiled space too: the coordinator learns the layout the workers share (see src/explorer/parallel.ts).
 *
 * `npm run bench -- --quick` skips the long rows (Peterson n=4, 2pc rms=7, the 5.5 HMM model with
 * two reclaim threads). `--no-workers` skips the 2-worker runs; `--no-spin` skips SPIN;
 * `--no-reference` skips the reference-space runs; `--no-cluster` the distributed-search rows
 * (bench/cluster.ts: 1, 2 and 4 worker processes against a private redis-server).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ExploreOutcome, type Params } from '../src/index.ts';
import { exploreParallel } from '../src/explorer/parallel.ts';
import { locateModel } from '../src/cli/loadModel.ts';
import { catalog } from '../models/index.ts';
import { clusterRows } from './cluster.ts';
import { comparableProperties, runSpin, spinUnavailable, type SpinResult } from './spin.ts';

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
  /** CPU time (user + system, all threads of the process) of the 1-worker run. */
  cpuSeconds: number;
  /** Peak JS heap plus typed arrays during the 1-worker run (its own process), sampled 4 times a second. */
  peakHeapMiB: number;
  /** That peak per state stored, everything in the process included. */
  heapBytesPerState: number;
  /** Which state space ran the 1-worker search, and its vector size. */
  engine: string;
  /** The same search on the reference state space (immer), in the same run: states/s and CPU seconds. */
  reference?: { statesPerSecond: number; cpuSeconds: number; seconds: number };
  /** Compiled states per CPU-second ÷ reference states per CPU-second. */
  speedupOverReference?: number;
  /** Peterson n=4 only: the same run with queued states kept as bytes (compactFrontier). */
  compactFrontier?: { seconds: number; statesPerSecond: number; peakHeapMiB: number };
  /**
   * Two workers: wall time including starting the threads and loading the model in each
   * (startupSeconds); speed-up over the 1-worker run with and without that startup.
   */
  workers2?: {
    states: number;
    verdict: string;
    seconds: number;
    startupSeconds: number;
    statesPerSecond: number;
    speedup: number;
    speedupAfterStartup: number;
    /** CPU time of both workers and the coordinator, start-up included: the cost of splitting the work. */
    cpuSeconds: number;
  };
  spin?: SpinResult;
  spinSkipped?: string;
  /** Our states/s (one worker) ÷ SPIN's states/s. */
  ratioToSpin?: number;
}

const quick = process.argv.includes('--quick');
const withWorkers = !process.argv.includes('--no-workers');
const withSpin = !process.argv.includes('--no-spin');
const withReference = !process.argv.includes('--no-reference');
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
        // Large enough for SPIN to run for seconds: 1,690,584 states in both tools.
        ['hmm/v5.5-interval-notifier', { drivers: 2 }],
      ] as [string, Params][])),
];

/** Undefined when SPIN runs, else why its columns are empty. */
function spinSkipped(): string | undefined {
  return withSpin ? spinUnavailable() : 'SPIN rows skipped (--no-spin)';
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
}

const ROW_RUNNER = fileURLToPath(new URL('../bin/run-ts.js', import.meta.url));
const ROW = fileURLToPath(new URL('./row.ts', import.meta.url));
const spin = spinSkipped();
const loadBefore = loadavg();
if (spin !== undefined) console.log(spin);

const rows: Row[] = [];
const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(
  `${'model'.padEnd(70)} ${'verdict'.padEnd(9)} ${'states'.padStart(10)} ${'s'.padStart(7)} ${'cpu s'.padStart(7)} ${'st/s'.padStart(7)} ${'B/st'.padStart(5)} ${'heap B/st'.padStart(9)} ${'ref x'.padStart(6)} ${'2w s'.padStart(7)} ${'2w cpu'.padStart(7)} ${'2w x'.padStart(5)} ${'2w x*'.padStart(5)} ${'SPIN st'.padStart(10)} ${'SPIN s'.padStart(7)} ${'SPIN st/s'.padStart(10)} ${'ratio'.padStart(6)}`,
);
for (const [name, params] of cases) {
  const definition = catalog.find((m) => m.name === name);
  if (!definition) throw new Error(`no model ${name}`);
  // The 5.2 models violate a property, and where a search stops depends on its order (BFS here, DFS
  // in SPIN): both tools explore the whole state space under the selection bench/spin.ts gives.
  const properties = comparableProperties(name, params);
  // Each measured search runs in a process of its own (bench/row.ts says why).
  const measured = (compactFrontier: boolean, engine: 'compiled' | 'reference' = 'compiled') => {
    const out = spawnSync(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=16384', ROW_RUNNER, ROW, name, JSON.stringify(params), properties ? JSON.stringify(properties) : '-', compactFrontier ? '1' : '0', engine],
      { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
    );
    const line = out.stdout.trim().split('\n').at(-1) ?? '';
    if (out.status !== 0 || !line.startsWith('{')) throw new Error(`bench/row.ts ${name} ${JSON.stringify(params)} failed (exit ${out.status}): ${out.stderr}`);
    return JSON.parse(line) as { verdict: ExploreOutcome['verdict']; stats: ExploreOutcome['stats']; peakHeapMiB: number; cpuSeconds: number };
  };
  const r = measured(false);
  const { peakHeapMiB, cpuSeconds } = r;
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
    cpuSeconds,
    peakHeapMiB,
    heapBytesPerState: Math.round((peakHeapMiB * 2 ** 20) / Math.max(1, r.stats.states)),
    engine: r.stats.engine?.name === 'compiled' ? `compiled, ${r.stats.engine.vectorBytes}-byte vectors` : `reference (${r.stats.engine?.fallback ?? 'asked'})`,
  };
  if (withReference) {
    const ref = measured(false, 'reference');
    row.reference = { statesPerSecond: ref.stats.statesPerSecond, cpuSeconds: ref.cpuSeconds, seconds: ref.stats.elapsedMs / 1000 };
    row.speedupOverReference = ref.cpuSeconds > 0 && cpuSeconds > 0 ? ref.cpuSeconds / cpuSeconds : 0;
    if (ref.stats.states !== row.states || ref.verdict !== row.verdict) console.log(`  note: the reference space ended ${ref.verdict} with ${fmt(ref.stats.states)} states`);
  }
  if (name === 'classic/peterson' && params.n === 4) {
    const c = measured(true);
    row.compactFrontier = { seconds: c.stats.elapsedMs / 1000, statesPerSecond: c.stats.statesPerSecond, peakHeapMiB: c.peakHeapMiB };
    console.log(`  frontier: objects peak heap ${peakHeapMiB} MiB in ${fmt(seconds, 1)} s; compact (bytes) peak heap ${c.peakHeapMiB} MiB in ${fmt(row.compactFrontier.seconds, 1)} s`);
  }
  if (withWorkers) {
    global.gc?.();
    const cpu0 = process.cpuUsage();
    const p = await exploreParallel({ model: name, params, definition, source: await locateModel(name, definition) }, { workers: 2, ...(properties ? { properties } : {}) });
    const s2 = p.stats.elapsedMs / 1000;
    const explored = (p.stats.elapsedMs - (p.stats.startupMs ?? 0)) / 1000;
    row.workers2 = {
      states: p.stats.states,
      verdict: p.verdict,
      seconds: s2,
      startupSeconds: (p.stats.startupMs ?? 0) / 1000,
      statesPerSecond: p.stats.statesPerSecond,
      speedup: s2 > 0 ? seconds / s2 : 0,
      speedupAfterStartup: explored > 0 ? seconds / explored : 0,
      cpuSeconds: cpuSince(cpu0),
    };
  }
  if (spin !== undefined) row.spinSkipped = spin;
  else {
    const s = runSpin(name, params);
    if (s === undefined) row.spinSkipped = 'no Promela equivalent';
    else {
      row.spin = s;
      // Per core: our states per CPU-second against SPIN's states per second (SPIN runs on one core).
      row.ratioToSpin = s.statesPerSecond > 0 && cpuSeconds > 0 ? row.states / cpuSeconds / s.statesPerSecond : 0;
    }
  }
  rows.push(row);
  const w = row.workers2;
  console.log(
    `${`${name} ${JSON.stringify(params)}`.padEnd(70)} ${r.verdict.padEnd(9)} ${fmt(row.states).padStart(10)} ${fmt(seconds, 2).padStart(7)} ${fmt(cpuSeconds, 2).padStart(7)} ${fmt(row.statesPerSecond).padStart(7)} ${String(row.bytesPerState).padStart(5)} ${String(row.heapBytesPerState).padStart(9)} ${(row.speedupOverReference !== undefined ? fmt(row.speedupOverReference, 1) : '-').padStart(6)} ${(w ? fmt(w.seconds, 2) : '-').padStart(7)} ${(w ? fmt(w.cpuSeconds, 2) : '-').padStart(7)} ${(w ? fmt(w.speedup, 2) : '-').padStart(5)} ${(w ? fmt(w.speedupAfterStartup, 2) : '-').padStart(5)} ${(row.spin ? fmt(row.spin.states) : '-').padStart(10)} ${(row.spin ? fmt(row.spin.seconds, 2) : '-').padStart(7)} ${(row.spin ? fmt(row.spin.statesPerSecond) : '-').padStart(10)} ${(row.ratioToSpin !== undefined ? row.ratioToSpin.toFixed(4) : '-').padStart(6)}`,
  );
  if (w && (w.states !== row.states || w.verdict !== row.verdict)) {
    console.log(`  note: 2 workers ended ${w.verdict} with ${fmt(w.states)} states (a violation stops the search wherever a worker finds it first)`);
  }
  if (row.spin && row.spin.states !== row.states) console.log(`  note: SPIN stored ${fmt(row.spin.states)} states, interleave ${fmt(row.states)}`);
}

// The distributed search (--cluster) with 1, 2 and 4 worker processes and a private redis-server.
const cluster = process.argv.includes('--no-cluster') ? 'cluster rows skipped (--no-cluster)' : await clusterRows(quick);
if (typeof cluster === 'string') console.log(cluster);

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'reports');
mkdirSync(out, { recursive: true });
// The machine may be shared: the load average says how much CPU the runs could get.
const report = { date: new Date().toISOString(), node: process.version, cores: availableParallelism(), loadAverage: { before: loadBefore, after: loadavg() }, rows, cluster };
console.log(`load average (1, 5, 15 min): before ${loadBefore.map((x) => x.toFixed(1)).join(', ')}; after ${loadavg().map((x) => x.toFixed(1)).join(', ')} on ${availableParallelism()} cores`);
writeFileSync(join(out, 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${join('reports', 'bench.json')}`);
