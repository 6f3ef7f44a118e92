/**
 * `check --checkpoint DIR [--checkpoint-every MINUTES]` and `check --resume DIR`: which runs can be
 * checkpointed, whether a checkpoint belongs to this run, and the explorer options that write
 * checkpoints (checkpointFile.ts) and resume from one, on whichever thread searches.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { compileModel, type AnyModelDefinition, type Params } from '../core/model.ts';
import { identityDifferences, routineNumbering, searchIdentity, type CheckpointOptions, type SearchSnapshot } from '../explorer/checkpoint.ts';
import type { CheckOptions } from '../explorer/check.ts';
import { livenessProperties } from '../explorer/liveness.ts';
import { resolveOptions } from '../explorer/options.ts';
import { readCheckpoint, readCheckpointHeader, runDifferences, writeCheckpoint, type CheckpointHeader, type RunIdentity } from './checkpointFile.ts';

export const DEFAULT_CHECKPOINT_MINUTES = 5;

/** What the searching thread needs to write and resume checkpoints: plain data. */
export interface CheckpointPlan {
  /** Where checkpoints are written. */
  readonly dir: string;
  readonly everyMs: number;
  /** Resume from the checkpoint in this folder. */
  readonly resumeFrom?: string;
  readonly run: RunIdentity;
}

/** The flags of `check` that matter here. */
export interface CheckpointArgs {
  readonly spec: string;
  readonly checkpoint?: string | undefined;
  readonly checkpointEvery?: number | undefined;
  readonly resume?: string | undefined;
  readonly workers: number;
  readonly engine?: string | undefined;
  readonly exact?: boolean | undefined;
  readonly preemptionBound?: number | undefined;
  readonly continue?: boolean | undefined;
  /** `--cluster`: `--resume` then names the cluster's run, not a checkpoint (give it as undefined here). */
  readonly cluster?: string | undefined;
  readonly version: string;
}

/**
 * The plan for this run, or undefined without --checkpoint and --resume. Refuses (UsageError) what
 * cannot be checkpointed and, when resuming, a checkpoint written by another run, saying what differs.
 * `--resume DIR` alone goes on writing checkpoints to DIR.
 */
export function checkpointPlan(a: CheckpointArgs, definition: AnyModelDefinition, params: Params, options: CheckOptions): { plan: CheckpointPlan; resumed?: CheckpointHeader } | undefined {
  if (a.checkpoint === undefined && a.resume === undefined) {
    if (a.checkpointEvery !== undefined) throw new UsageError('--checkpoint-every needs --checkpoint DIR');
    return undefined;
  }
  const flag = a.resume !== undefined ? '--resume' : '--checkpoint';
  const refuse = (what: string, why: string): never => {
    throw new UsageError(`${flag} does not combine with ${what}: ${why}`);
  };
  if (a.cluster !== undefined) refuse('--cluster', 'a distributed search keeps its state in Redis');
  if (a.workers > 1) refuse('--workers', 'checkpoints are taken of a single-worker search');
  if (a.engine === 'reference') refuse('--engine reference', 'checkpoints are taken of the compiled state space');
  if (a.exact) refuse('--exact', 'the exact visited set (whole vectors) is not checkpointed');
  if (a.preemptionBound !== undefined) refuse('--preemption-bound', 'the preemption-bounded search is not checkpointed');
  if (a.continue) refuse('--continue', 'it runs one search per violated property');
  const minutes = a.checkpointEvery ?? DEFAULT_CHECKPOINT_MINUTES;
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) throw new UsageError(`--checkpoint-every must be a positive number of minutes, got ${String(minutes)}`);
  const file = resolve(a.spec);
  const run: RunIdentity = { version: a.version, fairness: options.fairness ?? 'weak', source: /\.(m|c)?(t|j)s$/.test(a.spec) && existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : null };
  const plan: CheckpointPlan = { dir: a.checkpoint ?? a.resume!, everyMs: minutes * 60_000, ...(a.resume !== undefined ? { resumeFrom: a.resume } : {}), run };
  if (a.resume === undefined) return { plan };
  const header = readCheckpointHeader(a.resume);
  const now = searchIdentity(compileModel(definition, params, routineNumbering(header.search.routines)), resolveOptions(options));
  const diff = [...runDifferences(header.run, run), ...identityDifferences(header.search.identity, now)];
  if (diff.length > 0) {
    throw new UsageError(
      `the checkpoint in ${a.resume} belongs to another run (${diff.join('; ')}): resume with the model, parameters (-p) and options it was written with, or start again without --resume`,
    );
  }
  return { plan, resumed: header };
}

