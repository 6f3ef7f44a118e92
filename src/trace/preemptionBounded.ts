/**
 * Preemption-bounded search (as in CHESS and loom): explore the interleavings that switch away
 * from a thread that could have gone on at most `bound` times, fewest preemptions first and, for
 * equal preemptions, fewest steps first. Switching away from a thread that is blocked or finished
 * is free. The first problem found therefore has the fewest preemptions any counterexample within
 * the bound can have.
 *
 * It is the one search loop (src/explorer/loop.ts) on either space with three parts of its own
 * (`Bound`): a search state is a state plus the thread that moved last, stored exactly and again
 * when reached with fewer preemptions than before; the queue is bucketed by preemptions, then
 * depth; and only the steps within the bound are taken.
 */
import { encodeWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { searchReference } from '../explorer/explore.ts';
import type { Frontier, Queued } from '../explorer/frontier.ts';
import { search, withLayout, type VectorQueue, type VectorStore } from '../explorer/kernel.ts';
import { resolveOptions, type ExploreConfig } from '../explorer/options.ts';
import type { ReplayPath } from '../explorer/result.ts';
import { FULL, SEEN, walkParents, type Site, type StateStore } from '../explorer/stateStore.ts';
import { followPath } from '../explorer/walk.ts';
import type { Problem } from './counterexampleCheck.ts';

export interface BoundedOptions {
  readonly bound: number;
  /** The state space (default compiled; the reference space when the layout cannot hold the model). */
  readonly engine?: 'compiled' | 'reference';
  readonly properties?: readonly string[];
  /** Give up (result `incomplete`) after storing this many search states. */
  readonly maxStates?: number;
}

export type BoundedResult =
  | { readonly kind: 'found'; readonly path: ReplayPath; readonly problem: Problem; readonly preemptions: number; readonly states: number }
  | { readonly kind: 'none' | 'incomplete'; readonly states: number };

/**
 * The bounded search's store, queue and step filter, on either space: per search state its key
 * (the state's exact encoding and the thread that moved last), parent link, preemptions and
 * depth; the search state each key was last stored as (a key reached again with fewer
 * preemptions is stored again, and its earlier entry left unexpanded); and the order to expand
 * them in (buckets[preemptions][depth]).
 */
class Bound {
  private readonly keys: string[] = [];
  private readonly parent: number[] = [];
  private readonly via: number[] = [];
  private readonly preemptions: number[] = [];
  private readonly depths: number[] = [];
  private readonly last: number[] = [];
  /** Queued, not yet expanded and not superseded. */
  private readonly waiting: boolean[] = [];
  private readonly latest = new Map<string, number>();
  private readonly buckets: number[][][] = [];
  private live = 0;
  // The order's position: bucket (p, d), entry k.
  private p = 0;
  private d = 0;
  private k = 0;
  // The state being expanded: its enabled steps' threads, and whether the thread that moved last is among them.
  private tids: number[] = [];
  private lastCanGoOn = false;
  /** Depth of the state `pop` returned. */
  depth = 0;

  constructor(private readonly bound: number) {}

  get size(): number {
    return this.keys.length;
  }

  get queued(): number {
    return this.live;
  }

  /** The steps within the bound from state `index` (LoopParts.steps). */
  readonly steps = (index: number, tids: ArrayLike<number>, n: number): number[] => {
    this.tids = Array.from({ length: n }, (_, i) => tids[i]!);
    const last = this.last[index]!;
    this.lastCanGoOn = last >= 0 && this.tids.includes(last);
    const p = this.preemptions[index]!;
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (p + this.cost(index, i) <= this.bound) out.push(i);
    return out;
  };

  private cost(parent: number, via: number): number {
    return this.lastCanGoOn && this.tids[via] !== this.last[parent] ? 1 : 0;
  }

  /** Stores the state encoded as `encoding`, reached from `parent` (-1: the initial state) by step `via`: its index, SEEN or FULL. */
  add(encoding: string, parent: number, via: number, limit: number): number {
    const tid = parent < 0 ? -1 : this.tids[via]!;
    const p = parent < 0 ? 0 : this.preemptions[parent]! + this.cost(parent, via);
    const key = `${encoding}#${tid}`;
    const before = this.latest.get(key);
    if (before !== undefined && this.preemptions[before]! <= p) return SEEN;
    if (this.size >= limit) return FULL;
    const index = this.keys.push(key) - 1;
    this.parent.push(parent);
    this.via.push(via);
    this.preemptions.push(p);
    this.depths.push(parent < 0 ? 0 : this.depths[parent]! + 1);
    this.last.push(tid);
    this.waiting.push(false);
    if (before !== undefined && this.waiting[before]) {
      this.waiting[before] = false;
      this.live--;
    }
    this.latest.set(key, index);
    return index;
  }

  push(index: number): void {
    ((this.buckets[this.preemptions[index]!] ??= [])[this.depths[index]!] ??= []).push(index);
    this.waiting[index] = true;
    this.live++;
  }

  /** The next state in order (fewest preemptions, then fewest steps); call only when `queued` > 0. */
  pop(): number {
    for (;;) {
      const level = this.buckets[this.p]?.[this.d];
      if (level !== undefined && this.k < level.length) {
        const index = level[this.k++]!;
        if (!this.waiting[index]) continue;
        this.waiting[index] = false;
        this.live--;
        this.depth = this.depths[index]!;
        return index;
      }
      // Children go to a later depth of this bucket or to the next bucket, never behind the position.
      this.k = 0;
      if (this.d + 1 < (this.buckets[this.p]?.length ?? 0)) this.d++;
      else {
        this.p++;
        this.d = 0;
      }
    }
  }

  pathTo(i: number): number[] {
    return walkParents(this.parent, this.via, i);
  }
}

export function preemptionBounded<G>(model: Model<G>, options: BoundedOptions): BoundedResult {
  const cfg = resolveOptions({ ...(options.properties ? { properties: options.properties } : {}), ...(options.maxStates !== undefined ? { maxStates: options.maxStates } : {}), determinismChecks: 0 });
  let bound = new Bound(options.bound);
  let outcome: ExploreOutcome | undefined;
  if (options.engine !== 'reference') {
    const run = withLayout(model, (space) => {
      bound = new Bound(options.bound);
      // The end of a bounded search is "none within the bound" (not the unbounded search's end checks).
      return search(model, cfg, space, cfg.now(), 0, { ...compiledParts(bound), steps: bound.steps, seeds: true, noLockOrder: true, end: (tally) => ({ verdict: 'pass', stats: tally.stats(), witnesses: [] }) });
    });
    if (!('fallback' in run)) outcome = run;
  }
  if (outcome === undefined) {
    bound = new Bound(options.bound);
    outcome = searchReference(model, cfg, { ...referenceParts(model, bound), steps: bound.steps, end: () => ({ verdict: 'pass', stats: { states: bound.size, transitions: 0, depth: 0, elapsedMs: 0, statesPerSecond: 0 }, witnesses: [] }) });
  }
  return resultOf(model, outcome, bound);
}

function resultOf<G>(model: Model<G>, outcome: ExploreOutcome, bound: Bound): BoundedResult {
  const states = bound.size;
  switch (outcome.verdict) {
    case 'violation':
    case 'deadlock': {
      const path = outcome.path ?? [];
      const problem: Problem = { verdict: outcome.verdict, property: outcome.verdict === 'deadlock' ? 'deadlock' : outcome.property.name, message: outcome.message };
      return { kind: 'found', path, problem, preemptions: countPreemptions(model, path), states };
    }
    case 'incomplete':
      return { kind: 'incomplete', states };
    default:
      return { kind: 'none', states };
  }
}

/** The compiled space's store and queue over a `Bound`: a state's key is its packed vector (exact under one layout). */
function compiledParts(bound: Bound): { store: VectorStore; queue: VectorQueue } {
  const vectors: Uint32Array[] = [];
  const store: VectorStore = {
    vectorOnly: true,
    get size() {
      return bound.size;
    },
    add: (_fp, parent, via, limit, w) => {
      const i = bound.add(vectorKey(w!), parent, via, limit);
      if (i >= 0) vectors[i] = w!.slice();
      return i;
    },
    pathTo: (i) => bound.pathTo(i),
    bytes: () => 0,
    collisionProbability: () => 0,
  };
  const queue: VectorQueue = {
    get size() {
      return bound.queued;
    },
    get depth() {
      return bound.depth;
    },
    push: (_w, index) => bound.push(index),
    pop: (into) => {
      const index = bound.pop();
      into.set(vectors[index]!);
      return index;
    },
  };
  return { store, queue };
}

/** The reference space's store and queue over a `Bound`: a state's key is its canonical encoding. */
function referenceParts<G>(model: Model<G>, bound: Bound): { store: StateStore<G>; frontier: Frontier<G> } {
  const worlds: World<G>[] = [];
  const store: StateStore<G> = {
    exact: true,
    get size() {
      return bound.size;
    },
    visit: (world: World<G>, parent: number, via: number, limit: number, site?: Site) => {
      const i = bound.add(encodeWorld(model, world, site?.()), parent, via, limit);
      if (i >= 0) worlds[i] = world;
      return i;
    },
    pathTo: (i) => bound.pathTo(i),
    bytes: () => 0,
    collisionProbability: () => 0,
  };
  const frontier: Frontier<G> = {
    get size() {
      return bound.queued;
    },
    push: (index) => bound.push(index),
    pop: (): Queued<G> => {
      const index = bound.pop();
      return { index, world: worlds[index]!, depth: bound.depth };
    },
  };
  return { store, frontier };
}

/** A packed vector as a string key: exact (under one layout a vector is a canonical encoding). */
function vectorKey(w: Uint32Array): string {
  const b = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[]);
  return s;
}

/** Preemptions along a path: switches away from a thread that still had a step enabled. */
export function countPreemptions<G>(model: Model<G>, path: ReplayPath): number {
  let last = -1;
  let n = 0;
  followPath(model, path, (t, _k, tids, enabled) => {
    if (last >= 0 && t.tid !== last) {
      for (let i = 0; i < enabled; i++) {
        if (tids[i] === last) {
          n++;
          break;
        }
      }
    }
    last = t.tid;
  });
  return n;
}
