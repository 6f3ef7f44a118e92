/**
 * `interleave check MODEL --cluster redis://host:port/NAME`: the coordinator of a distributed
 * search. It learns the compiled layout (a short local search, as `--workers` does), writes the
 * run's meta and the initial state, and then only watches: the workers (worker.ts) expand level
 * after level; when a level has no state left, the coordinator opens the next one; when the next
 * one is empty the search is complete. It reports what a local search would: the verdict, a
 * counterexample rebuilt from the parent links in Redis (and so replayable like any other), the
 * `sometimes` witnesses and the lock-order graph the workers recorded. (No state encodings come
 * with the path: routines are numbered here by name, as the workers number them, so a replay of
 * the model compiled afresh would encode frames differently; the path replays and is judged as usual.)
 *
 * The coordinator keeps nothing that Redis does not: `--resume NAME` after it (or Redis, with
 * persistence on) restarted picks the run up where it is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { CompiledSpace, hashVector, LayoutFacts } from '../core/compiled/space.ts';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { applyTransition, enabledTransitions } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { learnLayout } from '../explorer/kernel.ts';
import { inversionViolation, LOCK_ORDER, LockOrderGraph, type LockEdge } from '../explorer/lockOrder.ts';
import { resolveOptions, type ExploreOptions } from '../explorer/options.ts';
import { PropertyChecks } from '../explorer/propertyChecks.ts';
import { formatPath, type ClusterStats, type Stats, type Witness } from '../explorer/result.ts';
import { collisionProbability } from '../explorer/stateStore.ts';
import { connect, fpBytes, FORMAT, GROUP, parseClusterUrl, parseMeta, partitionOf, pathFrom, resolvePath, RunKeys, VERSION, type RemotePath, type RunMeta } from './run.ts';
import { meetRoutines, routineNumbering, type LayoutRecord, type ReportedError, type WorkerTraffic } from './worker.ts';

export interface ClusterOptions extends Pick<ExploreOptions, 'properties' | 'maxDepth' | 'maxStates' | 'timeoutMs' | 'por' | 'symmetry' | 'onProgress' | 'progressIntervalMs'> {
  /** redis://host:port/NAME */
  readonly url: string;
  /** The model as the workers load it: a registered name or a file path. */
  readonly spec: string;
  readonly definition: AnyModelDefinition;
  readonly params: Params;
  /** Continue the run of this name (it must be the URL's). */
  readonly resume?: boolean;
  /** Worker processes to start on this machine (each `interleave worker URL`). */
  readonly localWorkers?: number;
  readonly partitions?: number;
  /** States of the local search the layout is learnt from (default 50,000). */
  readonly learnStates?: number;
  /** Told of workers joining and falling silent, relayouts, the second phase. */
  readonly log?: (line: string) => void;
  /** Passed to local workers: take over a silent worker's entries after this long (default 5 s). */
  readonly claimAfterMs?: number;
}

const LEARN_STATES = 50_000;
const MAX_RELAYOUTS = 8;
const POLL_MS = 10;

