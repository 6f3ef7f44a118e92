/**
 * `interleave worker redis://host:port/NAME`: one worker of a distributed search. It loads the
 * run's model (by the name or path the coordinator was given, which must resolve to the same model
 * here), builds the layout the coordinator learnt, then takes batches of the current level's
 * states from the partitions' streams (a consumer group: each entry goes to one worker), expands
 * them with the one search loop (src/explorer/batch.ts) and commits what they reached in one
 * atomic script per entry (run.ts, COMMIT). Entries another worker claimed and did not commit
 * for `claimAfterMs` (it died, or stalls) are taken over with XAUTOCLAIM; the script commits each
 * entry once, so counts stay exact.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { hashVector } from '../core/compiled/space.ts';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, type Model } from '../core/model.ts';
import { applyTransition, enabledTransitions } from '../core/transitions.ts';
import { learnLayout } from '../explorer/kernel.ts';
import { followPath } from '../explorer/walk.ts';
import { BatchExpander, splitPath, type BatchEvent, type BatchResult, type RootedPath } from '../explorer/batch.ts';
import { resolveOptions } from '../explorer/options.ts';
import { loadModel } from '../cli/loadModel.ts';
import { COMMIT, connect, fpBytes, GROUP, ORDER_STEP, type RemotePath, parseClusterUrl, parseMeta, partitionOf, RunKeys, VERSION, type RunMeta } from './run.ts';

export interface WorkerOptions {
  /** The worker's name in the run (default host:pid). */
  readonly id?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** Stream entries taken per read, per partition. */
  readonly count?: number;
  /** Take over entries another worker claimed this long ago without committing (default 5 s). */
  readonly claimAfterMs?: number;
  /** Wait this long for the run to appear (default: for ever). */
  readonly waitMs?: number;
}

/** What the coordinator learnt and the workers build the same layout from. */
export interface LayoutRecord {
  readonly data: import('../core/compiled/space.ts').LayoutData;
  readonly routines: readonly string[];
  /**
   * How the coordinator met the routines (a model compiles a routine when a step first calls it):
   * its learning search's size, and paths to states whose every step it took. A worker does the same
   * before searching, so that it knows every routine a vector's frames can name.
   */
  readonly learnStates: number;
  readonly replays: readonly (readonly number[])[];
}

/**
 * Numbers routines by name, in `names` (extended with routines not in it), so that equal states are
 * equal vectors in every process. A model may have two routines of one name: compileModel asks once
 * per routine, so the k-th ask for a name is the k-th routine of that name met (`name#k`), and every
 * process meets them in the coordinator's order (meetRoutines).
 */
export function routineNumbering(names: string[]): (name: string) => number {
  const asked = new Map<string, number>();
  return (name) => {
    const k = (asked.get(name) ?? 0) + 1;
    asked.set(name, k);
    const key = k === 1 ? name : `${name}#${k}`;
    const i = names.indexOf(key);
    if (i >= 0) return i;
    names.push(key);
    return names.length - 1;
  };
}

/** Meets the routines the coordinator met, as it met them (see LayoutRecord); throws if one is still unknown. */
export function meetRoutines<G>(model: Model<G>, record: LayoutRecord): void {
  learnLayout(model, resolveOptions({ determinismChecks: 0 }), record.learnStates);
  for (const path of record.replays) {
    let world = model.initial;
    followPath(model, path, undefined, (w) => void (world = w));
    for (const t of enabledTransitions(model, world)) applyTransition(model, world, t);
  }
  record.routines.forEach((name, i) => {
    try {
      model.routineAt(i);
    } catch {
      throw new ModelError(`routine "${name}" was not met here as the coordinator met it`, { model: model.name }, 'the model must build the same routines on every machine: same source, same version');
    }
  });
}

/** What a worker counts about its own traffic (reported in the run's stats). */
export interface WorkerTraffic {
  commands: number;
  bytesSent: number;
  expanded: number;
  cpuMs: number;
}

const HEARTBEAT_MS = 1000;
export const HEARTBEAT_TTL_MS = 5000;

