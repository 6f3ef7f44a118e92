/**
 * A parallel-search worker: loads the model by its registered name or module path, then runs the
 * ordinary explore loop against the shared store (see sharedStore.ts) and posts what it found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileModel, type Params } from '../core/model.ts';
import { loadModel } from '../cli/loadModel.ts';
import { explore } from './explore.ts';
import type { ExploreOptions } from './options.ts';
import { SharedStore, STOP_WORKER, type SharedBuffers, type SharedSearch } from './sharedStore.ts';
import type { WorkerReply } from './parallel.ts';

interface Job {
  readonly id: number;
  readonly model: string;
  readonly params: Params;
  readonly options: ExploreOptions;
  readonly buffers: SharedBuffers;
}

const job = workerData as Job;
const post = (reply: WorkerReply): void => parentPort!.postMessage(reply);
try {
  const numbering = new SharedStore(undefined, job.buffers);
  const model = compileModel(await loadModel(job.model), job.params, (name) => numbering.routineNumber(name));
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
  const outcome = explore(model, { ...job.options, shared });
  if (info !== undefined) post({ kind: 'finished', info, witnesses: outcome.witnesses, ...(outcome.stats.reduction ? { reduction: outcome.stats.reduction } : {}) });
  else post({ kind: 'result', outcome, won: store.claimStop(STOP_WORKER) });
} catch (thrown) {
  new SharedStore(undefined, job.buffers).claimStop(STOP_WORKER);
  post({ kind: 'error', message: thrown instanceof Error ? thrown.message : String(thrown), name: thrown instanceof Error ? thrown.name : 'Error' });
}