export async function exploreCluster(o: ClusterOptions): Promise<ExploreOutcome> {
  const address = parseClusterUrl(o.url);
  const keys = new RunKeys(address.name);
  const log = o.log ?? (() => {});
  const redis = await connect(address, 'check --cluster');
  const children: ChildProcess[] = [];
  try {
    const existing = await redis.hgetall(keys.meta);
    let names: string[] = [];
    let model = compileModel(o.definition, o.params, routineNumbering(names));
    const notes: string[] = [];
    if (o.por) notes.push('partial-order reduction does not run distributed: this search ran unreduced');
    if (o.symmetry !== undefined && o.symmetry !== false && (model.symmetry?.length ?? 0) > 0) notes.push('symmetry reduction does not run distributed: this search ran unreduced');
    let meta: RunMeta;
    let started: number;
    if (Object.keys(existing).length > 0) {
      meta = parseMeta(address.name, existing);
      const mine = describeRun(o);
      const theirs = { model: meta.modelName, params: JSON.stringify(meta.params), options: JSON.stringify(meta.options), version: meta.version };
      const differs = (Object.keys(mine) as (keyof typeof mine)[]).filter((k) => mine[k] !== theirs[k]);
      if (meta.kind !== 'search') throw new UsageError(`run "${address.name}" is a ${meta.kind} run, not a distributed search; choose another run name`);
      if (differs.length > 0) {
        throw new UsageError(`run "${address.name}" in this Redis is another check (${differs.map((k) => `${k}: ${theirs[k]} there, ${mine[k]} here`).join('; ')}); nothing was changed: choose another run name`);
      }
      if (!o.resume) throw new UsageError(`run "${address.name}" already exists (status ${meta.status}); continue it with --resume ${address.name}, or choose another run name`);
      started = Number(existing.started ?? Date.now());
      // The same numbering of routines as when the layout was learnt.
      const record = JSON.parse((await redis.get(`${keys.gen(meta.generation)}layout`)) ?? 'null') as LayoutRecord | null;
      if (record === null) throw new UsageError(`run "${address.name}" has no layout for generation ${meta.generation}: its keys are damaged; choose another run name`);
      names = [...record.routines];
      model = compileModel(o.definition, o.params, routineNumbering(names));
      meetRoutines(model, record);
      log(`resuming run ${address.name}: generation ${meta.generation}, status ${meta.status}`);
    } else {
      if (o.resume) throw new UsageError(`no run named "${address.name}" to resume in this Redis`);
      started = Date.now();
      const cfg = resolveOptions({ ...(o.properties ? { properties: o.properties } : {}), determinismChecks: 0 });
      const learnStates = o.learnStates ?? LEARN_STATES;
      const facts = learnLayout(model, cfg, learnStates);
      meta = await startGeneration(redis, keys, o, model, { data: facts.toData(), routines: names, learnStates, replays: [] }, 0, started);
    }
    const initialFailure = judgeInitial(model, o.properties);
    if (initialFailure) {
      await redis.hset(keys.meta, 'status', 'stopped');
      return { verdict: 'violation', property: initialFailure.property, message: initialFailure.message, path: [], stats: zeroStats(), witnesses: [] };
    }
    for (let k = 0; k < (o.localWorkers ?? 0); k++) children.push(startLocalWorker(o.url, `${process.pid}-${k}`, o.claimAfterMs));
    for (let relayouts = 0; ; relayouts++) {
      const end = await watch(redis, keys, meta, o, model, started, log);
      if (end.kind === 'outcome') {
        const stats = await finalStats(redis, keys, meta, end.outcome.stats, relayouts, notes);
        return { ...end.outcome, stats } as ExploreOutcome;
      }
      if (end.kind === 'reorder') {
        // Several failures may lie at this level: search it again in order, to report the one a
        // local breadth-first search meets first (with the same path).
        log(`a failure was found at depth ${end.level}; searching up to it again in breadth-first order to report the first one`);
        const record = JSON.parse((await redis.get(`${keys.gen(meta.generation)}layout`))!) as LayoutRecord;
        await dropGeneration(redis, keys, meta.generation);
        meta = await startGeneration(redis, keys, o, model, record, meta.generation + 1, started, end.level);
        relayouts--;
        continue;
      }
      // A state the layout cannot hold: learn it (and what follows it) and start again.
      if (relayouts === MAX_RELAYOUTS) throw new ModelError(`the distributed search met states its packed layout cannot hold ${MAX_RELAYOUTS} times (last: ${end.why})`, { model: model.name }, 'run the check without --cluster, where the layout grows as the search goes');
      log(`relayout: ${end.why}; learning a larger layout and starting again`);
      const record = JSON.parse((await redis.get(`${keys.gen(meta.generation)}layout`))!) as LayoutRecord;
      const facts = LayoutFacts.from(record.data, false);
      const from = new CompiledSpace(model, LayoutFacts.from(record.data, true)).decode(end.input);
      const fp = hashVector(end.input);
      const replay = await resolvePath(redis, keys.gen(meta.generation), meta.partitions, { root: fpBytes(fp.hi, fp.lo).toString('hex'), steps: [] });
      facts.absorbWorld(from as World<unknown>);
      for (const t of enabledTransitions(model, from)) {
        const out = applyTransition(model, from, t);
        if (out.kind === 'next') facts.absorbWorld(out.world as World<unknown>);
      }
      const learnStates = (o.learnStates ?? LEARN_STATES) * 2 ** (relayouts + 1);
      learnLayout(model, resolveOptions({ determinismChecks: 0 }), learnStates, facts);
      await dropGeneration(redis, keys, meta.generation);
      meta = await startGeneration(redis, keys, o, model, { data: facts.toData(), routines: names, learnStates, replays: [...record.replays, replay] }, meta.generation + 1, started);
    }
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    redis.disconnect();
  }
}

