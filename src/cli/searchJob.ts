/**
 * What crosses between the main thread and the search thread of `interleave check` (searchThread.ts,
 * searchWorker.ts), and the thread itself: light to import, since main.ts starts the thread first.
 */
import { Worker } from 'node:worker_threads';
import type { ModelErrorSite } from '../core/errors.ts';
import type { Params } from '../core/model.ts';
import type { CheckOptions } from '../explorer/check.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { Heartbeat } from '../explorer/options.ts';
import type { ProgressReport } from '../explorer/result.ts';
import type { CheckpointPlan } from './checkpointRun.ts';

/** What the search thread is doing, in the control slot after the heartbeat. */
export const Phase = {
  /** Loading and compiling the model. */
  loading: 0,
  /** The safety search: it beats before every step, so a beat that stops means a step that does not return. */
  search: 1,
  /** Liveness and the rest: no beats. */
  after: 2,
  /** Writing a checkpoint (no beats meanwhile, and none are missed). */
  saving: 3,
} as const;

/** Options as they cross threads: no functions (the thread makes its own memory probe and progress callback). */
export type PlainCheckOptions = Omit<CheckOptions, 'onProgress' | 'now' | 'memoryProbe' | 'onStore' | 'heartbeat' | 'shared'>;

export interface SearchJob {
  readonly spec: string;
  readonly params: Params;
  readonly options: PlainCheckOptions;
  /** Post progress reports (the main thread prints them). */
  readonly progress: boolean;
  /** The heartbeat (`Heartbeat.size` slots), one control slot (`Phase`), one checkpoint request slot. */
  readonly shared: SharedArrayBuffer;
  /** The watchdog's second run: learn replay paths from beat `from` on, and publish them (pathRecorder.ts). */
  readonly diagnose?: { readonly from: number; readonly published: SharedArrayBuffer };
  /** `--checkpoint`, `--resume` (checkpointRun.ts). */
  readonly checkpoint?: CheckpointPlan;
}

export type SearchReply =
  | { kind: 'progress'; report: ProgressReport }
  | { kind: 'result'; outcome: ExploreOutcome }
  | { kind: 'checkpoint'; states: number; bytes: number; ms: number }
  | { kind: 'note'; message: string }
  | { kind: 'error'; name: string; message: string; problem?: string; site?: ModelErrorSite; hint?: string; stack?: string };

export function sharedSlots(): SharedArrayBuffer {
  return new SharedArrayBuffer((Heartbeat.size + 2) * Int32Array.BYTES_PER_ELEMENT);
}

export function heartbeatOf(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, 0, Heartbeat.size);
}

export function controlOf(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, Heartbeat.size * Int32Array.BYTES_PER_ELEMENT, 1);
}

/** The slot after the control slot: 1 asks the search for a checkpoint now (before it is stopped by a signal). */
export function checkpointRequestOf(shared: SharedArrayBuffer): Int32Array {
  return new Int32Array(shared, (Heartbeat.size + 1) * Int32Array.BYTES_PER_ELEMENT, 1);
}

/** A search thread, started early and used at most once. */
export class SearchThread {
  private constructor(readonly worker: Worker) {}

  static start(): SearchThread {
    return new SearchThread(new Worker(new URL('./searchBoot.js', import.meta.url)));
  }

  /** Ends the thread (whatever it is doing). */
  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
