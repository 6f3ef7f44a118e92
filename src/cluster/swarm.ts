/**
 * Swarm runs over Redis (SPIN's swarm verification, on `simulate`): many bounded random searches
 * with different seeds, schedulers and depth bounds, handed to any number of worker processes as
 * jobs. The first counterexample wins and stops the rest; coverage is the number of distinct states
 * the runs visited, counted in a Redis HyperLogLog.
 *
 * A run named NAME keeps everything under `il:NAME:`:
 *
 * | key | type | what |
 * |---|---|---|
 * | `meta` | hash | `kind` = `swarm`, model, params, interleave version, model digest, the swarm's options, `state` |
 * | `jobs` | hash | job id → its spec (JSON: seed, scheduler, PCT depth, depth bound, runs) |
 * | `pending` | list | job ids not yet taken |
 * | `leases` | sorted set | job id → lease deadline (ms, Redis clock); an expired lease puts the job back |
 * | `owners` | hash | job id → the worker holding its lease |
 * | `done` | set | finished job ids (a job finished twice counts once) |
 * | `stats` | hash | `runs`, `steps` (finished jobs only), `retried` (jobs put back after a lease expired) |
 * | `coverage` | HyperLogLog | state fingerprints (`stateFingerprint`, 16 hex digits) |
 * | `found` | string | the first counterexample (JSON), set once |
 * | `stop` | string | why the run stopped (`found`, `stopped`, `error`: a model error, kept in meta's `error`); workers poll it between batches |
 * | `workers` | hash | worker id → when it last reported (ms) |
 *
 * Delivery is at least once: a worker holds a job under a lease it renews after every batch of runs;
 * if it dies, the lease expires and the next worker to ask takes the job again. Jobs are idempotent
 * (a job's runs are fixed by its seed), and `done` keeps a job from being counted twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encode, type Fingerprint } from '../core/canonical.ts';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { simulate, simulationSession, type Scheduler } from '../explorer/simulate.ts';
import { findRegistered, loadModel } from '../cli/loadModel.ts';
import { connect, FORMAT, parseClusterUrl, RunKeys, VERSION, type ClusterAddress } from './run.ts';


/** Runs per `simulate` call inside a job: between batches a worker renews its lease and reads the stop flag. */
export const BATCH_RUNS = 20;
/** How long a job stays with a worker that stops renewing its lease. */
export const DEFAULT_LEASE_MS = 30_000;
const POLL_MS = 200;

export interface SwarmJob {
  readonly id: string;
  readonly seed: number;
  readonly scheduler: Scheduler;
  /** PCT's bug depth (priority change points + 1); absent for uniform jobs. */
  readonly pctDepth?: number;
  readonly depth: number;
  readonly runs: number;
}

/** The first counterexample, as the worker that found it reports it (already shrunk by `simulate`). */
export interface SwarmFound {
  readonly worker: string;
  readonly job: string;
  /** The batch that failed: `interleave simulate --seed SEED --runs RUNS …` repeats it. */
  readonly seed: number;
  readonly runs: number;
  readonly depth: number;
  readonly scheduler: Scheduler;
  readonly pctDepth?: number;
  readonly verdict: 'violation' | 'deadlock';
  readonly property: string;
  readonly message: string;
  readonly path: readonly number[];
  readonly foundLength: number;
  readonly shrinks: number;
}

export interface SwarmMeta {
  readonly kind: 'swarm';
  /** Registered name, or an absolute path to the model file. */
  readonly model: string;
  readonly params: Params;
  readonly version: string;
  readonly digest: string;
  readonly jobs: number;
  readonly runsPerJob: number;
  readonly depth: number;
  readonly seed: number;
  readonly created: number;
}

export type SwarmState = 'running' | 'found' | 'finished' | 'stopped';