export async function clusterWorker(url: string, options: WorkerOptions = {}): Promise<WorkerTraffic> {
  const address = parseClusterUrl(url);
  const keys = new RunKeys(address.name);
  const id = options.id ?? `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => {});
  const redis = await connect(address, `worker ${id}`);
  redis.defineCommand('ilCommit', { lua: COMMIT });
  const traffic: WorkerTraffic = { commands: 0, bytesSent: 0, expanded: 0, cpuMs: 0 };
  const cpu0 = process.cpuUsage();
  const beat = setInterval(() => void redis.set(keys.hb(id), String(Date.now()), 'PX', HEARTBEAT_TTL_MS).catch(() => {}), HEARTBEAT_MS);
  try {
    const meta = await waitForRun(redis, keys, options, log);
    if (meta === undefined) return traffic;
    if (meta.kind !== 'search') throw new UsageError(`run "${address.name}" is a ${meta.kind || 'different'} run, not a distributed search`);
    if (meta.version !== VERSION) {
      throw new UsageError(`run "${address.name}" was started by interleave ${meta.version}; this worker is interleave ${VERSION}: install the same version on every machine`);
    }
    const definition = await loadModel(meta.model);
    if (definition.name !== meta.modelName) {
      throw new UsageError(`run "${address.name}" checks model ${meta.modelName}, but "${meta.model}" is ${definition.name} on this machine`);
    }
    await redis.set(keys.hb(id), String(Date.now()), 'PX', HEARTBEAT_TTL_MS);
    await redis.hset(keys.workers, id, JSON.stringify({ host: hostname(), pid: process.pid, joined: Date.now() }));
    log(`worker ${id}: joined run ${address.name} (${meta.modelName})`);
    for (let current = meta; current.status === 'running'; ) {
      await searchGeneration(redis, keys, current, definition, id, options, traffic);
      current = parseMeta(address.name, await redis.hgetall(keys.meta));
    }
    log(`worker ${id}: run ${address.name} ended; ${traffic.expanded.toLocaleString('en-US')} states expanded here`);
    const used = process.cpuUsage(cpu0);
    traffic.cpuMs = Math.round((used.user + used.system) / 1000);
    await redis.hset(`${keys.base}traffic`, id, JSON.stringify(traffic));
    return traffic;
  } finally {
    clearInterval(beat);
    await redis.del(keys.hb(id)).catch(() => {});
    redis.disconnect();
  }
}

/** The run's meta, once it is there (undefined: stopped before it appeared). */
async function waitForRun(redis: Redis, keys: RunKeys, options: WorkerOptions, log: (line: string) => void): Promise<RunMeta | undefined> {
  const started = Date.now();
  let told = false;
  for (;;) {
    const h = await redis.hgetall(keys.meta);
    if (Object.keys(h).length > 0) return parseMeta(keys.name, h);
    if (options.signal?.aborted) return undefined;
    if (options.waitMs !== undefined && Date.now() - started > options.waitMs) throw new UsageError(`no run named "${keys.name}" appeared within ${options.waitMs} ms`);
    if (!told) log(`waiting for a run named "${keys.name}" (start it with interleave check MODEL --cluster redis://.../${keys.name})`);
    told = true;
    await sleep(250);
  }
}

