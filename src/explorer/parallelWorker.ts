/**
 * A parallel-search worker: given the definition parallelBoot.js imported, runs the search
 * against the shared store (see sharedStore.ts) and posts what it found. With a layout from the
 * coordinator it searches the compiled space (kernel.ts, exploreShared), else the reference one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LayoutFacts, type LayoutData } from '../core/compiled/space.ts';
import { ModelError } from '../core/errors.ts';
import { compileModel, isModelDefinition, type Model, type Params } from '../core/model.ts';
import { explore, type ExploreOutcome } from './explore.ts';
import { exploreShared, Relayout } from './kernel.ts';
import { resolveOptions, type ExploreOptions } from './options.ts';
import { SharedStore, STOP_RELAYOUT, STOP_WORKER, type SharedBuffers, type SharedSearch } from './sharedStore.ts';
import type { ModelSource, WorkerReply } from './parallel.ts';

interface Job {
  readonly id: number;
  readonly model: string;
  readonly source: ModelSource;
  readonly params: Params;
  readonly options: ExploreOptions;
  readonly buffers: SharedBuffers;
  /** The compiled space's layout, learnt by the coordinator; without it the reference space runs. */
  readonly layout?: LayoutData;
}

const job = workerData as Job;
const post = (reply: WorkerReply): void => parentPort!.postMessage(reply);

/** Runs the search; a relayout request is posted here and ends the worker's part. */
function search(model: Model<unknown>, store: SharedStore<unknown>, shared: SharedSearch): ExploreOutcome | undefined {
  if (job.layout === undefined) return explore(model, { ...job.options, shared });
  // Values the layout was not taught get codes all workers agree on, rather than a restart.
  const run = exploreShared(model, resolveOptions({ ...job.options, shared }), LayoutFacts.from(job.layout, true), (spec, value, base) => store.dictCode(spec, value, base));
  if (!(run instanceof Relayout)) return run;
  // The layout every worker shares cannot hold a state: stop them all; the coordinator learns it and starts again.
  store.claimStop(STOP_RELAYOUT);
  post({ kind: 'relayout', ...(run.world ? { world: run.world } : {}), why: run.why });
  return undefined;
}

/** Runs this worker's part of the search on the definition its thread imported (or reports why the import failed). */
export function runWorker(definition: unknown, importFailure?: unknown): void {
  try {
    if (importFailure !== undefined) throw new ModelError(`a search worker could not import ${job.model}: ${importFailure instanceof Error ? importFailure.message : String(importFailure)}`, { model: job.model });
    if (!isModelDefinition(definition)) throw new Error(`internal error: a search worker found no model at ${job.source.path.join('.')} in ${job.source.url}`);
    const numbering = new SharedStore(undefined, job.buffers);
    const model = compileModel(definition, job.params, (name) => numbering.routineNumber(name));
    const store = new SharedStore(model, job.buffers);
    let info: Parameters<SharedSearch['finished']>[0] | undefined;
    const shared: SharedSearch = {
      store: store as SharedStore<unknown>,
      seeds: job.id === 0,
      finished: (i) => {
        info = i;
      },
    };
    post({ kind: 'started', at: Date.now() });
    let outcome: ExploreOutcome | undefined;
    let won = false;
    try {
      outcome = search(model as Model<unknown>, store as SharedStore<unknown>, shared);
      // (Claimed before leaving: the others stop before a growth could wait on them.)
      if (outcome !== undefined && info === undefined) won = store.claimStop(STOP_WORKER);
    } finally {
      store.leave();
    }
    if (outcome !== undefined) {
      if (info !== undefined) post({ kind: 'finished', info, witnesses: outcome.witnesses, ...(outcome.stats.reduction ? { reduction: outcome.stats.reduction } : {}) });
      else post({ kind: 'result', outcome, won });
    }
  } catch (thrown) {
    new SharedStore(undefined, job.buffers).claimStop(STOP_WORKER);
    post({ kind: 'error', message: thrown instanceof Error ? thrown.message : String(thrown), name: thrown instanceof Error ? thrown.name : 'Error' });
  }
}