export interface SwarmProgress {
  readonly state: SwarmState;
  readonly jobs: number;
  readonly jobsDone: number;
  /** Runs of finished jobs. */
  readonly runs: number;
  readonly steps: number;
  /** Distinct states seen across all jobs (HyperLogLog estimate, standard error 0.81%). */
  readonly coverage: number;
  /** Jobs taken again after their worker stopped renewing the lease. */
  readonly retried: number;
  /** Workers heard from within the last lease period. */
  readonly workers: number;
  readonly elapsedMs: number;
}

export interface SwarmOutcome extends SwarmProgress {
  readonly meta: SwarmMeta;
  /** False when the command attached to a run already in Redis. */
  readonly created: boolean;
  readonly found: SwarmFound | null;
}

// ─── connection and keys ───────────────────────────────────────────────────────────────────────

/** `redis://host:port` (no run name) with the run's name added; a URL with a name is kept. */
function urlWithName(url: string, name: string): string {
  return /^redis:\/\/[^/]*\/?$/.test(url) ? `${url.replace(/\/$/, '')}/${name}` : url;
}

/** A run's key names. */
export function swarmKeys(name: string) {
  const base = new RunKeys(name).base;
  const k = (s: string): string => `${base}${s}`;
  return {
    meta: k('meta'),
    jobs: k('jobs'),
    pending: k('pending'),
    leases: k('leases'),
    owners: k('owners'),
    done: k('done'),
    stats: k('stats'),
    coverage: k('coverage'),
    found: k('found'),
    stop: k('stop'),
    workers: k('workers'),
  };
}
type Keys = ReturnType<typeof swarmKeys>;

