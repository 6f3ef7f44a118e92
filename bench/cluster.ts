/**
 * The cluster rows of `npm run bench`: the distributed search (`check --cluster`) against a private
 * redis-server on this machine, with 1, 2 and 4 worker processes, on Peterson n=4 and the 5.5 HMM
 * model with two drivers (`--quick`: Peterson n=3 and the 5.5 model at its defaults). Redis shares
 * the machine's cores with the workers. Per row: states/s on wall time; the CPU time of the workers
 * and of Redis beside the wall time; client commands (a pipelined command or script call counts
 * once) and commands Redis executed (script calls inside included) per state; bytes the workers
 * sent per state; Redis's memory per state. Run alone: `node bin/run-ts.js bench/cluster-only.ts [--quick]`.
 */
import { Redis } from 'ioredis';
import { exploreCluster } from '../src/cluster/coordinator.ts';
import { catalog } from '../models/index.ts';
import { haveRedis, startRedis } from '../src/testing/redis.ts';
import type { Params } from '../src/index.ts';

export interface ClusterRow {
  model: string;
  params: Params;
  workers: number;
  states: number;
  transitions: number;
  seconds: number;
  statesPerSecond: number;
  workerCpuSeconds: number;
  redisCpuSeconds: number;
  clientCommandsPerState: number;
  redisCommandsPerState: number;
  bytesSentPerState: number;
  redisBytesPerState: number;
  /** This row's states/s over the 1-worker row's. */
  speedup: number;
}

function info(text: string, field: string): number {
  return Number(new RegExp(`${field}:([\\d.]+)`).exec(text)?.[1] ?? 0);
}

async function redisCounters(redis: Redis): Promise<{ cpu: number; commands: number }> {
  const cpu = await redis.info('cpu');
  const stats = await redis.info('commandstats');
  let commands = 0;
  for (const m of stats.matchAll(/calls=(\d+)/g)) commands += Number(m[1]);
  return { cpu: info(cpu, 'used_cpu_user') + info(cpu, 'used_cpu_sys'), commands };
}

export async function clusterRows(quick: boolean, log: (line: string) => void = console.log): Promise<ClusterRow[] | string> {
  if (!haveRedis()) return 'cluster rows skipped (no redis-server; apt-get install redis-server)';
  const cases: [string, Params][] = quick
    ? [
        ['classic/peterson', { n: 3 }],
        ['hmm/v5.5-interval-notifier', {}],
      ]
    : [
        ['classic/peterson', { n: 4 }],
        ['hmm/v5.5-interval-notifier', { drivers: 2 }],
      ];
  const rows: ClusterRow[] = [];
  log(`${'cluster (worker processes + redis-server on this machine)'.padEnd(60)} ${'w'.padStart(2)} ${'states'.padStart(10)} ${'wall s'.padStart(7)} ${'st/s'.padStart(8)} ${'x'.padStart(5)} ${'wk cpu'.padStart(7)} ${'rd cpu'.padStart(7)} ${'cmd/st'.padStart(7)} ${'rcmd/st'.padStart(8)} ${'B/st'.padStart(6)} ${'rdB/st'.padStart(6)}`);
  for (const [name, params] of cases) {
    const definition = catalog.find((d) => d.name === name)!;
    let base = 0;
    for (const workers of [1, 2, 4]) {
      const server = await startRedis();
      const redis = new Redis(server.port, '127.0.0.1');
      try {
        const before = await redisCounters(redis);
        const started = Date.now();
        const r = await exploreCluster({ url: `${server.url}/bench`, spec: name, definition, params, localWorkers: workers });
        const seconds = (Date.now() - started) / 1000;
        const after = await redisCounters(redis);
        const c = r.stats.cluster!;
        const states = r.stats.states;
        const statesPerSecond = Math.round(states / seconds);
        if (workers === 1) base = statesPerSecond;
        const row: ClusterRow = {
          model: name,
          params,
          workers,
          states,
          transitions: r.stats.transitions,
          seconds,
          statesPerSecond,
          workerCpuSeconds: c.workerCpuMs / 1000,
          redisCpuSeconds: after.cpu - before.cpu,
          clientCommandsPerState: c.clientCommands / states,
          redisCommandsPerState: (after.commands - before.commands) / states,
          bytesSentPerState: c.bytesSent / states,
          redisBytesPerState: c.redisMemoryBytes / states,
          speedup: base > 0 ? statesPerSecond / base : 1,
        };
        rows.push(row);
        const f = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
        log(
          `${`${name} ${JSON.stringify(params)}`.padEnd(60)} ${String(workers).padStart(2)} ${f(states).padStart(10)} ${f(seconds, 2).padStart(7)} ${f(statesPerSecond).padStart(8)} ${f(row.speedup, 2).padStart(5)} ${f(row.workerCpuSeconds, 1).padStart(7)} ${f(row.redisCpuSeconds, 1).padStart(7)} ${f(row.clientCommandsPerState, 4).padStart(7)} ${f(row.redisCommandsPerState, 2).padStart(8)} ${f(row.bytesSentPerState).padStart(6)} ${f(row.redisBytesPerState).padStart(6)}`,
        );
      } finally {
        redis.disconnect();
        await server.close();
      }
    }
  }
  return rows;
}
