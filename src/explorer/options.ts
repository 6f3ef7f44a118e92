import { UsageError } from '../core/errors.ts';
import type { World } from '../core/world.ts';
import type { ProgressReport } from './result.ts';
import type { SharedSearch } from './sharedStore.ts';
import type { CheckpointOptions, SearchSnapshot } from './checkpoint.ts';

export type Strategy = 'bfs' | 'dfs';

/** What callers may pass to `explore`. Every field is optional; `resolveOptions` fills defaults. */
export interface ExploreOptions {
  /** `bfs` (default) finds shortest counterexamples; `dfs` uses less frontier memory. */
  readonly strategy?: Strategy;
  /** Stop with verdict `incomplete` once this many unique states are stored. */
  readonly maxStates?: number;
  /** Do not expand states deeper than this; if any were cut off, the verdict is `incomplete`. */
  readonly maxDepth?: number;
  /** Stop with verdict `incomplete` after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Apply every step of the first N expanded states twice and compare, to catch nondeterministic models early. */
  readonly determinismChecks?: number;
  /** Called about every `progressIntervalMs` during long runs. */
  readonly onProgress?: (progress: ProgressReport) => void;
  readonly progressIntervalMs?: number;
  /** Injected clock (tests); defaults to Date.now. */
  readonly now?: () => number;
  /**
   * Check only these properties (names; `deadlock` for deadlock detection). Steps that fail an
   * assertion not in the list are pruned: their successors are not explored. Default: all.
   */
  readonly properties?: readonly string[];
  /**
   * Key the visited set by full canonical encodings instead of 64-bit fingerprints: no risk of a
   * fingerprint collision hiding a state, at many times the memory per state. Default false.
   */
  readonly exact?: boolean;
  /**
   * Keep queued BFS states as bytes instead of objects (rebuilt when expanded): a far smaller queue
   * on large models, for some time per state. Default false.
   */
  readonly compactFrontier?: boolean;
  /** Stop with verdict `incomplete` (budget `maxMemory`) once `memoryProbe` reports more than this many MiB. */
  readonly maxMemoryMiB?: number;
  /**
   * Memory in use in bytes (e.g. `() => process.memoryUsage().heapUsed`), read about every
   * `progressIntervalMs`/4 for `maxMemoryMiB` and progress reports; the engine itself does no I/O.
   */
  readonly memoryProbe?: () => number;
  /** Internal: set by a parallel-search worker (see parallel.ts); the loop then uses the shared store and work queue. */
  readonly shared?: SharedSearch;
  /** Partial-order reduction by ample sets (src/reduction/por.ts). Default off for API calls. */
  readonly por?: boolean;
  /**
   * Symmetry reduction over the model's declared symmetry groups: `true` or `canonical` stores one
   * least representative per class, `sorted` Stateright's cheaper sort-by-key representative.
   * Default off for API calls; no effect on a model without symmetry groups.
   */
  readonly symmetry?: boolean | 'canonical' | 'sorted';
  /** Called with each state the search stores (the actual state, not a representative); for tests. */
  readonly onStore?: (world: World<unknown>) => void;
  /**
   * `compiled` (default): packed state vectors through generated accessors (src/core/compiled), for
   * the searches it supports, else the reference space with the reason in `stats.engine.fallback`.
   * `reference`: immer over frozen objects, the space the compiled one is tested against.
   */
  readonly engine?: Engine;
  /**
   * Written by the search as it goes, for a watchdog on another thread (see `Heartbeat`): what it
   * is doing now, so a step that never returns can be named. Usually over a SharedArrayBuffer.
   */
  readonly heartbeat?: Int32Array;
  /**
   * Hand a snapshot of the search to `checkpoint.save` every `checkpoint.everyMs` (and when
   * `checkpoint.requested()` says so), between two expansions; compiled space, one worker only.
   */
  readonly checkpoint?: CheckpointOptions;
  /**
   * Continue the search a snapshot was taken of (it must be of this model, with these options).
   * Called once; the search takes the snapshot's arrays over (the table without a copy), so the
   * caller should keep no other reference to it.
   */
  readonly resume?: () => SearchSnapshot;
}

