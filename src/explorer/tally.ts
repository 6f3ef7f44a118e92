/**
 * What a search keeps besides its states, and the results it can end with: counts, the witnesses
 * of `sometimes` properties, and the outcomes (violation, deadlock, budget, lock-order inversion,
 * the end of a complete search), the same for the compiled and the reference loop.
 */
import { ModelError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import type { ExploreOutcome } from './explore.ts';
import { inversionViolation, type LockOrderGraph } from './lockOrder.ts';
import type { Failure, PropertyChecks } from './propertyChecks.ts';
import { formatPath, type BlockedThread, type ExploreResult, type Stats, type Witness } from './result.ts';
import { Heartbeat, type ExploreConfig } from './options.ts';
import type { SharedSearch } from './sharedStore.ts';
import type { TallyCounts } from './checkpoint.ts';

/** The store as a tally needs it. */
export interface TallyStore {
  readonly size: number;
  pathTo(i: number): number[];
  bytes(): number;
  collisionProbability(): number;
}

export type Budget = Extract<ExploreResult, { verdict: 'incomplete' }>['budget'];

export class SearchTally<G> {
  transitions = 0;
  maxDepth = 0;
  expanded = 0;
  truncated = false;
  /** A checkpoint is due (`ExploreConfig.checkpoint`): the loop takes one before its next expansion. */
  checkpointDue = false;
  /** Indices of the `sometimes` properties not yet witnessed, and the path to each witness. */
  readonly pending: Set<number>;
  readonly found: (number[] | null)[];

  constructor(
    private readonly model: Model<G>,
    private readonly checks: PropertyChecks<G>,
    private readonly store: TallyStore,
    private readonly lockOrder: LockOrderGraph | undefined,
    private readonly now: () => number,
    readonly started: number,
    /** Stats the loop adds (engine, reduction). */
    private readonly more: () => Partial<Stats>,
    /** The encodings along the path to a state, for a replay to compare with (none under symmetry). */
    private readonly keysTo: (state: number) => { pathKeys?: readonly string[] },
  ) {
    this.pending = new Set(checks.sometimes.map((_, i) => i));
    this.found = checks.sometimes.map(() => null);
    this.lastProgress = started;
    this.lastMemoryCheck = started;
    this.lastCheckpoint = now();
  }

  /** The counts a snapshot keeps (src/explorer/checkpoint.ts). */
  counts(): TallyCounts {
    return { transitions: this.transitions, maxDepth: this.maxDepth, expanded: this.expanded, truncated: this.truncated, found: this.found };
  }

  /** Counts from a snapshot. */
  restore(c: TallyCounts): void {
    this.transitions = c.transitions;
    this.maxDepth = c.maxDepth;
    this.expanded = c.expanded;
    this.truncated = c.truncated;
    c.found.forEach((path, i) => {
      this.found[i] = path === null ? null : [...path];
      if (path !== null) this.pending.delete(i);
    });
  }

  /** A checkpoint was taken: the next falls due an interval from now. */
  checkpointed(): void {
    this.checkpointDue = false;
    this.lastCheckpoint = this.now();
  }

  stats(): Stats {
    const elapsedMs = Math.max(0, this.now() - this.started);
    const states = this.store.size;
    return {
      states,
      transitions: this.transitions,
      depth: this.maxDepth,
      elapsedMs,
      statesPerSecond: elapsedMs > 0 ? Math.round((states * 1000) / elapsedMs) : states,
      storeBytes: this.store.bytes(),
      collisionProbability: this.store.collisionProbability(),
      ...this.more(),
    };
  }

  witnesses(): Witness[] {
    return this.checks.sometimes.map((p, i) => ({ property: p.name, path: this.found[i] ?? null }));
  }

  /** Records the `sometimes` properties state `index` witnesses. */
  witnessed(index: number, hits: readonly number[]): void {
    for (const i of hits) {
      this.pending.delete(i);
      this.found[i] = this.store.pathTo(index);
    }
  }

  /** A violation in state `index`, or (with `extra`) in the step(s) taken from it. */
  fail(index: number, failure: Failure, extra: readonly number[] = []): ExploreOutcome {
    return {
      verdict: 'violation',
      property: failure.property,
      message: failure.message,
      path: [...this.store.pathTo(index), ...extra],
      stats: this.stats(),
      witnesses: this.witnesses(),
      ...this.keysTo(index),
    };
  }

  /** No thread can move in state `index` (or a step from it, `choice`, found a certain deadlock). */
  deadlock(index: number, message: string, blocked: readonly BlockedThread[], choice?: number): ExploreOutcome {
    return {
      verdict: 'deadlock',
      message,
      path: choice === undefined ? this.store.pathTo(index) : [...this.store.pathTo(index), choice],
      blocked,
      stats: this.stats(),
      witnesses: this.witnesses(),
      ...this.keysTo(index),
    };
  }

  /** A lock-order inversion seen anywhere, reported when the search would otherwise pass or stop short. */
  inversion(): ExploreOutcome | undefined {
    const cycle = this.lockOrder?.inversion;
    if (cycle === undefined) return undefined;
    return { ...inversionViolation(cycle, (i) => this.store.pathTo(i), this.stats(), this.witnesses()), ...this.keysTo(cycle[cycle.length - 1]!.state) };
  }

  /** A budget ran out (an inversion already seen is the better answer). */
  incomplete(budget: Budget): ExploreOutcome {
    return this.inversion() ?? { verdict: 'incomplete', budget, stats: this.stats(), witnesses: this.witnesses() };
  }

  /** The search ran out of states: inversion, cut-off depth, an unwitnessed `sometimes`, or a pass. */
  end(): ExploreOutcome {
    const inverted = this.inversion();
    if (inverted) return inverted;
    if (this.truncated) return { verdict: 'incomplete', budget: 'maxDepth', stats: this.stats(), witnesses: this.witnesses() };
    const missing = this.checks.sometimes.findIndex((_, i) => this.found[i] === null);
    if (missing >= 0) {
      const name = this.checks.sometimes[missing]!.name;
      return { verdict: 'violation', property: { name, kind: 'sometimes' }, message: `no reachable state satisfies "${name}"`, path: null, stats: this.stats(), witnesses: this.witnesses() };
    }
    return { verdict: 'pass', stats: this.stats(), witnesses: this.witnesses() };
  }

  /** A worker of a parallel search ran out of work: what the coordinator merges. */
  finishShared(finished: SharedSearch['finished'], symmetricLockNesting: boolean): ExploreOutcome {
    finished({ truncated: this.truncated, transitions: this.transitions, depth: this.maxDepth, found: this.found, lockEdges: this.lockOrder?.edgeList() ?? [], symmetricLockNesting });
    return { verdict: 'pass', stats: this.stats(), witnesses: this.witnesses() };
  }

  /** The actor that took a step, for messages. */
  actor(tid: number): string {
    return this.model.actors[tid]!.name;
  }

  private clockIn = CLOCK_WORK;
  private lastProgress: number;
  private lastMemoryCheck: number;
  private lastCheckpoint: number;
  private memory = 0;

  /** Counts work done: a state expanded plus the steps enabled in it. */
  spend(work: number): void {
    this.clockIn -= work;
  }

  /**
   * Before expanding a state: once CLOCK_WORK of work was spent since the clock was last read,
   * reads it: the budget that ran out (timeout, memory), if any; progress reports go out as they fall due.
   */
  tick(cfg: ExploreConfig, queued: number): Budget | undefined {
    if (this.clockIn > 0) return undefined;
    this.clockIn = CLOCK_WORK;
    const now = cfg.now();
    if (now - this.started >= cfg.timeoutMs) return 'timeout';
    const cp = cfg.checkpoint;
    if (cp !== undefined && (now - this.lastCheckpoint >= cp.everyMs || cp.requested?.() === true)) this.checkpointDue = true;
    if (cfg.memoryProbe && now - this.lastMemoryCheck >= cfg.progressIntervalMs / 4) {
      this.lastMemoryCheck = now;
      this.memory = cfg.memoryProbe();
      if (this.memory > cfg.maxMemoryMiB * 2 ** 20) return 'maxMemory';
    }
    if (cfg.onProgress && now - this.lastProgress >= cfg.progressIntervalMs) {
      this.lastProgress = now;
      cfg.onProgress({ ...this.stats(), queued, ...(cfg.memoryProbe ? { memoryMiB: Math.round(this.memory / 2 ** 20) } : {}) });
    }
    return undefined;
  }

  /** Tells a watchdog (`ExploreOptions.heartbeat`) which step of which state is being applied. */
  beat(beat: Int32Array | undefined, state: number, tid: number, fn: number, stmt: number, alt: number, choice: number): void {
    if (beat === undefined) return;
    beat[Heartbeat.beat]!++;
    beat[Heartbeat.state] = state;
    beat[Heartbeat.tid] = tid;
    beat[Heartbeat.fn] = fn;
    beat[Heartbeat.stmt] = stmt;
    beat[Heartbeat.alt] = alt;
    beat[Heartbeat.choice] = choice;
    beat[Heartbeat.states] = this.store.size;
    beat[Heartbeat.transitions] = this.transitions;
  }
}

/**
 * The clock (timeout, memory, progress) is read after this much work, counted as states expanded
 * plus steps applied: a model whose states have thousands of enabled steps is stopped on time too.
 */
export const CLOCK_WORK = 256;

/** A model error found while expanding a state, with the replay path to that state added. */
export function withPath<G>(model: Model<G>, thrown: unknown, path: readonly number[] | undefined): unknown {
  if (thrown instanceof ModelError && thrown.site.path === undefined && path !== undefined) {
    return new ModelError(thrown.problem, { ...thrown.site, model: model.name, path: formatPath(path) }, thrown.hint, { cause: thrown });
  }
  return thrown;
}

