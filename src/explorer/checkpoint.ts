/**
 * Snapshots of a compiled search (kernel.ts), taken between expansions, and what a resumed search
 * must agree with. The engine only hands a snapshot to `ExploreOptions.checkpoint.save` and takes
 * one back as `ExploreOptions.resume`; writing and reading files is the caller's (src/cli/checkpointFile.ts).
 *
 * A snapshot is everything the search would otherwise still hold: the visited set (fingerprint
 * table, parents and steps), the frontier (packed vectors with their index and depth), the
 * depths the cycle proviso reads, the counters, the `sometimes` witnesses, the lock-order graph,
 * and the layout the vectors are packed in (with the dictionaries learnt so far) and the routine
 * numbering its frames use. Resumed from it, the search makes exactly the moves it would have made.
 */
import { UsageError } from '../core/errors.ts';
import type { LayoutData } from '../core/compiled/space.ts';
import type { Model, Params } from '../core/model.ts';
import type { LockEdge } from './lockOrder.ts';
import type { ExploreConfig, Strategy } from './options.ts';

/** Bumped whenever the snapshot's contents change meaning. */
export const SNAPSHOT_FORMAT = 1;

/** What a snapshot belongs to: the model and every option that changes which states the search visits or how it ends. */
export interface SearchIdentity {
  readonly model: string;
  readonly params: Params;
  readonly strategy: Strategy;
  readonly por: boolean;
  /** null: no bound. */
  readonly maxDepth: number | null;
  readonly maxStates: number | null;
  /** The selected properties, sorted; null: all. */
  readonly properties: readonly string[] | null;
  /** Symmetry reduction's representative, for a model that declares symmetry (else false; absent in older checkpoints). */
  readonly symmetry?: 'canonical' | 'sorted' | false;
}

/** The plain-data part of a snapshot. */
export interface SnapshotHeader {
  readonly format: number;
  readonly identity: SearchIdentity;
  /** Routine names by index, as the frames in the vectors number them. */
  readonly routines: readonly string[];
  readonly layout: LayoutData;
  readonly vectorBytes: number;
  readonly elapsedMs: number;
  readonly relayouts: number;
  readonly states: number;
  readonly queued: number;
  readonly tally: TallyCounts;
  readonly reduction: { readonly pruned: number; readonly provisoExpansions: number } | null;
  readonly lockOrder: { readonly edges: readonly LockEdge[]; readonly inversion: readonly LockEdge[] | null } | null;
}

export interface TallyCounts {
  readonly transitions: number;
  readonly maxDepth: number;
  readonly expanded: number;
  readonly truncated: boolean;
  /** Path to each `sometimes` property's witness, null while none was found. */
  readonly found: readonly (readonly number[] | null)[];
}

/** The typed arrays of a snapshot. */
export interface SnapshotArrays {
  /** The fingerprint table (two words a slot). */
  readonly table: Int32Array;
  /** With partial-order reduction: the state index in each slot. */
  readonly indices?: Int32Array;
  readonly parents: Int32Array;
  readonly vias: Uint16Array;
  /** With partial-order reduction: the depth each state was stored at. */
  readonly depths?: Int32Array;
  /** Queued vectors, oldest first, and each one's store index and depth. */
  readonly vectors: Uint32Array;
  readonly queue: Int32Array;
  /** The initial state's vector (the resumed space must pack it alike). */
  readonly initial: Uint32Array;
}

/**
 * A search's state between two expansions. The arrays may be views of the live search: a `save`
 * callback must write (or copy) them before it returns.
 */
export interface SearchSnapshot {
  readonly header: SnapshotHeader;
  readonly arrays: SnapshotArrays;
}

/** `ExploreOptions.checkpoint`. */
export interface CheckpointOptions {
  /** Take a snapshot this often (milliseconds of search). */
  readonly everyMs: number;
  readonly save: (snapshot: SearchSnapshot) => void;
  /** Read with the clock: true asks for a snapshot now (e.g. before the process stops on a signal). */
  readonly requested?: () => boolean;
}

