/**
 * The thread that runs `interleave check`'s search (see searchThread.ts). It loads its modules as
 * soon as it starts, while the main thread is still reading its arguments, then waits for one job:
 * load the model, run the safety search with the shared heartbeat, then the rest of the check.
 */
import { parentPort } from 'node:worker_threads';
import { ModelError } from '../core/errors.ts';
import { compileModel } from '../core/model.ts';
import { checkModel } from '../explorer/check.ts';
import { explore } from '../explorer/explore.ts';
import type { ProgressReport } from '../explorer/result.ts';
import { loadModel } from './loadModel.ts';
import { recordingHeartbeat } from './pathRecorder.ts';
import { memoryGuard } from './progress.ts';
import { checkpointing } from './checkpointRun.ts';
import { checkpointRequestOf, controlOf, heartbeatOf, Phase, type SearchJob, type SearchReply } from './searchJob.ts';

const post = (reply: SearchReply): void => parentPort!.postMessage(reply);

async function run(job: SearchJob): Promise<void> {
  const phase = controlOf(job.shared);
  const beat = heartbeatOf(job.shared);
  const request = checkpointRequestOf(job.shared);
  // Checkpoints: written from this thread, with the watchdog told (Phase.saving) so that a long write is not taken for a stuck step.
  const cp = job.checkpoint
    ? checkpointing(
        job.checkpoint,
        {
          saving: (busy) => Atomics.store(phase, 0, busy ? Phase.saving : Phase.search),
          saved: (info) => post({ kind: 'checkpoint', ...info }),
          failed: (message) => post({ kind: 'note', message }),
          requested: () => Atomics.exchange(request, 0, 0) === 1,
        },
        job.diagnose === undefined,
      )
    : undefined;
  const model = compileModel(await loadModel(job.spec), job.params, cp?.numbering);
  const heartbeat = job.diagnose ? recordingHeartbeat(beat, job.diagnose.from, new Int32Array(job.diagnose.published), cp?.stored) : beat;
  const options = {
    ...job.options,
    ...memoryGuard(job.options.maxMemoryMiB),
    ...cp?.options,
    heartbeat,
    ...(job.progress ? { onProgress: (report: ProgressReport) => post({ kind: 'progress', report }) } : {}),
  };
  Atomics.store(phase, 0, Phase.search);
  const safety = explore(model, options);
  Atomics.store(phase, 0, Phase.after);
  post({ kind: 'result', outcome: job.diagnose ? safety : checkModel(model, options, safety) });
}

parentPort!.once('message', (job: SearchJob) => {
  run(job).catch((thrown: unknown) => {
    if (thrown instanceof ModelError) post({ kind: 'error', name: 'ModelError', message: thrown.message, problem: thrown.problem, site: thrown.site, ...(thrown.hint !== undefined ? { hint: thrown.hint } : {}) });
    else if (thrown instanceof Error) post({ kind: 'error', name: thrown.name, message: thrown.message, ...(thrown.stack !== undefined ? { stack: thrown.stack } : {}) });
    else post({ kind: 'error', name: 'Error', message: String(thrown) });
  });
});
