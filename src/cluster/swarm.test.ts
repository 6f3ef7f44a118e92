import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { compileModel, explore, replay } from '../index.ts';
import { judgeTrace } from '../trace/judge.ts';
import { runCli } from '../cli/cli.ts';
import type { Output } from '../cli/output.ts';
import { freePort, haveRedis, startRedis, type RedisServer } from '../testing/redis.ts';
import { model as hmm52 } from '../../models/hmm/v5.2-valid-flag.ts';
import { model as lostUpdate } from '../../models/classic/lost-update.ts';
import { model as twoPhase } from '../../models/classic/two-phase-commit.ts';
import { parseClusterUrl, VERSION } from './run.ts';
import { connectSwarm, planJobs, runKind, runSwarm, spawnSwarmWorker, swarmKeys, swarmWorker } from './swarm.ts';

const run = haveRedis() ? describe : describe.skip;

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: Output = { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), status: () => {}, stderrIsTTY: false, color: false };
  const code = await runCli(argv, out);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

run('swarm runs over Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let serial = 0;
  /** A fresh run name on the private server. */
  const url = (): string => `${redis.url}/t${++serial}`;
  /**
   * Starts a swarm (no local workers) on a fresh run and waits until it has written the run
   * (workers may start before or after that); its address, name, keys and the coordinator's promise.
   */
  const startSwarm = async (definition: Parameters<typeof runSwarm>[0], params: Parameters<typeof runSwarm>[2], options: Omit<Parameters<typeof runSwarm>[3], 'url' | 'localWorkers'>) => {
    const target = url();
    const { name } = parseClusterUrl(target);
    const keys = swarmKeys(name);
    const started = runSwarm(definition, definition.name, params, { ...options, url: target, localWorkers: 0 });
    while ((await client.exists(keys.meta)) === 0) await new Promise((r) => setTimeout(r, 20));
    return { target, name, keys, started };
  };

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis({ host: '127.0.0.1', port: redis.port });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('two worker processes find the 5.2 stale-mapping race; the shrunk counterexample replays to the violation', async () => {
    const r = await runSwarm(hmm52, hmm52.name, { driver: 'doc' }, { url: url(), jobs: 16, runsPerJob: 100, depth: 200, seed: 7, localWorkers: 2 });
    expect(r.state).toBe('found');
    const f = r.found!;
    expect(f.property).toBe('no stale device mapping');
    expect(f.path.length).toBeLessThanOrEqual(f.foundLength);
    expect(f.worker).toMatch(/:[12]$/);
    const m = compileModel(hmm52, { driver: 'doc' });
    expect(judgeTrace(m, replay(m, f.path))).toMatchObject({ verdict: 'violation', property: 'no stale device mapping' });
    expect(r.coverage).toBeGreaterThan(0);
  }, 60_000);

  it('a passing model: every job runs, no counterexample, coverage within the reachable states', async () => {
    const { name, started } = await startSwarm(twoPhase, {}, { jobs: 8, runsPerJob: 50, depth: 60, seed: 1 });
    await Promise.all([swarmWorker(redis.url, name, { id: 'a' }), swarmWorker(redis.url, name, { id: 'b' })]);
    const r = await started;
    expect(r.found).toBeNull();
    expect(r.state).toBe('finished');
    expect(r.jobsDone).toBe(8);
    expect(r.runs).toBe(8 * 50);
    const states = explore(compileModel(twoPhase)).stats.states;
    expect(r.coverage).toBeGreaterThan(0);
    // The HyperLogLog's error is well under 3% at this size.
    expect(r.coverage).toBeLessThanOrEqual(Math.ceil(states * 1.03));
  }, 60_000);

  it('`interleave worker URL` takes a swarm\'s jobs; `check --cluster` refuses a swarm run by its kind', async () => {
    const { target, started } = await startSwarm(twoPhase, {}, { jobs: 3, runsPerJob: 20, depth: 30, seed: 2 });
    expect(await runKind(target)).toBe('swarm');
    const worker = await cli('worker', target, '--id', 'cli');
    expect(worker.code).toBe(0);
    const r = await started;
    expect(r).toMatchObject({ state: 'finished', jobsDone: 3, runs: 60 });
    const check = await cli('check', 'classic/two-phase-commit', '--cluster', target);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/swarm run, not a distributed search/);
  }, 60_000);

  it('a job whose worker stops answering is taken again by another (at least once, counted once)', async () => {
    const { target, name, keys, started } = await startSwarm(lostUpdate, { n: 2 }, { jobs: 4, runsPerJob: 10, depth: 3, seed: 3, leaseMs: 300 });
    // A worker takes a job and dies: it never renews the lease nor finishes the job.
    const dead = await connectSwarm(parseClusterUrl(target), 'a test');
    const claimed = (await dead.claim(keys.pending, keys.leases, keys.owners, keys.done, keys.stop, keys.jobs, keys.stats, keys.workers, 'dead', 300)) as string[];
    dead.disconnect();
    expect(claimed[0]).toBe('job');
    await swarmWorker(redis.url, name, { id: 'alive', leaseMs: 300 });
    const r = await started;
    expect(r.jobsDone).toBe(4);
    expect(r.retried).toBe(1);
    expect(r.runs).toBe(4 * 10);
    expect(await client.hget(keys.owners, claimed[1]!)).toBeNull();
  }, 30_000);

  it('a worker process killed while it holds a job: another worker takes the job again and the run completes', async () => {
    const { name, keys, started } = await startSwarm(twoPhase, {}, { jobs: 2, runsPerJob: 2000, depth: 60, seed: 4, leaseMs: 500 });
    const victim = spawnSwarmWorker(redis.url, name, 'victim', 500);
    const exited = new Promise((r) => victim.once('exit', r));
    while (!(await client.hvals(keys.owners)).includes('victim')) await new Promise((r) => setTimeout(r, 10));
    victim.kill('SIGKILL');
    await exited;
    await swarmWorker(redis.url, name, { id: 'rescuer', leaseMs: 500 });
    const r = await started;
    expect(r.jobsDone).toBe(2);
    expect(r.retried).toBe(1);
    expect(r.runs).toBe(2 * 2000);
  }, 60_000);

  it('refuses a run of another kind, another model under the same name, and a worker of another version', async () => {
    const foreign = url();
    const { name } = parseClusterUrl(foreign);
    await client.hset(swarmKeys(name).meta, { kind: 'search', model: 'hmm/v5.2-valid-flag' });
    await expect(runSwarm(twoPhase, twoPhase.name, {}, { url: foreign, jobs: 1, runsPerJob: 1, depth: 5, localWorkers: 0 })).rejects.toThrow(/"search" run, not a swarm/);
    await expect(swarmWorker(redis.url, name!)).rejects.toThrow(/"search" run, not a swarm/);

    const taken = url();
    const other = parseClusterUrl(taken).name!;
    await runSwarm(lostUpdate, lostUpdate.name, {}, { url: taken, jobs: 2, runsPerJob: 20, depth: 10, seed: 1, localWorkers: 1 });
    await expect(runSwarm(twoPhase, twoPhase.name, {}, { url: taken, jobs: 2, runsPerJob: 20, depth: 10, localWorkers: 0 })).rejects.toThrow(/already holds a swarm with the model classic\/lost-update/);
    await expect(runSwarm(lostUpdate, lostUpdate.name, {}, { url: taken, jobs: 3, runsPerJob: 20, depth: 10, localWorkers: 0 })).rejects.toThrow(/--jobs 2/);

    await client.hset(swarmKeys(other).meta, 'version', '0.0.0-old');
    await expect(swarmWorker(redis.url, other)).rejects.toThrow(/started by interleave 0\.0\.0-old; this worker is interleave/);
    await client.hset(swarmKeys(other).meta, { version: VERSION, digest: 'feedfacefeedface' });
    await expect(swarmWorker(redis.url, other)).rejects.toThrow(/differs from the one the run/);
    await expect(swarmWorker(redis.url, 'nothing-here')).rejects.toThrow(/no run named "nothing-here"/);
  }, 60_000);

  it('the command prints the counterexample like check, with coverage, and JSON; a model error ends the run; an unreachable Redis is a usage error', async () => {
    const r = await cli('swarm', 'classic/lost-update', '--cluster', url(), '--jobs', '4', '--runs-per-job', '50', '--depth', '20', '--seed', '5', '--local-workers', '1');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VIOLATION  classic/lost-update: "no lost update"');
    expect(r.stdout).toMatch(/Replay with: npx interleave replay classic\/lost-update [0-9/]+/);
    expect(r.stdout).toMatch(/Coverage: ~\d+ distinct states/);
    expect(r.stdout).toMatch(/Repeat the failing batch with: npx interleave simulate classic\/lost-update --seed \d+ --runs \d+ --depth \d+ --scheduler/);
    expect(r.stdout).not.toContain('--continue');

    const json = await cli('swarm', 'classic/two-phase-commit', '--cluster', url(), '--jobs', '4', '--runs-per-job', '20', '--depth', '30', '--seed', '5', '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ verdict: 'pass', swarm: { state: 'finished', jobs: 4, jobsDone: 4, runs: 80, seed: 5 } });
    expect(report.swarm.coverage.distinctStates).toBeGreaterThan(0);
    const schema = JSON.parse(readFileSync(new URL('../../docs/trace.schema.json', import.meta.url), 'utf8'));
    for (const k of Object.keys(report)) expect(Object.keys(schema.properties)).toContain(k);
    for (const k of Object.keys(report.swarm)) expect(Object.keys(schema.properties.swarm.properties)).toContain(k);

    const broken = await cli('swarm', fileURLToPath(new URL('../testing/fixtures/step-throws.ts', import.meta.url)), '--cluster', url(), '--jobs', '2', '--runs-per-job', '5', '--seed', '1');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('disk on fire');

    const port = await freePort();
    const down = await cli('swarm', 'classic/lost-update', '--cluster', `redis://127.0.0.1:${port}/x`);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
  }, 60_000);
});

describe('swarm jobs', () => {
  it('vary the scheduler, the PCT depth and the depth bound, each with its own seed', () => {
    const jobs = planJobs(12, 10, 100, 1);
    expect(new Set(jobs.map((j) => j.seed)).size).toBe(12);
    expect(new Set(jobs.map((j) => `${j.scheduler}/${j.pctDepth ?? 0}/${j.depth}`)).size).toBe(12);
    expect(new Set(jobs.map((j) => j.depth))).toEqual(new Set([50, 100, 200]));
  });

});