/** What a run with a plan says before it starts (stderr): where it resumes from, and what the checkpoints do not cover. */
export function checkpointNotes(definition: AnyModelDefinition, params: Params, options: CheckOptions, plan: CheckpointPlan, resumed: CheckpointHeader | undefined): string[] {
  const n = (x: number): string => x.toLocaleString('en-US');
  const notes: string[] = [];
  if (resumed) {
    const s = resumed.search;
    notes.push(`interleave: resuming from ${plan.resumeFrom} (written ${resumed.written}): ${n(s.states)} states, ${n(s.queued)} queued, ${(s.elapsedMs / 1000).toFixed(1)} s of search so far`);
  }
  if (livenessProperties(compileModel(definition, params), options.properties).length > 0) {
    notes.push('interleave: checkpoints cover the safety search only; the liveness check that follows it is not checkpointed (a resumed run builds its graph from the start)');
  }
  return notes;
}

/** Hooks of the thread that searches (searchWorker.ts): the watchdog must not take a long write for a stuck step. */
export interface CheckpointHooks {
  readonly saving?: (busy: boolean) => void;
  readonly saved?: (info: { states: number; bytes: number; ms: number }) => void;
  /** A checkpoint could not be written (the search goes on, and tries again at the next interval). */
  readonly failed?: (message: string) => void;
  readonly requested?: () => boolean;
}

/**
 * The explorer options that carry out `plan` (reading the checkpoint to resume from, if any) and the
 * routine numbering the model must be compiled with (the checkpoint's, so that its frames mean
 * what they meant).
 */
export function checkpointing(
  plan: CheckpointPlan,
  hooks: CheckpointHooks = {},
  write = true,
): { options: { checkpoint?: CheckpointOptions; resume?: () => SearchSnapshot }; numbering: (name: string) => number; stored?: { parents: Int32Array; vias: Uint16Array } } {
  let loaded = plan.resumeFrom !== undefined ? readCheckpoint(plan.resumeFrom).snapshot : undefined;
  const numbering = routineNumbering(loaded?.header.routines);
  // Without writing (the watchdog's second run), the parents of the states stored before the checkpoint are wanted too.
  const stored = !write && loaded ? { parents: loaded.arrays.parents, vias: loaded.arrays.vias } : undefined;
  // The search takes the snapshot over: no reference to it is kept here once it is handed on.
  const resume = (): SearchSnapshot => {
    const s = loaded!;
    loaded = undefined;
    return s;
  };
  const save = (snapshot: SearchSnapshot): void => {
    const started = Date.now();
    hooks.saving?.(true);
    try {
      const bytes = writeCheckpoint(plan.dir, snapshot, plan.run);
      hooks.saved?.({ states: snapshot.header.states, bytes, ms: Date.now() - started });
    } catch (e) {
      // A full disk should not end a long search: say so, and try again at the next interval.
      const message = `interleave: could not write a checkpoint to ${plan.dir} (${e instanceof Error ? e.message : String(e)}); the search goes on and tries again at the next interval`;
      if (hooks.failed === undefined) throw e;
      hooks.failed(message);
    } finally {
      hooks.saving?.(false);
    }
  };
  const checkpoint: CheckpointOptions = { everyMs: plan.everyMs, save, ...(hooks.requested ? { requested: hooks.requested } : {}) };
  return { options: { ...(write ? { checkpoint } : {}), ...(loaded ? { resume } : {}) }, numbering, ...(stored ? { stored } : {}) };
}

