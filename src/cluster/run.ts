/**
 * A distributed search's data in Redis, and the operations the coordinator and the workers share.
 * Every key of the run named NAME starts with `il:NAME:`; those of one layout generation with
 * `il:NAME:g<N>:` (a search that must learn a larger layout starts again in a new generation, and
 * a late write of the old one lands in keys nobody reads).
 *
 *   meta                 hash: format, kind, version, model, params, options, layout, status, ...
 *   workers              hash: worker id → where it runs (JSON)
 *   hb:<id>              a worker's heartbeat (expires)
 *   g<N>:level           the level (BFS depth) being expanded
 *   g<N>:q:<L>:<p>       stream of level L's states in partition p: entries {n, h: fingerprints, v: vectors}
 *   g<N>:seen:<p>        hash: fingerprint (8 bytes) → parent fingerprint, step, depth (12 bytes; empty: initial)
 *   g<N>:rank:<L>        ordered search: sorted set of level L's states by breadth-first order
 *   g<N>:events, tevents ordered search: failures found in inputs (by key) and in successors (by state)
 *   g<N>:left:<L>        states of level L not yet expanded and committed
 *   g<N>:complete        set when a level ended with the next one empty: the search is complete
 *   g<N>:states, transitions, truncated
 *   g<N>:found           sorted set of violations and deadlocks found (score: path length)
 *   g<N>:witness         hash: `sometimes` property index → rooted path (JSON)
 *   g<N>:edges           hash: "from→to" → lock order first seen, with its rooted path (JSON)
 *   g<N>:relayout        a worker's request for a larger layout (JSON)
 *   g<N>:error           a model error a worker met (JSON)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { UsageError } from '../core/errors.ts';

export const FORMAT = 'interleave-cluster/1';

export const VERSION = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

/** The consumer group every level's streams have. */
export const GROUP = 'w';

export interface ClusterAddress {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly url: string;
}

/** `redis://host:port/NAME`: the Redis to use and the run's name. */
export function parseClusterUrl(url: string): ClusterAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a cluster address; write redis://HOST:PORT/NAME, e.g. redis://127.0.0.1:6379/hmm-run`);
  }
  if (u.protocol !== 'redis:') throw new UsageError(`cluster address "${url}" must start with redis://`);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new UsageError(`cluster address "${url}" needs a run name after the port (letters, digits, '.', '_', '-'), e.g. redis://${u.host || '127.0.0.1:6379'}/hmm-run`);
  }
  return { host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379, name, url };
}

/** A client that fails fast with a clear error when Redis cannot be reached, and reconnects after. */
export async function connect(address: ClusterAddress, what: string): Promise<Redis> {
  const redis = new Redis({ host: address.host, port: address.port, lazyConnect: true, maxRetriesPerRequest: null, enableAutoPipelining: false, retryStrategy: (n) => Math.min(50 * n, 1000) });
  redis.on('error', () => {
    // Reconnection is automatic; commands wait for it (maxRetriesPerRequest: null).
  });
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new UsageError(`${what}: cannot reach Redis at ${address.host}:${address.port} (${cause instanceof Error ? cause.message : String(cause)}); start redis-server there, or fix the address`);
  }
  return redis;
}

export class RunKeys {
  readonly base: string;
  constructor(readonly name: string) {
    this.base = `il:${name}:`;
  }
  get meta(): string {
    return `${this.base}meta`;
  }
  get workers(): string {
    return `${this.base}workers`;
  }
  hb(id: string): string {
    return `${this.base}hb:${id}`;
  }
  /** The prefix of a generation's keys. */
  gen(g: number): string {
    return `${this.base}g${g}:`;
  }
}

/** What the meta hash holds, parsed. */
export interface RunMeta {
  readonly format: string;
  readonly kind: string;
  readonly version: string;
  /** The model as given to `check` (a registered name or a file path). */
  readonly model: string;
  /** The definition's own name. */
  readonly modelName: string;
  readonly params: Record<string, string | number | boolean>;
  readonly options: SearchOptionsData;
  readonly generation: number;
  readonly partitions: number;
  /** Fingerprint of the initial state's vector, as "hi:lo": a worker with another model or layout differs. */
  readonly initial: string;
  readonly vectorBytes: number;
  readonly status: 'running' | 'done' | 'stopped';
  /** An ordered search (coordinator.ts): up to level `lastLevel`, every failure found and ordered. */
  readonly ordered: boolean;
  readonly lastLevel: number;
}

