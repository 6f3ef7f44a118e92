/**
 * The distributed search against a private redis-server (src/testing/redis.ts): the same results
 * as a local search, worker processes killed at random moments, a coordinator killed and resumed,
 * Redis restarted, and foreign data refused. INTERLEAVE_SLOW=1 repeats the kills 20 times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../models/index.ts';
import { compileModel, type AnyModelDefinition, type Params } from '../core/model.ts';
import { explore, type ExploreOutcome } from '../explorer/explore.ts';
import { judgeTrace } from '../trace/judge.ts';
import { replay } from '../trace/trace.ts';
import { freePort, haveRedis, startRedis, type RedisServer } from '../testing/redis.ts';
import { loadModel } from '../cli/loadModel.ts';
import { exploreCluster, type ClusterOptions } from './coordinator.ts';
import { clusterWorker } from './worker.ts';

const SLOW = process.env.INTERLEAVE_SLOW === '1';
const BIN = fileURLToPath(new URL('../../bin/interleave.js', import.meta.url));
const on = haveRedis();
let server: RedisServer;
let runs = 0;

beforeAll(async () => {
  if (on) server = await startRedis({ appendonly: true });
});
afterAll(async () => {
  await server?.close();
});

function byName(name: string): AnyModelDefinition {
  return catalog.find((d) => d.name === name)!;
}

/** A cluster search with `workers` in-process workers. */
async function inProcess(name: string, params: Params, workers: number, more: Partial<ClusterOptions> = {}): Promise<ExploreOutcome> {
  const url = more.url ?? `${server.url}/t${++runs}`;
  const stop = new AbortController();
  const joined = Array.from({ length: workers }, (_, k) => clusterWorker(url, { id: `w${k}`, signal: stop.signal, claimAfterMs: 1000 }));
  try {
    return await exploreCluster({ url, spec: name, definition: byName(name), params, learnStates: 2000, ...more });
  } finally {
    stop.abort();
    await Promise.all(joined);
  }
}

/** Verdict and property; on a pass the counts; on a failure the counterexample's path itself. */
function summary(r: ExploreOutcome) {
  return {
    verdict: r.verdict,
    ...(r.verdict === 'violation' ? { property: r.property.name } : {}),
    ...(r.verdict === 'pass' ? { states: r.stats.states, transitions: r.stats.transitions, depth: r.stats.depth } : {}),
    ...((r.verdict === 'violation' || r.verdict === 'deadlock') && r.path !== null ? { path: r.path } : {}),
  };
}


