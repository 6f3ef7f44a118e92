/**
 * `--workers N`: the same explore loop in N worker threads over one shared visited set
 * (sharedStore.ts). Workers load the model themselves (by registered name or module path), so
 * only plain options cross threads. The coordinator merges what the workers found: the first
 * violation or deadlock claimed ends the search; a completed search merges the workers'
 * lock-order graphs and `sometimes` witnesses exactly as one loop would.
 *
 * The unique-state count equals a single worker's; which counterexample is found first (and so
 * its length) can differ, since the workers' searches interleave.
 */
import { Worker } from 'node:worker_threads';
import { ModelError, UsageError } from '../core/errors.ts';
import type { Params } from '../core/model.ts';
import { withoutSymmetry, type ExploreOutcome } from './explore.ts';
import { inversionViolation, LockOrderGraph, type LockEdge } from './lockOrder.ts';
import type { ExploreOptions } from './options.ts';
import type { ReductionStats, Stats, Witness } from './result.ts';
import { SharedStore, sharedBuffers, STOP_MEMORY, type SharedSearch } from './sharedStore.ts';

export type WorkerReply =
  | { kind: 'started'; at: number }
  | { kind: 'finished'; info: Parameters<SharedSearch['finished']>[0]; witnesses: readonly Witness[]; reduction?: ReductionStats }
  | { kind: 'result'; outcome: ExploreOutcome; won: boolean }
  | { kind: 'error'; message: string; name: string };

export interface ModelSpec {
  /** Registered name or path to a model module. */
  readonly model: string;
  readonly params: Params;
}

export interface ParallelOptions extends Omit<ExploreOptions, 'onProgress' | 'now' | 'memoryProbe' | 'shared' | 'exact'> {
  readonly workers: number;
  readonly onProgress?: ExploreOptions['onProgress'];
  readonly memoryProbe?: () => number;
}

/** Why --workers runs on the reference space, as reports say it. */
export const PARALLEL_ON_REFERENCE =
  'parallel search (--workers) runs on the reference space; one worker on the compiled space is faster on every benchmark model';