/** A successor's score in an ordered search: its parent's rank times this, plus its step plus 1. */
export const ORDER_STEP = 2 ** 17;

/** The options the workers' searches need (the budgets stay with the coordinator). */
export interface SearchOptionsData {
  readonly properties?: readonly string[];
  readonly maxDepth?: number;
}

export function parseMeta(name: string, h: Record<string, string>): RunMeta {
  if (Object.keys(h).length === 0) throw new UsageError(`no run named "${name}" in this Redis`);
  if (h.format !== FORMAT) throw new UsageError(`the keys of run "${name}" (il:${name}:*) were not written by interleave's cluster search (format ${h.format ?? 'missing'}); choose another run name`);
  return {
    format: h.format,
    kind: h.kind ?? '',
    version: h.version ?? '',
    model: h.model ?? '',
    modelName: h.modelName ?? '',
    params: JSON.parse(h.params ?? '{}') as RunMeta['params'],
    options: JSON.parse(h.options ?? '{}') as SearchOptionsData,
    generation: Number(h.generation ?? 0),
    partitions: Number(h.partitions ?? 0),
    initial: h.initial ?? '',
    vectorBytes: Number(h.vectorBytes ?? 0),
    status: (h.status ?? 'running') as RunMeta['status'],
    ordered: h.ordered === '1',
    lastLevel: Number(h.lastLevel ?? -1),
  };
}

/** The partition of a fingerprint. */
export function partitionOf(lo: number, partitions: number): number {
  return (lo >>> 0) % partitions;
}

/** A fingerprint as the 8 bytes Redis keeps (hi then lo, little-endian). */
export function fpBytes(hi: number, lo: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeInt32LE(hi, 0);
  b.writeInt32LE(lo, 4);
  return b;
}

/**
 * Expanding some stream entries' states, committed at once (a Lua script, atomic in Redis): the
 * entries are acknowledged; each successor not yet in its partition's seen hash is stored there
 * (with its parent and step) and queued in the next level's stream of its partition; counters move.
 * If any entry is no longer pending (another worker that took it over, or the one it was taken
 * from, committed it already) nothing changes and the script returns -1: every state is committed
 * exactly once, however often it is expanded.
 *
 * The commit that expands a level's last states opens the next level (its streams and their group,
 * then `level`), or, when the next level is empty, marks the search `complete`: no round trip to
 * the coordinator between levels. New states go into entries of at most ENTRY_STATES each, so
 * that a level spreads over workers.
 *
 * In an ordered search (see coordinator.ts) each successor also comes with its score, its parent's
 * rank in the breadth-first order times 2^17 plus its step plus 1: a new state enters the next
 * level's sorted set `rank:L` with it; a state of the next level met again keeps the lower score
 * and that parent (ZADD LT), so the parent links are the local search's.
 *
 * KEYS: the entries' streams. ARGV: generation prefix, next level, entry count E, E entry ids,
 * states expanded, transitions, successor count, fingerprints (8 bytes each), links (12 each:
 * parent fingerprint, step, depth), vectors, vector bytes, partitions (1 byte each), partition
 * count, scores (comma-separated; empty when not ordered).
 */
/** States per stream entry at most (a commit splits larger partitions' new states). */
export const ENTRY_STATES = 128;