/** Works on one layout generation until the run ends or the generation changes. */
async function searchGeneration(redis: Redis, keys: RunKeys, meta: RunMeta, definition: Awaited<ReturnType<typeof loadModel>>, id: string, options: WorkerOptions, traffic: WorkerTraffic): Promise<void> {
  const g = keys.gen(meta.generation);
  const record = JSON.parse((await redis.get(`${g}layout`)) ?? 'null') as LayoutRecord | null;
  if (record === null) return sleep(100);
  const model = compileModel(definition, meta.params, routineNumbering([...record.routines]));
  meetRoutines(model, record);
  const cfg = resolveOptions({ ...(meta.options.properties ? { properties: [...meta.options.properties] } : {}), ...(meta.options.maxDepth !== undefined ? { maxDepth: meta.options.maxDepth } : {}) });
  const expander = new BatchExpander(model, cfg, record.data);
  const size = expander.space.size;
  const initial = expander.space.encode(model.initial);
  const fp0 = hashVector(initial);
  if (`${fp0.hi}:${fp0.lo}` !== meta.initial || size !== meta.vectorBytes) {
    throw new UsageError(`this machine's ${meta.modelName} with parameters ${JSON.stringify(meta.params)} does not start where run "${keys.name}" does: the model's source differs between machines; install the same model everywhere`);
  }
  const P = meta.partitions;
  const count = options.count ?? 2;
  const claimAfter = options.claimAfterMs ?? 5000;
  let lastWitnessSync = 0;
  let claimCursor = 0;
  type Entry = { stream: string; entryId: string; f: Record<string, Buffer> };
  type Inputs = { vecs: Buffer; hs: Buffer; n: number; ranks?: number[] };
  const ordered = meta.ordered;
  /** The entries' states as one batch; in an ordered search, with their ranks and sorted by them. */
  const inputsOf = async (list: Entry[]): Promise<Inputs> => {
    const vecs = list.length === 1 ? list[0]!.f.v! : Buffer.concat(list.map((e) => e.f.v!));
    const hs = list.length === 1 ? list[0]!.f.h! : Buffer.concat(list.map((e) => e.f.h!));
    const n = list.reduce((a, e) => a + Number(e.f.n!.toString()), 0);
    if (!ordered) return { vecs, hs, n };
    const level = Number(list[0]!.stream.split(':').at(-2));
    const pipe = redis.pipeline();
    for (let i = 0; i < n; i++) pipe.zrank(`${g}rank:${level}`, hs.subarray(8 * i, 8 * i + 8));
    const got = ((await pipe.exec()) ?? []).map(([, v]) => Number(v));
    traffic.commands += n;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => got[a]! - got[b]!);
    const sortedV = Buffer.allocUnsafe(vecs.length);
    const sortedH = Buffer.allocUnsafe(hs.length);
    order.forEach((from, to) => {
      vecs.copy(sortedV, to * size, from * size, (from + 1) * size);
      hs.copy(sortedH, to * 8, from * 8, from * 8 + 8);
    });
    return { vecs: sortedV, hs: sortedH, n, ranks: order.map((i) => got[i]!) };
  };
  /** Expands entries as one batch: the commit to send, or 'stop' (a model error or a relayout was reported). */
  const prepare = (list: Entry[], level: number, inputs: Inputs): { r: BatchResult; send: () => Promise<number> } | 'stop' => {
    const { vecs, hs, n, ranks } = inputs;
    const result = expandEntry(expander, vecs, hs, n, level, keys, meta, redis, ranks);
    if (result === undefined) return 'stop';
    const { r, reports } = result;
    const fps = Buffer.allocUnsafe(8 * r.count);
    const links = Buffer.allocUnsafe(12 * r.count);
    const parts = Buffer.allocUnsafe(r.count);
    for (let j = 0; j < r.count; j++) {
      fps.writeInt32LE(r.fps[2 * j]!, 8 * j);
      fps.writeInt32LE(r.fps[2 * j + 1]!, 8 * j + 4);
      hs.copy(links, 12 * j, 8 * r.parents[j]!, 8 * r.parents[j]! + 8);
      links.writeUInt16LE(r.vias[j]!, 12 * j + 8);
      links.writeUInt16LE(level + 1, 12 * j + 10);
      parts[j] = partitionOf(r.fps[2 * j + 1]!, P);
    }
    const scores = ranks === undefined ? '' : Array.from(r.parents, (parent, j) => ranks[parent]! * ORDER_STEP + r.vias[j]! + 1).join(',');
    // Copied: the expander reuses nothing, but the commit is sent while the next batch expands.
    const out = Buffer.from(r.vecs.subarray(0, r.count * size));
    const args = [list.length, ...list.map((e) => e.stream), g, String(level + 1), String(list.length), ...list.map((e) => e.entryId), String(r.expanded), String(r.transitions), String(r.count), fps, links, out, String(size), parts, String(P), scores];
    const send = async (): Promise<number> => {
      const pipe = redis.pipeline();
      for (const [k, v] of reports) pipe.call(...(k as [string]), ...(v as string[]));
      (pipe as unknown as { ilCommit(...a: unknown[]): void }).ilCommit(...args);
      const replies = (await pipe.exec()) ?? [];
      traffic.commands += reports.length + 1;
      traffic.bytesSent += fps.length + links.length + out.length + parts.length + 40 * list.length;
      const [err, fresh] = replies[replies.length - 1]!;
      if (err) throw err;
      // Whether this commit or another worker's stored them, every successor is stored now.
      for (let j = 0; j < r.count; j++) expander.learn(r.fps[2 * j]!, r.fps[2 * j + 1]!);
      if (fresh !== -1) traffic.expanded += r.expanded;
      return fresh as number;
    };
    return { r, send };
  };
  /** Sends a batch's commit; if some entry was committed by another worker meanwhile, commits the others one by one. */
  const commit = async (list: Entry[], level: number, first: { send: () => Promise<number> }): Promise<boolean> => {
    if ((await first.send()) !== -1 || list.length === 1) return true;
    for (const e of list) {
      const one = prepare([e], level, await inputsOf([e]));
      if (one === 'stop') return false;
      await one.send();
    }
    return true;
  };
  // Pipelined: the next batch is read before the last one's commit is sent (Redis serves commands in
  // order), so the worker expands it while Redis runs the commit; one commit in flight at most.
  let inflight: Promise<boolean> | undefined;
  const settle = async (): Promise<boolean> => {
    const ok = inflight === undefined ? true : await inflight;
    inflight = undefined;
    return ok;
  };
  let prepared: { list: Entry[]; level: number; commit: { send: () => Promise<number> } } | undefined;
  const sendPrepared = async (): Promise<boolean> => {
    if (!(await settle())) return false;
    if (prepared !== undefined) inflight = commit(prepared.list, prepared.level, prepared.commit);
    prepared = undefined;
    return true;
  };
  try {
    for (;;) {
      if (options.signal?.aborted) return;
      const [status, generation, levelText] = ((await redis.pipeline().hget(keys.meta, 'status').hget(keys.meta, 'generation').get(`${g}level`).exec()) ?? []).map(([, v]) => v as string | null);
      traffic.commands += 3;
      if (status !== 'running' || Number(generation) !== meta.generation) return;
      const level = Number(levelText ?? 0);
      // An ordered search ends with its last level: the coordinator reads what it found.
      if (ordered && level > meta.lastLevel) {
        if (!(await sendPrepared()) || !(await settle())) return;
        await sleep(20);
        continue;
      }
      const streams = Array.from({ length: P }, (_, p) => `${g}q:${level}:${(p + claimCursor) % P}`);
      claimCursor++;
      let entries: [string, [string, Buffer[]][]][] = [];
      try {
        const block = inflight === undefined && prepared === undefined ? ['BLOCK', 50] : [];
        const read = (await redis.xreadgroupBuffer('GROUP', GROUP, id, 'COUNT', count, ...(block as ['BLOCK', number]), 'STREAMS', ...streams, ...streams.map(() => '>'))) as [Buffer, [Buffer, Buffer[]][]][] | null;
        traffic.commands++;
        entries = (read ?? []).map(([k, es]) => [k.toString(), es.map(([eid, f]) => [eid.toString(), f] as [string, Buffer[]])]);
      } catch (e) {
        // A level's streams are removed once it is done: read the level again.
        if (/NOGROUP|UNBLOCKED/.test(String(e))) continue;
        throw e;
      }
      if (entries.length === 0) {
        if (prepared !== undefined || inflight !== undefined) {
          if (!(await sendPrepared())) return;
          if (!(await settle())) return;
          continue;
        }
        entries = await claimStale(redis, streams, id, claimAfter, count);
        traffic.commands += streams.length;
        if (entries.length === 0) continue;
      }
      // Send the last batch's commit, then expand this one while Redis works on it.
      if (!(await sendPrepared())) return;
      const all: Entry[] = entries.flatMap(([stream, es]) => es.map(([entryId, fields]) => ({ stream, entryId, f: fieldsOf(fields) })));
      // The states read are stored: a successor equal to one of them need not be judged or sent again.
      for (const e of all) for (let i = 0, h = e.f.h!; i + 8 <= h.length; i += 8) expander.learn(h.readInt32LE(i), h.readInt32LE(i + 4));
      const next = prepare(all, level, await inputsOf(all));
      if (next === 'stop') return;
      prepared = { list: all, level, commit: next };
      const now = Date.now();
      if (now - lastWitnessSync > 1000) {
        lastWitnessSync = now;
        for (const p of await redis.hkeys(`${g}witness`)) expander.witnessedElsewhere(Number(p));
        traffic.commands++;
      }
    }
  } finally {
    await settle().catch(() => false);
  }
}