export function searchIdentity<G>(model: Model<G>, cfg: Pick<ExploreConfig, 'strategy' | 'por' | 'maxDepth' | 'maxStates' | 'properties' | 'symmetry'>): SearchIdentity {
  const bound = (n: number): number | null => (Number.isFinite(n) ? n : null);
  return {
    model: model.name,
    params: model.params,
    strategy: cfg.strategy,
    por: cfg.por,
    maxDepth: bound(cfg.maxDepth),
    maxStates: bound(cfg.maxStates),
    properties: cfg.properties ? [...cfg.properties].sort() : null,
    symmetry: (model.symmetry?.length ?? 0) > 0 ? cfg.symmetry : false,
  };
}

const LABELS: Record<keyof SearchIdentity, string> = {
  model: 'model',
  params: 'parameters',
  strategy: 'strategy',
  por: 'partial-order reduction',
  maxDepth: 'maximum depth',
  maxStates: 'maximum states',
  properties: 'property selection',
  symmetry: 'symmetry reduction',
};

/** How `now` differs from `saved`, one phrase per field ("strategy: dfs in the snapshot, bfs now"), or [] when they agree. */
export function identityDifferences(saved: SearchIdentity, now: SearchIdentity): string[] {
  const show = (v: unknown): string => (v === null ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const out: string[] = [];
  for (const key of Object.keys(LABELS) as (keyof SearchIdentity)[]) {
    const a = key === 'params' ? sortedParams(saved.params) : key === 'symmetry' ? (saved.symmetry ?? false) : saved[key];
    const b = key === 'params' ? sortedParams(now.params) : key === 'symmetry' ? (now.symmetry ?? false) : now[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${LABELS[key]}: ${show(a)} in the checkpoint, ${show(b)} now`);
  }
  return out;
}

function sortedParams(p: Params): Params {
  return Object.fromEntries(Object.entries(p).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Throws a UsageError unless `snapshot` was taken by a search of this model with these options. */
export function checkResumable<G>(snapshot: SearchSnapshot, model: Model<G>, cfg: ExploreConfig): void {
  const h = snapshot.header;
  if (h.format !== SNAPSHOT_FORMAT) throw new UsageError(`the checkpoint has format ${h.format}, this version reads format ${SNAPSHOT_FORMAT}: start the search again`);
  const diff = identityDifferences(h.identity, searchIdentity(model, cfg));
  if (diff.length > 0) throw new UsageError(`the checkpoint belongs to another search (${diff.join('; ')}); resume with the model, parameters and options it was written with, or start again`);
}

/** Throws a UsageError unless every routine `model` has numbered so far has the number the snapshot gave it. */
export function checkRoutines<G>(snapshot: SearchSnapshot, model: Model<G>): void {
  snapshot.header.routines.forEach((saved, i) => {
    const now = routineName(model, i);
    if (now !== undefined && now !== saved) {
      throw new UsageError(`routine ${i} is "${now}" in the model but "${saved}" in the checkpoint: compile the model with the checkpoint's routine numbering (routineNumbering), or start again`);
    }
  });
}

/**
 * Assigns routine indices by name, the checkpoint's names first (see `compileModel`'s
 * `numbering`): a resumed search's frames then mean what the snapshot's frames meant.
 */
export function routineNumbering(saved: readonly string[] = []): (name: string) => number {
  const index = new Map<string, number>();
  for (const name of saved) {
    if (index.has(name)) throw new UsageError(`the checkpoint names two routines "${name}": it cannot be resumed`);
    index.set(name, index.size);
  }
  return (name) => {
    let i = index.get(name);
    if (i === undefined) index.set(name, (i = index.size));
    return i;
  };
}

/**
 * Routine names by index: those `model` has numbered, and where it has not used a routine yet, the
 * name `saved` (the snapshot it resumed from) gives it; the model numbers new routines after those.
 */
export function routineNames<G>(model: Model<G>, saved: readonly string[] = []): string[] {
  const names: string[] = [];
  for (let i = 0; ; i++) {
    const name = routineName(model, i) ?? saved[i];
    if (name === undefined) return names;
    names.push(name);
  }
}

/** The name of routine `i`, if the model has numbered one so. */
export function routineName<G>(model: Model<G>, i: number): string | undefined {
  try {
    return model.routineAt(i).name;
  } catch {
    return undefined;
  }
}