export const COMMIT = `
local g = ARGV[1]
local nextLevel = ARGV[2]
local e = tonumber(ARGV[3])
for i = 1, e do
  -- (A stream removed meanwhile, its level done or its generation dropped: nothing is pending.)
  local pending = redis.pcall('XPENDING', KEYS[i], '${GROUP}', ARGV[3 + i], ARGV[3 + i], 1)
  if pending.err or #pending == 0 then return -1 end
end
for i = 1, e do redis.call('XACK', KEYS[i], '${GROUP}', ARGV[3 + i]) end
local a = 3 + e
local expanded, transitions, m = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
local fps, links, vecs, size, parts = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], tonumber(ARGV[a + 7]), ARGV[a + 8]
local scores = nil
if ARGV[a + 10] ~= '' then
  scores = {}
  for x in string.gmatch(ARGV[a + 10], '[^,]+') do scores[#scores + 1] = x end
end
local rankKey = g .. 'rank:' .. nextLevel
local out = {}
local fresh = 0
for i = 0, m - 1 do
  local fp = string.sub(fps, i * 8 + 1, i * 8 + 8)
  local p = string.byte(parts, i + 1)
  local link = string.sub(links, i * 12 + 1, i * 12 + 12)
  if redis.call('HSETNX', g .. 'seen:' .. p, fp, link) == 1 then
    fresh = fresh + 1
    local o = out[p]
    if not o then o = { f = {}, v = {} }; out[p] = o end
    o.f[#o.f + 1] = fp
    o.v[#o.v + 1] = string.sub(vecs, i * size + 1, (i + 1) * size)
    if scores then redis.call('ZADD', rankKey, scores[i + 1], fp) end
  elseif scores then
    -- A state of the next level met again: keep the parent that comes first in breadth-first order.
    local old = redis.call('HGET', g .. 'seen:' .. p, fp)
    if #old == 12 and string.byte(old, 11) + 256 * string.byte(old, 12) == tonumber(nextLevel) then
      if redis.call('ZADD', rankKey, 'LT', 'CH', scores[i + 1], fp) == 1 then redis.call('HSET', g .. 'seen:' .. p, fp, link) end
    end
  end
end
for p, o in pairs(out) do
  local key = g .. 'q:' .. nextLevel .. ':' .. p
  if redis.call('EXISTS', key) == 0 then redis.call('XGROUP', 'CREATE', key, '${GROUP}', '0', 'MKSTREAM') end
  for at = 1, #o.f, ${ENTRY_STATES} do
    local to = math.min(at + ${ENTRY_STATES} - 1, #o.f)
    redis.call('XADD', key, '*', 'n', to - at + 1, 'h', table.concat(o.f, '', at, to), 'v', table.concat(o.v, '', at, to))
  end
end
redis.call('INCRBY', g .. 'states', fresh)
redis.call('INCRBY', g .. 'transitions', transitions)
local after = redis.call('INCRBY', g .. 'left:' .. nextLevel, fresh)
local left = redis.call('DECRBY', g .. 'left:' .. (tonumber(nextLevel) - 1), expanded)
if left == 0 then
  if after == 0 then
    redis.call('SET', g .. 'complete', '1')
  else
    local P = tonumber(ARGV[a + 9])
    for p = 0, P - 1 do
      local key = g .. 'q:' .. nextLevel .. ':' .. p
      if redis.call('EXISTS', key) == 0 then redis.call('XGROUP', 'CREATE', key, '${GROUP}', '0', 'MKSTREAM') end
    end
    redis.call('SET', g .. 'level', nextLevel)
    for p = 0, P - 1 do redis.call('UNLINK', g .. 'q:' .. (tonumber(nextLevel) - 1) .. ':' .. p) end
    redis.call('UNLINK', g .. 'left:' .. (tonumber(nextLevel) - 1))
  end
end
return fresh
`;

/** Step indices from the initial state to the state with fingerprint `fp`, by its parents in the seen hashes. */
export async function pathFrom(redis: Redis, g: string, partitions: number, fp: Buffer): Promise<number[]> {
  const path: number[] = [];
  for (let at = fp, guard = 0; ; guard++) {
    if (guard > 1_000_000) throw new Error('internal error: a cycle of parent links in the cluster store');
    const link = await redis.hgetBuffer(`${g}seen:${partitionOf(at.readInt32LE(4), partitions)}`, at);
    if (link === null) throw new Error(`internal error: state ${at.toString('hex')} is not in the cluster store`);
    if (link.length === 0) return path.reverse();
    path.push(link.readUInt16LE(8));
    at = link.subarray(0, 8);
  }
}

/** A path rooted at a state known by its fingerprint (hex), as workers report them. */
export interface RemotePath {
  readonly root: string;
  readonly steps: readonly number[];
}

export async function resolvePath(redis: Redis, g: string, partitions: number, at: RemotePath): Promise<number[]> {
  return [...(await pathFrom(redis, g, partitions, Buffer.from(at.root, 'hex'))), ...at.steps];
}