/** Lua: the Redis server's clock in milliseconds, as `now` (every worker's lease is timed by the one clock). */
const LUA_NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const SCRIPTS = {
  /** Creates the run unless its meta exists: KEYS meta, jobs, pending; ARGV meta JSON pairs, then job id/spec pairs. */
  create: {
    keys: 3,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local meta = cjson.decode(ARGV[1])
for k, v in pairs(meta) do redis.call('HSET', KEYS[1], k, v) end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('RPUSH', KEYS[3], ARGV[i])
end
return 1`,
  },
  /**
   * Takes a job: puts back jobs whose lease expired, then pops one and leases it.
   * KEYS pending, leases, owners, done, stop, jobs, stats, workers; ARGV worker, lease ms.
   */
  claim: {
    keys: 8,
    lua: `${LUA_NOW}
redis.call('HSET', KEYS[8], ARGV[1], now)
if redis.call('EXISTS', KEYS[5]) == 1 then return {'stop'} end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  if redis.call('SISMEMBER', KEYS[4], id) == 0 then
    redis.call('RPUSH', KEYS[1], id)
    redis.call('HINCRBY', KEYS[7], 'retried', 1)
  end
end
local id = redis.call('LPOP', KEYS[1])
if not id then
  if redis.call('ZCARD', KEYS[2]) == 0 then return {'finished'} end
  return {'wait'}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
redis.call('HSET', KEYS[3], id, ARGV[1])
return {'job', id, redis.call('HGET', KEYS[6], id)}`,
  },
  /** Renews a lease: KEYS leases, owners, stop, workers; ARGV job, worker, lease ms. Returns stop, lost or ok. */
  heartbeat: {
    keys: 4,
    lua: `${LUA_NOW}
redis.call('HSET', KEYS[4], ARGV[2], now)
if redis.call('EXISTS', KEYS[3]) == 1 then return 'stop' end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 'lost' end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 'ok'`,
  },
  /** Finishes a job: KEYS leases, owners, done, stats; ARGV job, runs, steps. 1 the first time, 0 after. */
  complete: {
    keys: 4,
    lua: `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[4], 'runs', ARGV[2])
redis.call('HINCRBY', KEYS[4], 'steps', ARGV[3])
return 1`,
  },
  /** Gives a job back (a worker stopping mid-job): KEYS leases, owners, pending; ARGV job, worker. */
  release: {
    keys: 3,
    lua: `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('LPUSH', KEYS[3], ARGV[1])
return 1`,
  },
  /** The first counterexample wins: KEYS found, stop, meta; ARGV its JSON. */
  found: {
    keys: 3,
    lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], 'found')
  redis.call('HSET', KEYS[3], 'state', 'found')
  return 1
end
return 0`,
  },
  /** A model error in a job ends the run (every worker would meet it): KEYS stop, meta; ARGV the error's text. */
  fail: {
    keys: 2,
    lua: `
redis.call('SET', KEYS[1], 'error', 'NX')
redis.call('HSETNX', KEYS[2], 'error', ARGV[1])
redis.call('HSET', KEYS[2], 'state', 'stopped')
return 1`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Redis & { [K in ScriptName]: (...args: (string | number)[]) => Promise<unknown> };

/** Connects (run.ts: a clear error when nothing answers; commands wait while Redis restarts) with the swarm's scripts. */
export async function connectSwarm(address: ClusterAddress, what: string): Promise<Scripted> {
  const redis = await connect(address, what);
  for (const [name, s] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
  return redis as Scripted;
}

/** The `kind` of the run a URL names (`swarm`, `search`), or null when there is none: for `interleave worker`. */
export async function runKind(url: string): Promise<string | null> {
  const address = parseClusterUrl(url);
  const redis = await connect(address, `run "${address.name}"`);
  try {
    return await redis.hget(new RunKeys(address.name).meta, 'kind');
  } finally {
    redis.disconnect();
  }
}

// ─── the run's meta: model identity ────────────────────────────────────────────────────────────

/** A registered model keeps its name; a file is stored by absolute path (workers load it from there). */
export function modelLocation(spec: string): string {
  return findRegistered(spec) && !/\.(m|c)?(t|j)s$/.test(spec) ? spec : resolve(spec);
}

/**
 * What must agree between the coordinator and every worker beyond the version: the model's name,
 * resolved parameters, actors, properties, initial state, the statements of the actors' routines
 * (labels, alternatives, calls), and the contents of its file for a model file. A worker whose copy
 * of the model differs refuses the run. (Function bodies are not compared: their source text
 * depends on the TypeScript transpiler that loaded them.)
 */
export function modelDigest(model: Model<unknown>, location: string): string {
  const h = createHash('sha256');
  const routines = [...new Set(model.initial.threads.flatMap((st) => st.map((f) => f.fn)))].map((i) => {
    const r = model.routineAt(i);
    return [r.name, ...r.statements.map((st) => (st.kind === 'call' ? `call ${st.routine.name}` : `${st.label} [${st.alternatives.map((a) => a.label ?? '').join('|')}]`))];
  });
  h.update(JSON.stringify({ name: model.name, params: model.params, actors: model.actors.map((a) => a.name), properties: model.properties.map((p) => `${p.kind}:${p.name}`), routines }));
  h.update(encode({ shared: model.initial.shared, threads: model.initial.threads.map((st) => st.map((f) => ({ ...f, fn: model.routineAt(f.fn).name }))) }));
  if (location.startsWith('/')) {
    try {
      h.update(readFileSync(location));
    } catch {
      // loadModel has read it already; a file gone since then changes nothing here.
    }
  }
  return h.digest('hex').slice(0, 16);
}

function metaFields(meta: SwarmMeta): Record<string, string> {
  return {
    // The format the exhaustive cluster search reads first: it then refuses the run by its kind.
    format: FORMAT,
    kind: meta.kind,
    model: meta.model,
    params: JSON.stringify(meta.params),
    version: meta.version,
    digest: meta.digest,
    jobs: String(meta.jobs),
    runsPerJob: String(meta.runsPerJob),
    depth: String(meta.depth),
    seed: String(meta.seed),
    created: String(meta.created),
    state: 'running',
  };
}

function readMeta(raw: Record<string, string>): SwarmMeta {
  return {
    kind: 'swarm',
    model: raw.model ?? '',
    params: JSON.parse(raw.params ?? '{}') as Params,
    version: raw.version ?? '?',
    digest: raw.digest ?? '',
    jobs: Number(raw.jobs),
    runsPerJob: Number(raw.runsPerJob),
    depth: Number(raw.depth),
    seed: Number(raw.seed),
    created: Number(raw.created),
  };
}

function describeRun(m: { model?: string; params?: string | Params }): string {
  const params = typeof m.params === 'string' ? (JSON.parse(m.params) as Params) : (m.params ?? {});
  return `${m.model ?? '?'}${Object.entries(params).map(([k, v]) => ` -p ${k}=${String(v)}`).join('')}`;
}

/** Refuses a run of another kind: the exhaustive distributed search keeps `kind` = `search` under the same prefix. */
function requireSwarm(raw: Record<string, string>, name: string, where: string): void {
  if (raw.kind !== 'swarm') {
    throw new UsageError(
      `the run "${name}" at ${where} is a ${raw.kind ? `"${raw.kind}"` : 'kind-less'} run, not a swarm: choose another run name (the run's keys start with il:${name}:)`,
    );
  }
}

// ─── jobs ──────────────────────────────────────────────────────────────────────────────────────

/** A 31-bit seed from a seed and an index (murmur3's finaliser). */
export function mixSeed(seed: number, i: number): number {
  let h = Math.imul(seed ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

const MIX: readonly { scheduler: Scheduler; pctDepth?: number }[] = [{ scheduler: 'uniform' }, { scheduler: 'pct', pctDepth: 2 }, { scheduler: 'pct', pctDepth: 3 }, { scheduler: 'pct', pctDepth: 5 }];
const DEPTH_FACTORS = [1, 0.5, 2] as const;

/**
 * The swarm's jobs: schedulers cycle through uniform and PCT with 1, 2 and 4 priority changes,
 * depth bounds through D, D/2 and 2D (so every pairing occurs every 12 jobs), each job its own seed.
 */
export function planJobs(jobs: number, runsPerJob: number, depth: number, seed: number): SwarmJob[] {
  return Array.from({ length: jobs }, (_, j) => {
    const mix = MIX[j % MIX.length]!;
    return {
      id: String(j),
      seed: mixSeed(seed, j),
      ...mix,
      depth: Math.max(1, Math.round(depth * DEPTH_FACTORS[Math.floor(j / MIX.length) % DEPTH_FACTORS.length]!)),
      runs: runsPerJob,
    };
  });
}

function hex(fp: Fingerprint): string {
  return (fp.hi >>> 0).toString(16).padStart(8, '0') + (fp.lo >>> 0).toString(16).padStart(8, '0');
}

async function addCoverage(redis: Redis, key: string, fps: string[]): Promise<void> {
  for (let i = 0; i < fps.length; i += 5000) await redis.pfadd(key, ...fps.slice(i, i + 5000));
  fps.length = 0;
}

// ─── the worker ────────────────────────────────────────────────────────────────────────────────

export interface SwarmWorkerOptions {
  readonly id?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** Lease length in ms (default 30 s; tests shorten it). */
  readonly leaseMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((done) => {
    const wake = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', wake);
      done();
    };
    const t = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });

/** A worker's loaded model, checked against the run's meta. */
async function loadForRun(meta: SwarmMeta, name: string): Promise<Model<unknown>> {
  if (meta.version !== VERSION) {
    throw new UsageError(`the run "${name}" was started by interleave ${meta.version}; this worker is interleave ${VERSION}: install the same version on every machine of a swarm`);
  }
  const definition = await loadModel(meta.model);
  const model = compileModel(definition, meta.params) as Model<unknown>;
  const digest = modelDigest(model, meta.model);
  if (digest !== meta.digest) {
    throw new UsageError(
      `this worker's copy of ${describeRun(meta)} differs from the one the run "${name}" was started with (model digest ${digest}, the run's ${meta.digest}): give every machine the same model files`,
    );
  }
  return model;
}

/**
 * Takes jobs of the swarm run `name` until it is finished (every job done), a counterexample is
 * found, it is stopped, or `signal` aborts (the job in hand goes back to the queue). `url` is
 * `redis://host:port` (a run name in its path is ignored in favour of `name`).
 */
export async function swarmWorker(url: string, name: string, options: SwarmWorkerOptions = {}): Promise<void> {
  const address = parseClusterUrl(urlWithName(url, name));
  const where = `${address.host}:${address.port}`;
  const id = options.id ?? `${hostname()}:${process.pid}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const log = options.log ?? (() => {});
  const signal = options.signal;
  const keys = swarmKeys(name);
  const redis = await connectSwarm(address, `the swarm worker of "${name}"`);
  try {
    await work(redis);
  } finally {
    redis.disconnect();
  }

  async function work(redis: Scripted): Promise<void> {
    const raw = await redis.hgetall(keys.meta);
    if (Object.keys(raw).length === 0) throw new UsageError(`no run named "${name}" at ${where}: start it with \`interleave swarm MODEL --cluster redis://${where}/${name}\``);
    requireSwarm(raw, name, where);
    const meta = readMeta(raw);
    const model = await loadForRun(meta, name);
    log(`worker ${id}: swarm "${name}" of ${describeRun(meta)}`);
    try {
      await jobs(redis, model);
    } catch (e) {
      // The model misbehaves (a step throws, say): every worker would meet it, so the run ends.
      if (e instanceof ModelError) await redis.fail(keys.stop, keys.meta, e.message);
      throw e;
    }
  }

  async function jobs(redis: Scripted, model: Model<unknown>): Promise<void> {
    const fps: string[] = [];
    const session = simulationSession(model, { onState: (fp) => fps.push(hex(fp)) });
    while (!signal?.aborted) {
      const claimed = (await redis.claim(keys.pending, keys.leases, keys.owners, keys.done, keys.stop, keys.jobs, keys.stats, keys.workers, id, leaseMs)) as string[];
      if (claimed[0] === 'stop' || claimed[0] === 'finished') {
        log(`worker ${id}: run ${claimed[0] === 'stop' ? 'stopped' : 'finished'}`);
        return;
      }
      if (claimed[0] === 'wait') {
        await sleep(POLL_MS, signal);
        continue;
      }
      const job = JSON.parse(claimed[2]!) as SwarmJob;
      const ended = await runJob(redis, keys, model, session, job, id, leaseMs, fps, signal);
      log(`worker ${id}: job ${job.id} (${job.scheduler}${job.pctDepth ? ` d=${job.pctDepth}` : ''}, depth ${job.depth}): ${ended}`);
      if (ended === 'found' || ended === 'stop') return;
    }
  }
}

type JobEnd = 'done' | 'found' | 'stop' | 'lost' | 'aborted';

async function runJob(
  redis: Scripted,
  keys: Keys,
  model: Model<unknown>,
  session: ReturnType<typeof simulationSession<unknown>>,
  job: SwarmJob,
  id: string,
  leaseMs: number,
  fps: string[],
  signal: AbortSignal | undefined,
): Promise<JobEnd> {
  let runs = 0;
  let steps = 0;
  for (let b = 0; runs < job.runs; b++) {
    const n = Math.min(BATCH_RUNS, job.runs - runs);
    const seed = mixSeed(job.seed, b);
    let r: ReturnType<typeof simulate>;
    try {
      r = simulate(model, { runs: n, depth: job.depth, seed, scheduler: job.scheduler, ...(job.pctDepth ? { pctDepth: job.pctDepth } : {}) }, session);
    } catch (e) {
      if (e instanceof ModelError) await redis.fail(keys.stop, keys.meta, `${e.message}\n  (job ${job.id}: interleave simulate --seed ${seed} --runs ${n} --depth ${job.depth} --scheduler ${job.scheduler}${job.pctDepth ? ` --pct-depth ${job.pctDepth}` : ''} repeats it)`);
      throw e;
    }
    runs += r.runs;
    steps += r.steps;
    await addCoverage(redis, keys.coverage, fps);
    if (r.failure) {
      const found: SwarmFound = {
        worker: id,
        job: job.id,
        seed,
        runs: n,
        depth: job.depth,
        scheduler: job.scheduler,
        ...(job.pctDepth ? { pctDepth: job.pctDepth } : {}),
        verdict: r.failure.verdict,
        property: r.failure.property,
        message: r.failure.message,
        path: r.failure.path,
        foundLength: r.failure.foundPath.length,
        shrinks: r.shrinks,
      };
      await redis.found(keys.found, keys.stop, keys.meta, JSON.stringify(found));
      await redis.complete(keys.leases, keys.owners, keys.done, keys.stats, job.id, runs, steps);
      return 'found';
    }
    if (signal?.aborted) {
      await redis.release(keys.leases, keys.owners, keys.pending, job.id, id);
      return 'aborted';
    }
    if (runs >= job.runs) break;
    const beat = (await redis.heartbeat(keys.leases, keys.owners, keys.stop, keys.workers, job.id, id, leaseMs)) as 'ok' | 'stop' | 'lost';
    if (beat !== 'ok') return beat;
    // Let the event loop run (signals, sockets) between batches.
    await new Promise((r) => setImmediate(r));
  }
  await redis.complete(keys.leases, keys.owners, keys.done, keys.stats, job.id, runs, steps);
  return 'done';
}

// ─── the coordinator ───────────────────────────────────────────────────────────────────────────

export interface SwarmOptions {
  /** redis://host:port/NAME */
  readonly url: string;
  readonly jobs: number;
  readonly runsPerJob: number;
  readonly depth: number;
  /** The swarm's seed; a run attached to keeps its own when none is given. */
  readonly seed?: number;
  /** Worker processes to start here (each runs `swarmWorker`). */
  readonly localWorkers: number;
  readonly leaseMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SwarmProgress) => void;
  /** Lines from local workers that fail. */
  readonly log?: (line: string) => void;
}

/** The entry point local worker processes run (`node bin/run-ts.js swarmProcess.ts URL NAME ID LEASE`). */
const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
const WORKER_ENTRY = fileURLToPath(new URL('./swarmProcess.ts', import.meta.url));

/** Starts a worker process on this machine. */
export function spawnSwarmWorker(url: string, name: string, id: string, leaseMs = DEFAULT_LEASE_MS): ChildProcess {
  return spawn(process.execPath, [RUN_TS, WORKER_ENTRY, url, name, id, String(leaseMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function progressOf(redis: Redis, keys: Keys, meta: SwarmMeta, started: number, leaseMs: number): Promise<SwarmProgress & { stop: string | null }> {
  const replies = (await redis
    .multi()
    .hget(keys.meta, 'kind')
    .hget(keys.meta, 'state')
    .scard(keys.done)
    .hgetall(keys.stats)
    .pfcount(keys.coverage)
    .get(keys.stop)
    .hvals(keys.workers)
    .time()
    .exec())!.map(([e, v]) => {
    if (e) throw e;
    return v;
  });
  const [kind, state, done, stats, coverage, stop, seen, time] = replies;
  if (kind !== 'swarm') throw new UsageError(`the swarm's keys (${keys.meta} and the rest) are gone from Redis: was it restarted without persistence (--appendonly yes keeps a run), or were they deleted?`);
  const s = (stats ?? {}) as Record<string, string>;
  const now = Number((time as [string, string])[0]) * 1000;
  return {
    state: ((state as string | null) ?? 'running') as SwarmState,
    stop: stop as string | null,
    jobs: meta.jobs,
    jobsDone: done as number,
    runs: Number(s.runs ?? 0),
    steps: Number(s.steps ?? 0),
    coverage: coverage as number,
    retried: Number(s.retried ?? 0),
    workers: (seen as string[]).filter((t) => now - Number(t) < leaseMs + 1000).length,
    elapsedMs: Date.now() - started,
  };
}

/**
 * Starts (or attaches to) the swarm run the URL names, waits for it to end, and returns what it
 * found. Throws UsageError for an unreachable Redis, a run of another kind, or a run under that
 * name holding another model, parameters or swarm options.
 */
export async function runSwarm(definition: AnyModelDefinition, spec: string, params: Params, options: SwarmOptions): Promise<SwarmOutcome> {
  const address = parseClusterUrl(options.url);
  const where = `${address.host}:${address.port}`;
  const name = address.name;
  const keys = swarmKeys(name);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const model = compileModel(definition, params) as Model<unknown>;
  const location = modelLocation(spec);
  const started = Date.now();
  const wanted: SwarmMeta = {
    kind: 'swarm',
    model: location,
    params: model.params,
    version: VERSION,
    digest: modelDigest(model, location),
    jobs: options.jobs,
    runsPerJob: options.runsPerJob,
    depth: options.depth,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    created: started,
  };
  const redis = await connectSwarm(address, `the swarm "${name}"`);
  const children: ChildProcess[] = [];
  const failures: string[] = [];
  try {
    const jobs = planJobs(wanted.jobs, wanted.runsPerJob, wanted.depth, wanted.seed);
    const created = (await redis.create(keys.meta, keys.jobs, keys.pending, JSON.stringify(metaFields(wanted)), ...jobs.flatMap((j) => [j.id, JSON.stringify(j)]))) === 1;
    let meta = wanted;
    if (!created) {
      const raw = await redis.hgetall(keys.meta);
      requireSwarm(raw, name, where);
      meta = readMeta(raw);
      const differs = [
        meta.model !== wanted.model || JSON.stringify(meta.params) !== JSON.stringify(wanted.params) ? `the model ${describeRun(meta)}` : undefined,
        meta.version !== wanted.version ? `interleave ${meta.version}` : undefined,
        meta.digest !== wanted.digest && meta.model === wanted.model ? 'another version of the model' : undefined,
        meta.jobs !== wanted.jobs || meta.runsPerJob !== wanted.runsPerJob || meta.depth !== wanted.depth
          ? `--jobs ${meta.jobs} --runs-per-job ${meta.runsPerJob} --depth ${meta.depth}`
          : undefined,
        options.seed !== undefined && options.seed !== meta.seed ? `--seed ${meta.seed}` : undefined,
      ].filter((x) => x !== undefined);
      if (differs.length > 0) {
        throw new UsageError(`the run "${name}" at ${where} already holds a swarm with ${differs.join(', ')}: choose another run name, or repeat that run's command to attach to it`);
      }
    }
    const state = await redis.hget(keys.meta, 'state');
    for (let i = 0; i < options.localWorkers && state === 'running'; i++) {
      const child = spawnSwarmWorker(`redis://${where}`, name, `${hostname()}:${process.pid}:${i + 1}`, leaseMs);
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      child.once('exit', (code) => {
        if (code !== 0) failures.push(`local worker ${i + 1} exited with ${code}${err.trim() ? `: ${err.trim()}` : ''}`);
      });
      children.push(child);
    }
    let stopping = false;
    for (;;) {
      const p = await progressOf(redis, keys, meta, started, leaseMs);
      options.onProgress?.(p);
      if (p.stop === 'error') throw new ModelError((await redis.hget(keys.meta, 'error')) ?? 'a worker met a model error');
      if (p.stop !== null || p.jobsDone >= meta.jobs) break;
      if (options.signal?.aborted && !stopping) {
        stopping = true;
        await redis.multi().set(keys.stop, 'stopped').hset(keys.meta, 'state', 'stopped').exec();
        continue;
      }
      if (children.length > 0 && failures.length === children.length) throw new UsageError(failures.join('\n'));
      await sleep(POLL_MS, options.signal);
    }
    const end = await progressOf(redis, keys, meta, started, leaseMs);
    let finalState = end.state;
    if (end.stop === null && end.jobsDone >= meta.jobs && end.state === 'running') {
      await redis.hset(keys.meta, 'state', 'finished');
      finalState = 'finished';
    }
    const foundRaw = await redis.get(keys.found);
    // Local workers see the stop flag or the empty queue within a batch of runs.
    const exited = Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    const patience = new AbortController();
    await Promise.race([exited, sleep(10_000, patience.signal)]);
    patience.abort();
    return { ...end, state: finalState, meta, created, found: foundRaw ? (JSON.parse(foundRaw) as SwarmFound) : null };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    redis.disconnect();
  }
}