/** Slots of `ExploreOptions.heartbeat`. */
export const Heartbeat = {
  /** Incremented before every step applied. */
  beat: 0,
  /** Store index of the state being expanded. */
  state: 1,
  /** The step being applied: thread, routine, statement, alternative, and its index in the enabled list. */
  tid: 2,
  fn: 3,
  stmt: 4,
  alt: 5,
  choice: 6,
  /** States stored and steps applied so far. */
  states: 7,
  transitions: 8,
  size: 9,
} as const;

export type Engine = 'compiled' | 'reference';

export interface ExploreConfig {
  readonly strategy: Strategy;
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly timeoutMs: number;
  readonly determinismChecks: number;
  readonly onProgress: ((progress: ProgressReport) => void) | undefined;
  readonly progressIntervalMs: number;
  readonly now: () => number;
  /** Undefined: check everything. */
  readonly properties: ReadonlySet<string> | undefined;
  readonly exact: boolean;
  readonly compactFrontier: boolean;
  readonly maxMemoryMiB: number;
  readonly memoryProbe: (() => number) | undefined;
  readonly shared: SharedSearch | undefined;
  readonly por: boolean;
  readonly symmetry: 'canonical' | 'sorted' | false;
  readonly onStore: ((world: World<unknown>) => void) | undefined;
  readonly engine: Engine;
  readonly heartbeat: Int32Array | undefined;
  readonly checkpoint: CheckpointOptions | undefined;
  readonly resume: (() => SearchSnapshot) | undefined;
}

export function resolveOptions(options: ExploreOptions = {}): ExploreConfig {
  const strategy = options.strategy ?? 'bfs';
  if (strategy !== 'bfs' && strategy !== 'dfs') {
    throw new UsageError(`strategy must be "bfs" or "dfs", got "${String(strategy)}"`);
  }
  if (options.maxMemoryMiB !== undefined && options.memoryProbe === undefined) {
    throw new UsageError('maxMemoryMiB needs a memoryProbe (e.g. () => process.memoryUsage().heapUsed)');
  }
  return {
    strategy,
    maxStates: positive('maxStates', options.maxStates, Number.POSITIVE_INFINITY),
    maxDepth: positive('maxDepth', options.maxDepth, Number.POSITIVE_INFINITY),
    timeoutMs: positive('timeoutMs', options.timeoutMs, Number.POSITIVE_INFINITY),
    determinismChecks: positive('determinismChecks', options.determinismChecks, 64, true),
    onProgress: options.onProgress,
    progressIntervalMs: positive('progressIntervalMs', options.progressIntervalMs, 1000),
    now: options.now ?? Date.now,
    properties: options.properties ? new Set(options.properties) : undefined,
    exact: options.exact === true,
    compactFrontier: options.compactFrontier === true,
    maxMemoryMiB: positive('maxMemoryMiB', options.maxMemoryMiB, Number.POSITIVE_INFINITY),
    memoryProbe: options.memoryProbe,
    shared: options.shared,
    por: options.por === true,
    symmetry: symmetryMode(options.symmetry),
    onStore: options.onStore,
    engine: engineOf(options.engine),
    heartbeat: heartbeatOf(options.heartbeat),
    checkpoint: checkpointOf(options.checkpoint),
    resume: options.resume,
  };
}

function positive(name: string, value: number | undefined, fallback: number, zeroOk = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new UsageError(`${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

function symmetryMode(value: ExploreOptions['symmetry']): 'canonical' | 'sorted' | false {
  if (value === undefined || value === false) return false;
  if (value === true || value === 'canonical') return 'canonical';
  if (value === 'sorted') return 'sorted';
  throw new UsageError(`symmetry must be true, false, "canonical" or "sorted", got "${String(value)}"`);
}

function engineOf(value: ExploreOptions['engine']): Engine {
  if (value === undefined) return 'compiled';
  if (value === 'compiled' || value === 'reference') return value;
  throw new UsageError(`engine must be "compiled" or "reference", got "${String(value)}"`);
}

function heartbeatOf(value: Int32Array | undefined): Int32Array | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Int32Array) || value.length < Heartbeat.size) throw new UsageError(`heartbeat must be an Int32Array of at least ${Heartbeat.size} slots`);
  return value;
}

function checkpointOf(value: CheckpointOptions | undefined): CheckpointOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value.everyMs !== 'number' || !(value.everyMs > 0) || typeof value.save !== 'function') throw new UsageError('checkpoint needs everyMs (a positive number of milliseconds) and a save function');
  return value;
}