/** Entries of these streams that another consumer read more than `idleMs` ago and never acknowledged. */
async function claimStale(redis: Redis, streams: string[], id: string, idleMs: number, count: number): Promise<[string, [string, Buffer[]][]][]> {
  const pipe = redis.pipeline();
  for (const s of streams) pipe.callBuffer('XAUTOCLAIM', s, GROUP, id, String(idleMs), '0-0', 'COUNT', String(count));
  const replies = (await pipe.exec()) ?? [];
  const out: [string, [string, Buffer[]][]][] = [];
  replies.forEach(([err, reply], k) => {
    if (err || !Array.isArray(reply)) return;
    // (An entry deleted meanwhile comes back without fields.)
    const claimed = (reply[1] as [Buffer, Buffer[] | null][] | null) ?? [];
    const es = claimed.filter((e) => Array.isArray(e?.[1])).map(([eid, f]) => [eid.toString(), f!] as [string, Buffer[]]);
    if (es.length > 0) out.push([streams[k]!, es]);
  });
  return out;
}

function fieldsOf(fields: Buffer[]): Record<string, Buffer> {
  const f: Record<string, Buffer> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!.toString()] = fields[i + 1]!;
  return f;
}

/** A rooted path as the coordinator resolves it: the input's fingerprint (hex) and the steps after it. */
function remote(hs: Buffer, at: RootedPath): { root: string; steps: readonly number[] } {
  return { root: hs.subarray(8 * at.root, 8 * at.root + 8).toString('hex'), steps: at.steps };
}

