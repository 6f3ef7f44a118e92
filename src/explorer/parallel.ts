/**
 * `--workers N`: the same explore loop in N worker threads over one shared visited set
 * (sharedStore.ts). Workers import the model themselves from the module that defines it
 * (ModelSpec.source), so only plain options cross threads. The coordinator merges what the workers found: the first
 * violation or deadlock claimed ends the search; a completed search merges the workers'
 * lock-order graphs and `sometimes` witnesses exactly as one loop would.
 *
 * The unique-state count equals a single worker's; which counterexample is found first (and so
 * its length) can differ, since the workers' searches interleave.
 */
import { Worker } from 'node:worker_threads';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, type AnyModelDefinition, type Params } from '../core/model.ts';
import type { LayoutData } from '../core/compiled/space.ts';
import type { World } from '../core/world.ts';
import { layoutSignature, learnLayout, searchFirst } from './kernel.ts';
import { resolveOptions } from './options.ts';
import { withoutSymmetry, type ExploreOutcome } from './explore.ts';
import { inversionViolation, LockOrderGraph, type LockEdge } from './lockOrder.ts';
import type { ExploreOptions } from './options.ts';
import type { EngineStats, ReductionStats, Stats, Witness } from './result.ts';
import { SharedStore, sharedBuffers, STOP_MEMORY, type SharedBuffers, type SharedSearch } from './sharedStore.ts';

export type WorkerReply =
  | { kind: 'started'; at: number }
  | { kind: 'finished'; info: Parameters<SharedSearch['finished']>[0]; witnesses: readonly Witness[]; reduction?: ReductionStats }
  | { kind: 'result'; outcome: ExploreOutcome; won: boolean }
  | { kind: 'error'; message: string; name: string }
  /** A compiled-space worker met a state the fixed layout cannot hold (the reference space's successor, if any). */
  | { kind: 'relayout'; world?: World<unknown>; why: string };

/** A module a worker imports the model from, and the export path to the definition in it. */
export interface ModelSource {
  /** A `file:` URL. */
  readonly url: string;
  /** Export name, then indexes or keys, e.g. `['model']` or `['models', 3]`. */
  readonly path: readonly (string | number)[];
}

export interface ModelSpec {
  /** The model's name as the user gave it (registered name or file path), for messages. */
  readonly model: string;
  readonly params: Params;
  /** The model's definition, as the caller loaded it; the coordinator learns the compiled layout from it. */
  readonly definition: AnyModelDefinition;
  /** Where each worker imports the same definition from (the CLI's `locateModel`). */
  readonly source: ModelSource;
}

export interface ParallelOptions extends Omit<ExploreOptions, 'onProgress' | 'now' | 'memoryProbe' | 'shared' | 'exact'> {
  readonly workers: number;
  readonly onProgress?: ExploreOptions['onProgress'];
  readonly memoryProbe?: () => number;
  /** States of the compiled search the coordinator learns the workers' layout from (default 50,000). */
  readonly learnStates?: number;
  /** Slots of the shared visited set in use at the start (a power of two; default 2^18): small ones make tests grow it. */
  readonly firstTableSlots?: number;
}

/** Times the workers may find a state the fixed layout cannot hold before the search falls back to the reference space. */
const MAX_PARALLEL_RELAYOUTS = 8;

/**
 * States the coordinator searches itself first (about 0.1-0.5 s): a search that ends within them
 * is the result, and no worker starts; else the workers share the layout it learnt.
 */
const LEARN_LAYOUT_STATES = 50_000;

