import type { PropertyKind } from '../core/property.ts';

export interface Stats {
  /** Unique states stored. */
  readonly states: number;
  /** Steps applied (edges explored, including those reaching known states). */
  readonly transitions: number;
  /** Greatest depth (steps from an initial state) of a stored state. */
  readonly depth: number;
  readonly elapsedMs: number;
  readonly statesPerSecond: number;
  /** Bytes held by the visited set (typed arrays; estimated in exact mode). */
  readonly storeBytes?: number;
  /**
   * Estimated probability that two distinct states shared a 64-bit fingerprint, so that one was
   * taken as visited and not explored (n states: about n²/2^65). 0 in exact mode.
   */
  readonly collisionProbability?: number;
  /** Parallel search: milliseconds (within elapsedMs) before the last worker had loaded the model and started exploring. */
  readonly startupMs?: number;
  /** Parallel search: why no worker was started (the coordinator's first states held the whole search). */
  readonly workersNote?: string;
  /** Present when a reduction was on: what it was and how many enabled steps it left unexpanded. */
  readonly reduction?: ReductionStats;
  /** Which state space ran the search (see `ExploreOptions.engine`). */
  readonly engine?: EngineStats;
  /** A distributed search (`--cluster`): where it ran and what it cost. */
  readonly cluster?: ClusterStats;
}

export interface ClusterStats {
  /** The run's name in Redis. */
  readonly run: string;
  readonly partitions: number;
  /** Workers that joined the run. */
  readonly workers: number;
  /** Commands the workers sent to Redis (a pipelined command or script call counts once). */
  readonly clientCommands: number;
  /** Bytes of states and fingerprints the workers sent. */
  readonly bytesSent: number;
  /** CPU time the workers used, added up. */
  readonly workerCpuMs: number;
  /** Redis's memory at the end of the search. */
  readonly redisMemoryBytes: number;
  /** What the distributed search did differently from a local one (reductions it cannot apply). */
  readonly notes?: readonly string[];
}

export interface EngineStats {
  readonly name: 'compiled' | 'reference';
  /** Compiled: bytes per packed state vector. */
  readonly vectorBytes?: number;
  /** Compiled: how many times the layout grew and the search started again. */
  readonly relayouts?: number;
  /** Reference chosen although the compiled space was asked for: why. */
  readonly fallback?: string;
}

export interface ReductionStats {
  /** Partial-order reduction was applied (false when requested but off for this search; see `porOff`). */
  readonly por: boolean;
  readonly porOff?: string;
  /** Why symmetry reduction was dropped and the search repeated without it. */
  readonly symmetryOff?: string;
  readonly symmetry: 'canonical' | 'sorted' | false;
  /** Enabled steps left unexpanded by ample sets. */
  readonly prunedSteps: number;
  /** States whose ample set the cycle proviso rejected (expanded fully). */
  readonly provisoExpansions: number;
}

export interface ProgressReport extends Stats {
  readonly queued: number;
  /** Heap in use, when the explorer was given a memory probe. */
  readonly memoryMiB?: number;
  /** Set by a parallel search, whose coordinator knows neither the workers' queues nor their depth (`queued` and `depth` are then 0). */
  readonly workers?: number;
}

/** A replay path: indices into the enabled-step list of each successive state. */
export type ReplayPath = readonly number[];

export interface Witness {
  readonly property: string;
  /** Path to the first state found that satisfies it, or null if none was reached. */
  readonly path: ReplayPath | null;
}

export interface BlockedThread {
  readonly actor: string;
  readonly step: string;
  readonly waitsFor: string;
  /** Actors holding what it waits for: its edges in the wait-for graph. */
  readonly heldBy: readonly string[];
}

export interface LockOrderEdge {
  /** Held while `to` was taken. */
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  readonly step: string;
  readonly path: ReplayPath;
}

export interface PropertyRef {
  readonly name: string;
  readonly kind: PropertyKind;
}

export type ExploreResult =
  | {
      readonly verdict: 'pass';
      readonly stats: Stats;
      readonly witnesses: readonly Witness[];
      /** Liveness properties that were checked on the full state graph, and the fairness assumed. */
      readonly liveness?: {
        readonly fairness: string;
        readonly properties: readonly string[];
        readonly states: number;
        /** Set when a reduction was asked for: liveness ran on the full graph anyway (reductions do not preserve it). */
        readonly unreduced?: true;
      };
    }
  | {
      readonly verdict: 'violation';
      readonly property: PropertyRef;
      readonly message: string;
      /** Null when the property is a `sometimes` that no reachable state satisfies. */
      readonly path: ReplayPath | null;
      readonly stats: Stats;
      readonly witnesses: readonly Witness[];
      /**
       * For a liveness violation (a lasso): index into `path` where the repeating cycle begins; the
       * steps from there to the end return to the state reached after `path[0..cycleStart)`. Equal to
       * the path's length when the execution just stops there.
       */
      readonly cycleStart?: number;
      /** For a "lock order" violation: each acquisition in the cycle, with a path that ends by taking it. */
      readonly lockOrder?: readonly LockOrderEdge[];
    }
  | {
      readonly verdict: 'deadlock';
      readonly message: string;
      readonly path: ReplayPath;
      /** Who is stuck and on what (empty when a step itself detected a certain deadlock). */
      readonly blocked: readonly BlockedThread[];
      readonly stats: Stats;
      readonly witnesses: readonly Witness[];
    }
  | {
      readonly verdict: 'incomplete';
      readonly budget: 'maxStates' | 'maxDepth' | 'timeout' | 'maxMemory';
      readonly stats: Stats;
      readonly witnesses: readonly Witness[];
    };

export function formatPath(path: ReplayPath): string {
  return path.join('/');
}

/** Parses `0/2/1` (or an empty string for the initial state). Returns undefined on malformed input. */
export function parsePath(text: string): number[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '-') return [];
  const parts = trimmed.split('/');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return undefined;
    out.push(Number(p));
  }
  return out;
}