/**
 * Expands one stream entry; returns its result and the reports to send with the commit (finds,
 * witnesses, lock orders, a cut-off depth). A model error or a state the layout cannot hold is
 * reported at once and ends this worker's part in the generation (undefined).
 */
function expandEntry(expander: BatchExpander<unknown>, vecs: Buffer, hs: Buffer, n: number, level: number, keys: RunKeys, meta: RunMeta, redis: Redis, ranks: readonly number[] | undefined): { r: BatchResult; reports: [string[], string[]][] } | undefined {
  const g = keys.gen(meta.generation);
  let r: BatchResult;
  try {
    r = expander.expand(new Uint8Array(vecs.buffer, vecs.byteOffset, vecs.length), n, level, ranks ? { every: true, known: false } : {});
  } catch (thrown) {
    void redis.set(`${g}error`, JSON.stringify(workerError(thrown, hs)), 'NX');
    return undefined;
  }
  const hsOf = (at: RootedPath) => remote(hs, at);
  if (r.relayout) {
    const size = expander.space.size;
    const input = vecs.subarray(r.relayout.input * size, (r.relayout.input + 1) * size).toString('base64');
    void redis.set(`${g}relayout`, JSON.stringify({ input, why: r.relayout.why }), 'NX');
    return undefined;
  }
  const reports: [string[], string[]][] = [];
  const plain = (e: BatchEvent) => {
    const { stats: _s, witnesses: _w, pathKeys: _k, ...found } = e.result as typeof e.result & { pathKeys?: unknown };
    return { ...found, at: hsOf(e.at), level };
  };
  if (ranks === undefined && r.outcome) {
    const found = plain(r.outcome);
    reports.push([['ZADD', `${g}found`, String(level + found.at.steps.length)], [JSON.stringify(found)]]);
  }
  // An ordered search: every input's first failure, keyed by its place in the breadth-first order;
  // a failure found in a successor is keyed later, by that state's rank score.
  if (ranks !== undefined) {
    for (const e of r.events) {
      if (e.successor !== undefined) {
        const t = fpBytes(r.fps[2 * e.successor]!, r.fps[2 * e.successor + 1]!).toString('hex');
        reports.push([['HSET', `${g}tevents`, t], [JSON.stringify(plain(e))]]);
      } else {
        const key = ranks[e.at.root]! * ORDER_STEP + (e.at.steps.length === 0 ? 0 : e.at.steps[0]! + 1);
        reports.push([['ZADD', `${g}events`, String(key)], [JSON.stringify(plain(e))]]);
      }
    }
  }
  for (const w of r.witnessed) reports.push([['HSETNX', `${g}witness`, String(w.property)], [JSON.stringify(hsOf(w.at))]]);
  for (const e of r.edges) {
    const { state: _s, choice: _c, ...edge } = e.edge;
    reports.push([['HSETNX', `${g}edges`, `${edge.from}\u2192${edge.to}`], [JSON.stringify({ edge, at: hsOf(e.at) })]]);
  }
  if (r.truncated) reports.push([['SET', `${g}truncated`], ['1']]);
  return { r, reports };
}

/** What the coordinator reports of an error a batch threw: a model error's parts, with its path rooted at an input's fingerprint. */
export interface ReportedError {
  readonly name: string;
  readonly message: string;
  readonly problem?: string;
  readonly site?: { readonly actor?: string; readonly step?: string };
  readonly hint?: string;
  readonly at?: RemotePath;
}

function workerError(thrown: unknown, hs: Buffer): ReportedError {
  if (!(thrown instanceof ModelError)) return { name: thrown instanceof Error ? thrown.name : 'Error', message: thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown) };
  // A batch path reads "-(input + 1)/steps...": the input's own path only the cluster knows.
  const steps = thrown.site.path?.split('/').filter((x) => x !== '').map(Number) ?? [];
  const at = steps.length > 0 && steps[0]! < 0 ? remote(hs, splitPath(steps)) : undefined;
  const site = { ...(thrown.site.actor !== undefined ? { actor: thrown.site.actor } : {}), ...(thrown.site.step !== undefined ? { step: thrown.site.step } : {}) };
  return { name: 'ModelError', message: thrown.message, problem: thrown.problem, site, ...(thrown.hint !== undefined ? { hint: thrown.hint } : {}), ...(at ? { at } : {}) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