export async function exploreParallel(spec: ModelSpec, options: ParallelOptions): Promise<ExploreOutcome> {
  const n = options.workers;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`workers must be a positive integer, got ${String(n)}`);
  const definition = spec.definition;
  // The first search and every restart come out of the one --timeout the user gave.
  const began = Date.now();
  const left = (): ParallelOptions =>
    options.timeoutMs === undefined || !Number.isFinite(options.timeoutMs) ? options : { ...options, timeoutMs: Math.max(1, options.timeoutMs - (Date.now() - began)) };
  // The run's time is the whole of it: the coordinator's first search and every start included.
  const timed = (r: ExploreOutcome, engine: EngineStats | undefined = r.stats.engine): ExploreOutcome => {
    const elapsedMs = Date.now() - began;
    return { ...r, stats: { ...r.stats, elapsedMs, statesPerSecond: elapsedMs > 0 ? Math.round((r.stats.states * 1000) / elapsedMs) : r.stats.states, ...(engine ? { engine } : {}) } };
  };
  const fresh = (): SharedBuffers => sharedBuffers(n, options.maxStates ?? Number.POSITIVE_INFINITY, options.firstTableSlots);
  if ((options.engine ?? 'compiled') === 'reference') {
    const r = outcomeOf(await runWorkers(spec, left(), fresh(), undefined, undefined));
    return timed(r);
  }
  // The compiled space: the coordinator learns a layout, every worker builds the same one from it
  // (with frozen dictionaries), and a state none of them can hold makes the search start again.
  const first = fresh();
  const numbering = new SharedStore<unknown>(undefined, first);
  const model = compileModel(definition, spec.params, (name) => numbering.routineNumber(name));

  const { workers: _w, onProgress: _p, memoryProbe: _m, maxMemoryMiB: _mm, learnStates, firstTableSlots: _f, ...plain } = options;
  const cfg = resolveOptions(plain);
  const searched = searchFirst(model, cfg, learnStates ?? LEARN_LAYOUT_STATES);
  if (searched.outcome !== undefined) {
    // (pathKeys dropped as for a worker's result: routines are numbered by the shared numbering.)
    const { pathKeys: _, ...outcome } = searched.outcome;
    const stop = outcome.verdict === 'pass' ? 'the whole state space' : outcome.verdict === 'incomplete' ? 'a budget' : 'a counterexample';
    return { ...outcome, stats: { ...outcome.stats, workersNote: `no worker started: the coordinator's first ${(learnStates ?? LEARN_LAYOUT_STATES).toLocaleString('en-US')} states held ${stop}` } };
  }
  if (searched.fallback !== undefined) {
    const r = outcomeOf(await runWorkers(spec, left(), first, undefined, searched.fallback));
    return timed(r);
  }
  const facts = searched.facts;
  let buffers = first;
  for (let attempt = 0; attempt <= MAX_PARALLEL_RELAYOUTS; attempt++) {
    const before = layoutSignature(facts);
    const r = await runWorkers(spec, left(), buffers, facts.toData(), undefined);
    if (!('relayout' in r)) return timed(r, { name: 'compiled', relayouts: attempt });
    if (r.relayout.world !== undefined) facts.absorbWorld(r.relayout.world);
    if (layoutSignature(facts) === before) break;
    // Learn further before starting the workers again: each start costs their start-up.
    learnLayout(model, cfg, Math.max(learnStates ?? LEARN_LAYOUT_STATES, 1000) * 2 ** (attempt + 1), facts);
    // A fresh visited set and queue; the routine numbering (which the facts use) is kept.
    buffers = { ...fresh(), routines: first.routines };
  }
  const r = outcomeOf(await runWorkers(spec, left(), fresh(), undefined, 'the parallel search met states its fixed layout cannot hold; it ran on the reference space'));
  return timed(r);
}

/** A reference-space run never asks for a relayout. */
function outcomeOf(r: ExploreOutcome | Relayouted): ExploreOutcome {
  if ('relayout' in r) throw new Error(`internal error: a reference-space worker asked for a relayout (${r.relayout.why})`);
  return r;
}

type Relayouted = { readonly relayout: { readonly world?: World<unknown>; readonly why: string } };

async function runWorkers(spec: ModelSpec, options: ParallelOptions, buffers: SharedBuffers, layout: LayoutData | undefined, referenceWhy: string | undefined): Promise<ExploreOutcome | Relayouted> {
  const { workers: n, onProgress, memoryProbe, maxMemoryMiB, firstTableSlots: _f, ...rest } = options;
  const store = new SharedStore<unknown>(undefined, buffers);
  const started = Date.now();
  const replies: WorkerReply[] = [];
  const threads = Array.from(
    { length: n },
    (_, id) =>
      new Worker(new URL('./parallelBoot.js', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: 64 },
        workerData: { id, source: spec.source, model: spec.model, params: spec.params, options: rest, buffers, ...(layout ? { layout } : {}) },
      }),
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
    engine: layout !== undefined ? { name: 'compiled' } : referenceWhy !== undefined ? { name: 'reference', fallback: referenceWhy } : { name: 'reference' },
  };
  const relayout = replies.find((r) => r.kind === 'relayout');
  if (relayout?.kind === 'relayout') return { relayout: { ...(relayout.world ? { world: relayout.world } : {}), why: relayout.why } };
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