function describeRun(o: ClusterOptions): { model: string; params: string; options: string; version: string } {
  return { model: o.definition.name, params: JSON.stringify(o.params), options: JSON.stringify(searchOptions(o)), version: VERSION };
}

function searchOptions(o: ClusterOptions): RunMeta['options'] {
  return { ...(o.properties ? { properties: [...o.properties] } : {}), ...(o.maxDepth !== undefined && Number.isFinite(o.maxDepth) ? { maxDepth: o.maxDepth } : {}) };
}

/** Writes a generation's layout and initial state, then the meta that makes workers start on it. */
async function startGeneration<G>(redis: Redis, keys: RunKeys, o: ClusterOptions, model: Model<G>, record: LayoutRecord, generation: number, started: number, orderedTo?: number): Promise<RunMeta> {
  const partitions = o.partitions ?? 16;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 255) throw new UsageError(`partitions must be an integer from 1 to 255, got ${partitions}`);
  const space = new CompiledSpace(model, LayoutFacts.from(record.data, true));
  const size = space.size;
  const initial = space.encode(model.initial);
  const fp = hashVector(initial);
  const fpb = fpBytes(fp.hi, fp.lo);
  const g = keys.gen(generation);
  const pipe = redis.pipeline();
  pipe.set(`${g}layout`, JSON.stringify(record));
  for (let p = 0; p < partitions; p++) pipe.xgroup('CREATE', `${g}q:0:${p}`, GROUP, '0', 'MKSTREAM');
  pipe.hset(`${g}seen:${partitionOf(fp.lo, partitions)}`, fpb, Buffer.alloc(0));
  pipe.xadd(`${g}q:0:${partitionOf(fp.lo, partitions)}`, '*', 'n', '1', 'h', fpb, 'v', Buffer.from(initial));
  pipe.set(`${g}left:0`, '1');
  pipe.set(`${g}states`, '1');
  pipe.set(`${g}transitions`, '0');
  pipe.set(`${g}level`, '0');
  if (orderedTo !== undefined) pipe.zadd(`${g}rank:0`, 0, fpb);
  const meta: Record<string, string> = {
    format: FORMAT,
    kind: 'search',
    version: VERSION,
    model: o.spec,
    modelName: model.name,
    params: JSON.stringify(o.params),
    options: JSON.stringify(searchOptions(o)),
    generation: String(generation),
    partitions: String(partitions),
    initial: `${fp.hi}:${fp.lo}`,
    vectorBytes: String(size),
    status: 'running',
    started: String(started),
    ordered: orderedTo !== undefined ? '1' : '0',
    lastLevel: String(orderedTo ?? -1),
  };
  pipe.hset(keys.meta, meta);
  await pipe.exec();
  return parseMeta(keys.name, meta);
}

async function dropGeneration(redis: Redis, keys: RunKeys, generation: number): Promise<void> {
  const stream = redis.scanStream({ match: `${keys.gen(generation)}*`, count: 1000 });
  for await (const batch of stream as AsyncIterable<string[]>) if (batch.length > 0) await redis.unlink(...batch);
}

function judgeInitial<G>(model: Model<G>, properties: readonly string[] | undefined) {
  return new PropertyChecks(model, properties ? new Set(properties) : undefined).checkState(model.initial, undefined);
}