describe.skipIf(!on)('distributed search (check --cluster) against a local redis-server', () => {
  it.each(catalog.map((m) => m.name))('%s: the local verdict; on a pass the same states, transitions and depth, on a failure the same counterexample', async (name) => {
    const local = explore(compileModel(byName(name), {}));
    const r = await inProcess(name, {}, 2);
    expect(summary(r)).toEqual(summary(local));
    if ((r.verdict === 'violation' || r.verdict === 'deadlock') && r.path !== null) {
      const model = compileModel(byName(name), {});
      if (r.verdict === 'deadlock' || r.property.kind !== 'lockOrder') expect(judgeTrace(model, replay(model, r.path)).verdict).toBe(r.verdict);
    }
  });

  // Every registered model with 1, 2 and 4 worker processes (INTERLEAVE_SLOW=1: about 5 minutes).
  it.skipIf(!SLOW).each(catalog.map((m) => m.name))('%s: 1, 2 and 4 worker processes give the local verdict and counts', async (name) => {
    const local = explore(compileModel(byName(name), {}));
    for (const workers of [1, 2, 4]) {
      const r = await exploreCluster({ url: `${server.url}/s${++runs}`, spec: name, definition: byName(name), params: {}, localWorkers: workers });
      expect(summary(r)).toEqual(summary(local));
    }
  }, 120_000);

  it('1, 2 and 4 worker processes: equal counts (hmm/v5.5-interval-notifier)', async () => {
    const local = explore(compileModel(byName('hmm/v5.5-interval-notifier'), {}));
    for (const workers of SLOW ? [1, 2, 4] : [1, 4]) {
      const url = `${server.url}/p${++runs}`;
      const r = await exploreCluster({ url, spec: 'hmm/v5.5-interval-notifier', definition: byName('hmm/v5.5-interval-notifier'), params: {}, localWorkers: workers });
      expect(summary(r)).toEqual(summary(local));
      expect(r.stats.cluster?.workers).toBe(workers);
    }
  }, 120_000);

  it('a layout learnt from few states grows as the workers meet more (a new generation), with the same counts', async () => {
    const local = explore(compileModel(byName('hmm/v5.3-nouveau-fault-unlock'), {}));
    const r = await inProcess('hmm/v5.3-nouveau-fault-unlock', {}, 2, { learnStates: 1 });
    expect(summary(r)).toEqual(summary(local));
    expect(r.stats.engine?.relayouts).toBeGreaterThan(0);
  });

  it(`a worker process killed at a random moment loses no state (${SLOW ? 20 : 3} kills)`, async () => {
    const definition = byName('classic/peterson');
    const local = explore(compileModel(definition, { n: 3 }), { properties: ['mutual exclusion'] });
    const redis = new Redis(server.port, '127.0.0.1');
    // Kills that hit the victim while it was in the run and the run had not ended.
    let midRun = 0;
    const spawned: ChildProcess[] = [];
    try {
      for (let k = 0; k < (SLOW ? 20 : 3); k++) {
        const name = `k${++runs}`;
        const url = `${server.url}/${name}`;
        const victim = worker(url, 'victim');
        const survivor = worker(url, 'survivor');
        spawned.push(victim, survivor);
        // Kill at a random point of the search: once the victim is in the run and the store has
        // reached a random size.
        let ended = false;
        const at = 100 + Math.floor(Math.random() * 10_000);
        const killer = (async () => {
          while (!ended) {
            const [joined, states] = await Promise.all([redis.exists(`il:${name}:hb:victim`), redis.get(`il:${name}:g0:states`)]);
            if (joined === 1 && Number(states ?? 0) >= at) {
              if (!ended) midRun++;
              victim.kill('SIGKILL');
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        })();
        // Should the run not end, fail with what Redis holds rather than wait for the test's timeout.
        let stuck: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          stuck = setTimeout(() => {
            void (async () => {
              const keys = await redis.keys(`il:${name}:*`);
              const meta = await redis.hgetall(`il:${name}:meta`);
              const level = await redis.get(`il:${name}:g0:level`);
              const pending = await Promise.all(keys.filter((k) => k.includes(':q:')).map(async (k) => `${k} ${JSON.stringify(await redis.xpending(k, 'w').catch((e) => String(e)))}`));
              reject(new Error(`kill ${k} (at ${at} states) did not end in 120 s: meta ${JSON.stringify(meta)}, level ${level}, keys ${keys.join(' ')}, pending ${pending.join('; ')}, victim exit ${victim.exitCode ?? victim.signalCode}, survivor exit ${survivor.exitCode ?? survivor.signalCode}`));
            })();
          }, 120_000);
        });
        const r = await Promise.race([exploreCluster({ url, spec: 'classic/peterson', definition, params: { n: 3 }, properties: ['mutual exclusion'] }), timeout]).finally(() => clearTimeout(stuck));
        ended = true;
        await killer;
        victim.kill('SIGKILL');
        await exited(survivor);
        expect(summary(r)).toEqual(summary(local));
      }
      expect(midRun).toBe(SLOW ? 20 : 3);
    } finally {
      for (const w of spawned) w.kill('SIGKILL');
      redis.disconnect();
    }
  }, 300_000);

  it('a coordinator killed and started again with --resume ends with the same counts; so does a Redis restart', async () => {
    const definition = byName('classic/peterson');
    const local = explore(compileModel(definition, { n: 3 }), { properties: ['mutual exclusion'] });
    const name = `r${++runs}`;
    const url = `${server.url}/${name}`;
    const first = spawn(process.execPath, [BIN, 'check', 'classic/peterson', '-p', 'n=3', '--property', 'mutual exclusion', '--no-por', '--cluster', url, '--json'], { stdio: 'ignore' });
    const workers = [worker(url, 'a'), worker(url, 'b')];
    const redis = new Redis(server.port, '127.0.0.1');
    try {
      // Kill the coordinator once the search is under way.
      await until(async () => Number((await redis.get(`il:${name}:g0:states`)) ?? 0) > 100);
      first.kill('SIGKILL');
      await exited(first);
      // Redis restarts (append-only file on): the run's keys survive, the workers reconnect.
      await server.stop();
      await server.start();
      const resumed = spawn(process.execPath, [BIN, 'check', 'classic/peterson', '-p', 'n=3', '--property', 'mutual exclusion', '--no-por', '--cluster', url, '--resume', name, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      resumed.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await exited(resumed);
      const report = JSON.parse(out) as { verdict: string; stats: { states: number; transitions: number; cluster: Record<string, unknown> } };
      expect({ verdict: report.verdict, states: report.stats.states, transitions: report.stats.transitions }).toEqual({ verdict: 'pass', states: local.stats.states, transitions: local.stats.transitions });
      // The JSON report's cluster object is the documented one.
      const schema = JSON.parse(readFileSync(new URL('../../docs/trace.schema.json', import.meta.url), 'utf8'));
      const documented = schema.properties.stats.properties.cluster;
      for (const k of documented.required as string[]) expect(report.stats.cluster).toHaveProperty(k);
      for (const k of Object.keys(report.stats.cluster)) expect(Object.keys(documented.properties)).toContain(k);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
      redis.disconnect();
    }
  }, 120_000);

  it('Ctrl-C on the coordinator says how to continue the run, exit 130', async () => {
    const name = `c${++runs}`;
    const coordinator = spawn(process.execPath, [BIN, 'check', 'classic/peterson', '--cluster', `${server.url}/${name}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    coordinator.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const redis = new Redis(server.port, '127.0.0.1');
    try {
      await until(async () => (await redis.hget(`il:${name}:meta`, 'status')) === 'running');
      coordinator.kill('SIGINT');
      await exited(coordinator);
      expect(coordinator.exitCode).toBe(130);
      expect(err).toContain(`run ${name} stays in Redis and its workers go on: continue it with the same command and --resume ${name}`);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('refuses a run name holding another check, keys it did not write, and a worker of another version', async () => {
    const name = `f${++runs}`;
    const url = `${server.url}/${name}`;
    const peterson = { spec: 'classic/peterson', definition: byName('classic/peterson') };
    expect((await inProcess('classic/peterson', { n: 2 }, 1, { url })).verdict).toBe('pass');
    await expect(exploreCluster({ url, ...peterson, params: { n: 3 } })).rejects.toThrow(/another check \(params: \{"n":2\} there, \{"n":3\} here\)/);
    await expect(exploreCluster({ url, ...peterson, params: { n: 2 } })).rejects.toThrow(/already exists \(status done\); continue it with --resume/);
    const resumed = await exploreCluster({ url, ...peterson, params: { n: 2 }, resume: true });
    expect(resumed.stats.states).toBe(explore(compileModel(byName('classic/peterson'), { n: 2 }), { properties: [] }).stats.states);
    const redis = new Redis(server.port, '127.0.0.1');
    try {
      await redis.hset(`il:foreign:meta`, 'something', 'else');
      await expect(exploreCluster({ url: `${server.url}/foreign`, ...peterson, params: {} })).rejects.toThrow(/not written by interleave's cluster search/);
      await redis.hset(`il:old:meta`, { format: 'interleave-cluster/1', kind: 'search', version: '0.0.0-other', model: 'classic/peterson', modelName: 'classic/peterson', params: '{}', options: '{}', generation: '0', partitions: '16', initial: '0:0', vectorBytes: '4', status: 'running' });
      await expect(clusterWorker(`${server.url}/old`, { id: 'old' })).rejects.toThrow(/started by interleave 0\.0\.0-other; this worker is interleave/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('cluster addresses and budgets', () => {
  it('a bad address or an unreachable Redis is a clear error', async () => {
    const definition = byName('classic/peterson');
    await expect(exploreCluster({ url: 'http://127.0.0.1:6379/x', spec: 'classic/peterson', definition, params: {} })).rejects.toThrow(/must start with redis:\/\//);
    await expect(exploreCluster({ url: 'redis://127.0.0.1:6379', spec: 'classic/peterson', definition, params: {} })).rejects.toThrow(/needs a run name after the port/);
    const closed = await freePort();
    await expect(exploreCluster({ url: `redis://127.0.0.1:${closed}/x`, spec: 'classic/peterson', definition, params: {} })).rejects.toThrow(new RegExp(`cannot reach Redis at 127\\.0\\.0\\.1:${closed}`));
    await expect(clusterWorker(`redis://127.0.0.1:${closed}/x`)).rejects.toThrow(/cannot reach Redis/);
  });

  it.skipIf(!on)("a step that throws in a worker is reported as a local search reports it, with the replay path to its state", async () => {
    const spec = fileURLToPath(new URL('../testing/fixtures/step-throws.ts', import.meta.url));
    const definition = await loadModel(spec);
    const local = (() => {
      try {
        explore(compileModel(definition, {}));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    })();
    expect(local).toContain('replay path 0: the step threw');
    const url = `${server.url}/e${++runs}`;
    const stop = new AbortController();
    const w = clusterWorker(url, { id: 'w', signal: stop.signal });
    try {
      await expect(exploreCluster({ url, spec, definition, params: {} })).rejects.toThrow(local);
    } finally {
      stop.abort();
      await w;
    }
  });

  it.skipIf(!on)('--max-states and --timeout end a cluster search as incomplete', async () => {
    const r = await inProcess('classic/peterson', { n: 3 }, 1, { maxStates: 500 });
    expect(r.verdict === 'incomplete' && r.budget).toBe('maxStates');
    expect(r.stats.states).toBeGreaterThanOrEqual(500);
    const t = await exploreCluster({ url: `${server.url}/nobody${++runs}`, spec: 'classic/peterson', definition: byName('classic/peterson'), params: {}, timeoutMs: 300 });
    expect(t.verdict === 'incomplete' && t.budget).toBe('timeout');
  });
});

function worker(url: string, id: string): ChildProcess {
  return spawn(process.execPath, [BIN, 'worker', url, '--id', id, '--claim-after', '0.5'], { stdio: 'ignore' });
}

function exited(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));
}

async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