export async function exploreParallel(spec: ModelSpec, options: ParallelOptions): Promise<ExploreOutcome> {
  const { workers: n, onProgress, memoryProbe, maxMemoryMiB, ...rest } = options;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`workers must be a positive integer, got ${String(n)}`);
  const buffers = sharedBuffers(n, rest.maxStates ?? Number.POSITIVE_INFINITY);
  const store = new SharedStore<unknown>(undefined, buffers);
  const started = Date.now();
  const replies: WorkerReply[] = [];
  const threads = Array.from(
    { length: n },
    (_, id) =>
      new Worker(new URL('./parallelBoot.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 64 }, workerData: { id, model: spec.model, params: spec.params, options: rest, buffers } }),
  );
  let lastProgress = started;
  let startedAt = started;
  const timer = setInterval(() => {
    const now = Date.now();
    if (memoryProbe && maxMemoryMiB !== undefined && memoryProbe() > maxMemoryMiB * 2 ** 20) store.claimStop(STOP_MEMORY);
    if (onProgress && now - lastProgress >= (rest.progressIntervalMs ?? 1000)) {
      lastProgress = now;
      const elapsedMs = now - started;
      onProgress({ states: store.size, transitions: 0, depth: 0, elapsedMs, statesPerSecond: Math.round((store.size * 1000) / Math.max(1, elapsedMs)), queued: 0, workers: n, ...(memoryProbe ? { memoryMiB: Math.round(memoryProbe() / 2 ** 20) } : {}) });
    }
  }, 250);
  try {
    await Promise.all(
      threads.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.on('message', (m: WorkerReply) => {
              if (m.kind === 'started') startedAt = Math.max(startedAt, m.at);
              else {
                replies.push(m);
                resolve();
              }
            });
            w.once('error', reject);
            w.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with code ${code}`))));
          }),
      ),
    );
  } finally {
    clearInterval(timer);
    await Promise.all(threads.map((w) => w.terminate()));
  }
  const elapsedMs = Date.now() - started;
  const finished = replies.flatMap((r) => (r.kind === 'finished' ? [r] : []));
  const stats: Stats = {
    states: store.size,
    transitions: finished.reduce((a, r) => a + r.info.transitions, 0),
    depth: finished.reduce((a, r) => Math.max(a, r.info.depth), 0),
    elapsedMs,
    statesPerSecond: elapsedMs > 0 ? Math.round((store.size * 1000) / elapsedMs) : store.size,
    storeBytes: store.bytes(),
    collisionProbability: store.collisionProbability(),
    startupMs: startedAt - started,
    ...reductionOf(finished),
    engine: { name: 'reference', fallback: PARALLEL_ON_REFERENCE },
  };
  const error = replies.find((r) => r.kind === 'error');
  if (error?.kind === 'error') throw error.name === 'UsageError' ? new UsageError(error.message) : new ModelError(error.message, { model: spec.model });
  const won = replies.find((r) => r.kind === 'result' && r.won);
  if (won?.kind === 'result') {
    // pathKeys are dropped: workers number routines by name, so their encodings are not comparable
    // with a replay of the model compiled here; the path itself replays (and is judged) as usual.
    const { pathKeys: _, ...outcome } = won.outcome;
    return { ...outcome, stats: { ...outcome.stats, ...stats, transitions: outcome.stats.transitions } };
  }
  if (store.stopped() === STOP_MEMORY) return { verdict: 'incomplete', budget: 'maxMemory', stats, witnesses: [] };
  const merged = merge(finished, stats, store);
  // As in one loop: under symmetry, nested locks of symmetric actors need a search without it.
  if (!(merged.verdict === 'violation' && merged.lockOrder) && finished.some((r) => r.info.symmetricLockNesting)) {
    return withoutSymmetry(await exploreParallel(spec, { ...options, symmetry: false }), stats.elapsedMs);
  }
  return merged;
}

/** The workers' reduction counts, summed (each worker reduces the states it expands). */
function reductionOf(finished: readonly Extract<WorkerReply, { kind: 'finished' }>[]): { reduction?: ReductionStats } {
  const parts = finished.flatMap((r) => (r.reduction ? [r.reduction] : []));
  if (parts.length === 0) return {};
  return {
    reduction: {
      ...parts[0]!,
      prunedSteps: parts.reduce((a, r) => a + r.prunedSteps, 0),
      provisoExpansions: parts.reduce((a, r) => a + r.provisoExpansions, 0),
    },
  };
}

/** A completed search: what one loop would report after its last state, from the workers' parts. */
function merge(finished: Extract<WorkerReply, { kind: 'finished' }>[], stats: Stats, store: SharedStore<unknown>): ExploreOutcome {
  const names = finished[0]?.witnesses.map((w) => w.property) ?? [];
  const witnesses: Witness[] = names.map((property, i) => ({ property, path: finished.map((r) => r.info.found[i]).find((p) => p != null) ?? null }));
  const graph = new LockOrderGraph();
  for (const r of finished) for (const e of r.info.lockEdges) graph.absorb(e as LockEdge);
  const cycle = graph.inversion;
  if (cycle !== undefined) return inversionViolation(cycle, (i) => store.pathTo(i), stats, witnesses);
  if (finished.some((r) => r.info.truncated)) return { verdict: 'incomplete', budget: 'maxDepth', stats, witnesses };
  const missing = witnesses.find((w) => w.path === null);
  if (missing) {
    return { verdict: 'violation', property: { name: missing.property, kind: 'sometimes' }, message: `no reachable state satisfies "${missing.property}"`, path: null, stats, witnesses };
  }
  return { verdict: 'pass', stats, witnesses };
}