function zeroStats(): Stats {
  return { states: 1, transitions: 0, depth: 0, elapsedMs: 0, statesPerSecond: 0 };
}

type WatchEnd =
  | { kind: 'outcome'; outcome: ExploreOutcome }
  | { kind: 'relayout'; input: Uint8Array; why: string }
  /** A failure was found at this level: search up to it again, ordered. */
  | { kind: 'reorder'; level: number };

/** Watches one generation until it ends: a verdict, a budget, or a request for a larger layout. */
async function watch<G>(redis: Redis, keys: RunKeys, meta: RunMeta, o: ClusterOptions, model: Model<G>, started: number, log: (line: string) => void): Promise<WatchEnd> {
  const g = keys.gen(meta.generation);
  const P = meta.partitions;
  const alive = new Map<string, boolean>();
  let lastBeat = 0;
  let lastProgress = Date.now();
  const stop = async (status: 'done' | 'stopped'): Promise<void> => {
    await redis.hset(keys.meta, 'status', status);
  };
  const statsNow = async (level: number): Promise<Stats> => {
    const [states, transitions] = (await redis.mget(`${g}states`, `${g}transitions`)).map(Number);
    const elapsedMs = Date.now() - started;
    return { states: states!, transitions: transitions!, depth: level, elapsedMs, statesPerSecond: elapsedMs > 0 ? Math.round((states! * 1000) / elapsedMs) : states! };
  };
  for (;;) {
    const [status, levelText, found, relayout, error] = ((await redis
      .pipeline()
      .hget(keys.meta, 'status')
      .get(`${g}level`)
      .zrange(`${g}found`, 0, 0)
      .get(`${g}relayout`)
      .get(`${g}error`)
      .exec()) ?? []).map(([, v]) => v) as [string | null, string | null, string[], string | null, string | null];
    const level = Number(levelText ?? 0);
    if (error !== null) {
      await stop('stopped');
      throw await workerError(redis, g, P, model, JSON.parse(error) as ReportedError);
    }
    if (relayout !== null) {
      const r = JSON.parse(relayout) as { input: string; why: string };
      return { kind: 'relayout', input: new Uint8Array(Buffer.from(r.input, 'base64')), why: r.why };
    }
    if (found.length > 0 && !meta.ordered) return { kind: 'reorder', level: (JSON.parse(found[0]!) as { level: number }).level };
    if (meta.ordered && (level > meta.lastLevel || (await redis.exists(`${g}complete`)) === 1)) {
      await stop('stopped');
      const first = await firstFailure(redis, g, P, meta.lastLevel);
      if (first !== undefined) {
        const stats = await statsNow(Math.max(level, first.path.length));
        return { kind: 'outcome', outcome: { ...first.result, path: first.path, stats, witnesses: await witnesses(redis, g, P, model, o.properties) } as unknown as ExploreOutcome };
      }
      return { kind: 'outcome', outcome: await endOf(redis, keys, meta, model, o, await statsNow(level)) };
    }
    if (status === 'done' || status === 'stopped') {
      // A run that had ended: report it again (after --resume).
      return { kind: 'outcome', outcome: await endOf(redis, keys, meta, model, o, await statsNow(level)) };
    }
    // The commits themselves open each next level (run.ts, COMMIT); the last marks the search complete.
    const [left, leftNext, complete] = await redis.mget(`${g}left:${level}`, `${g}left:${level + 1}`, `${g}complete`);
    if (complete !== null) {
      await stop('done');
      return { kind: 'outcome', outcome: await endOf(redis, keys, meta, model, o, await statsNow(Number(await redis.get(`${g}level`)))) };
    }
    const now = Date.now();
    if (o.timeoutMs !== undefined && now - started >= o.timeoutMs) {
      await stop('stopped');
      return { kind: 'outcome', outcome: { verdict: 'incomplete', budget: 'timeout', stats: await statsNow(level), witnesses: await witnesses(redis, g, P, model, o.properties) } };
    }
    if (o.maxStates !== undefined && Number(await redis.get(`${g}states`)) >= o.maxStates) {
      await stop('stopped');
      return { kind: 'outcome', outcome: { verdict: 'incomplete', budget: 'maxStates', stats: await statsNow(level), witnesses: await witnesses(redis, g, P, model, o.properties) } };
    }
    if (now - lastBeat >= 1000) {
      lastBeat = now;
      const ids = await redis.hkeys(keys.workers);
      const beats = ids.length > 0 ? await redis.mget(...ids.map((id) => keys.hb(id))) : [];
      ids.forEach((id, i) => {
        const was = alive.get(id);
        const is = beats[i] !== null;
        if (was === undefined && is) log(`worker ${id} is searching`);
        if (was === true && !is) log(`worker ${id} stopped heartbeating: the states it had claimed go to the other workers once they are ${((o.claimAfterMs ?? 5000) / 1000).toFixed(0)} s old`);
        if (was === false && is) log(`worker ${id} is heartbeating again`);
        alive.set(id, is);
      });
    }
    if (o.onProgress && now - lastProgress >= (o.progressIntervalMs ?? 1000)) {
      lastProgress = now;
      const s = await statsNow(level);
      o.onProgress({ ...s, queued: Number(left ?? 0) + Number(leftNext ?? 0), workers: [...alive.values()].filter(Boolean).length });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The failure a local breadth-first search meets first at the last level of an ordered search: the
 * least key among the inputs' first failures (rank × ORDER_STEP + step + 1, 0 for the state
 * itself) and the failures found in successors (keyed by the successor's own least score, that is,
 * where the local search first stores it). Its path follows the parent links, which the ordered
 * search keeps as the local search's.
 */
async function firstFailure(redis: Redis, g: string, P: number, lastLevel: number): Promise<{ result: Record<string, unknown>; path: number[] } | undefined> {
  let best: { key: number; json: string; state?: Buffer } | undefined;
  const inputs = await redis.zrange(`${g}events`, 0, 0, 'WITHSCORES');
  if (inputs.length === 2) best = { key: Number(inputs[1]), json: inputs[0]! };
  for (const [t, json] of Object.entries(await redis.hgetall(`${g}tevents`))) {
    const state = Buffer.from(t, 'hex');
    const score = await redis.zscore(`${g}rank:${lastLevel + 1}`, state);
    if (score !== null && (best === undefined || Number(score) < best.key)) best = { key: Number(score), json, state };
  }
  if (best === undefined) return undefined;
  const { at, level: _l, ...result } = JSON.parse(best.json) as Record<string, unknown> & { at: RemotePath; level: number };
  const path = best.state !== undefined ? await pathFrom(redis, g, P, best.state) : await resolvePath(redis, g, P, at);
  return { result, path };
}

/** The end of a complete search, as one loop's: lock-order inversion, cut-off depth, unwitnessed `sometimes`, or a pass. */
async function endOf<G>(redis: Redis, keys: RunKeys, meta: RunMeta, model: Model<G>, o: ClusterOptions, stats: Stats): Promise<ExploreOutcome> {
  const g = keys.gen(meta.generation);
  const P = meta.partitions;
  const found = await witnesses(redis, g, P, model, o.properties);
  const selected = o.properties ? new Set(o.properties) : undefined;
  if (!selected || selected.has(LOCK_ORDER)) {
    const graph = new LockOrderGraph();
    const paths: number[][] = [];
    const edges = Object.values(await redis.hgetall(`${g}edges`)).map((v) => JSON.parse(v) as { edge: Omit<LockEdge, 'state' | 'choice'>; at: RemotePath });
    // The order they were first recorded in does not matter for the graph; a fixed order keeps reports stable.
    edges.sort((a, b) => `${a.edge.from}\u0000${a.edge.to}`.localeCompare(`${b.edge.from}\u0000${b.edge.to}`));
    for (const e of edges) {
      const path = await resolvePath(redis, g, P, e.at);
      paths.push(path.slice(0, -1));
      graph.absorb({ ...e.edge, state: paths.length - 1, choice: path[path.length - 1]! });
    }
    const cycle = graph.inversion;
    if (cycle !== undefined) {
      const v = inversionViolation(cycle, (i) => [...paths[i]!], stats, found);
      return v;
    }
  }
  if ((await redis.get(`${g}truncated`)) !== null) return { verdict: 'incomplete', budget: 'maxDepth', stats, witnesses: found };
  const missing = found.find((w) => w.path === null);
  if (missing) return { verdict: 'violation', property: { name: missing.property, kind: 'sometimes' }, message: `no reachable state satisfies "${missing.property}"`, path: null, stats, witnesses: found };
  return { verdict: 'pass', stats, witnesses: found };
}

async function witnesses<G>(redis: Redis, g: string, P: number, model: Model<G>, properties: readonly string[] | undefined): Promise<Witness[]> {
  const checks = new PropertyChecks(model, properties ? new Set(properties) : undefined);
  const hits = checks.reached(model.initial, new Set(checks.sometimes.map((_, i) => i)));
  const stored = await redis.hgetall(`${g}witness`);
  const out: Witness[] = [];
  for (let i = 0; i < checks.sometimes.length; i++) {
    const at = hits.includes(i) ? { root: '', steps: [] } : stored[String(i)] ? (JSON.parse(stored[String(i)]!) as RemotePath) : undefined;
    out.push({ property: checks.sometimes[i]!.name, path: at === undefined ? null : at.root === '' ? [] : await resolvePath(redis, g, P, at) });
  }
  return out;
}

/** A model error a worker met, as a local search reports it: with the replay path to its state, rebuilt here. */
async function workerError<G>(redis: Redis, g: string, P: number, model: Model<G>, e: ReportedError): Promise<Error> {
  if (e.name !== 'ModelError') return new Error(`a worker of the distributed search failed: ${e.message}`);
  if (e.problem === undefined) return new ModelError(e.message, { model: model.name });
  const path = e.at ? formatPath(await resolvePath(redis, g, P, e.at)) : undefined;
  return new ModelError(e.problem, { model: model.name, ...e.site, ...(path !== undefined ? { path } : {}) }, e.hint);
}

async function finalStats(redis: Redis, keys: RunKeys, meta: RunMeta, stats: Stats, relayouts: number, notes: readonly string[]): Promise<Stats> {
  // Workers write what they sent as they leave the run: wait (a little) for every one still heartbeating.
  const ids = await redis.hkeys(keys.workers);
  for (const until = Date.now() + 2000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 50))) {
    const [written, beating] = await Promise.all([redis.hkeys(`${keys.base}traffic`), ids.length > 0 ? redis.mget(...ids.map((id) => keys.hb(id))) : []]);
    if (ids.every((id, i) => written.includes(id) || beating[i] === null)) break;
  }
  const traffic = Object.values(await redis.hgetall(`${keys.base}traffic`)).map((v) => JSON.parse(v) as WorkerTraffic);
  const info = await redis.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  const cluster: ClusterStats = {
    run: keys.name,
    partitions: meta.partitions,
    workers: ids.length || traffic.length,
    clientCommands: traffic.reduce((a, t) => a + t.commands, 0),
    bytesSent: traffic.reduce((a, t) => a + t.bytesSent, 0),
    workerCpuMs: traffic.reduce((a, t) => a + t.cpuMs, 0),
    redisMemoryBytes: usedMemory,
    ...(notes.length > 0 ? { notes: [...notes] } : {}),
  };
  return {
    ...stats,
    storeBytes: usedMemory,
    collisionProbability: collisionProbability(stats.states),
    engine: { name: 'compiled', vectorBytes: meta.vectorBytes, relayouts },
    cluster,
  };
}

/** `interleave worker URL` as a child process of this one. */
function startLocalWorker(url: string, id: string, claimAfterMs: number | undefined): ChildProcess {
  const bin = fileURLToPath(new URL('../../bin/interleave.js', import.meta.url));
  const args = [bin, 'worker', url, '--id', `local-${id}`, ...(claimAfterMs !== undefined ? ['--claim-after', String(claimAfterMs / 1000)] : [])];
  return spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}
