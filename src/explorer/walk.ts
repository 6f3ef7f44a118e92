/**
 * Walks: searches that follow one path. A walk is the search loop (loop.ts) with a store that
 * keeps every state it reaches, a queue that holds the state it is at, and a step filter that
 * takes the one step a chooser picks; `maxDepth` ends it. So a walk is judged exactly as the
 * exhaustive search judges a path: the same property checks, failing steps and deadlock and
 * end-of-run checks, in the same order.
 *
 * Walks are `simulate`'s runs (the chooser is a random schedule), and the counterexample checks
 * (trace/counterexampleCheck.ts: the chooser follows given steps), and paths followed to learn
 * what they name (`followPath`).
 */
import type { Fingerprint } from '../core/canonical.ts';
import type { Transition } from '../core/transitions.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';
import type { CompiledSpace } from '../core/compiled/space.ts';
import { searchReference, type ExploreOutcome } from './explore.ts';
import type { Frontier } from './frontier.ts';
import { Relayout, search, type VectorQueue, type VectorStore } from './kernel.ts';
import type { StepsAt } from './loop.ts';
import { resolveOptions, type ExploreConfig } from './options.ts';
import { walkParents, type StateStore } from './stateStore.ts';

/**
 * The step a walk takes from its `k`-th state (k steps in), among the `n` enabled steps whose
 * threads are `tids[0..n)`; -1 leaves the walk there (it ends without a problem, `left` set).
 */
export type Chooser = (k: number, tids: ArrayLike<number>, n: number, at: StepsAt) => number;

export interface WalkOutcome {
  /** Replay-path entries of the steps taken (up to and including a failing one). */
  readonly path: number[];
  readonly failure?: { verdict: 'violation' | 'deadlock'; property: string; message: string };
  /** The chooser left the walk (it returned -1). */
  readonly left?: true;
}

const NONE: number[] = [];

export class Walk {
  // A walk stores at most depth + 1 states.
  private readonly parents: Int32Array;
  private readonly vias: Int32Array;
  private size_ = 0;
  private at = -1;
  /** Depth of the state `pop` returned. */
  depth = 0;
  left = false;

  constructor(
    private readonly choose: Chooser,
    depth: number,
    private readonly onState: (() => void) | undefined,
  ) {
    this.parents = new Int32Array(depth + 1);
    this.vias = new Int32Array(depth + 1);
  }

  get size(): number {
    return this.size_;
  }

  get queued(): number {
    return this.at < 0 ? 0 : 1;
  }

  /** The one step taken (an array the loop reads before the next expansion asks again). */
  private readonly taken = [0];

  /** LoopParts.steps: a walk's states form one path, so state i is i steps in. */
  readonly steps = (index: number, tids: ArrayLike<number>, n: number, at: StepsAt): number[] => {
    const i = this.choose(index, tids, n, at);
    if (i < 0) {
      this.left = true;
      return NONE;
    }
    this.taken[0] = i;
    return this.taken;
  };

  add(parent: number, via: number): number {
    const i = this.size_++;
    this.parents[i] = parent;
    this.vias[i] = via;
    this.onState?.();
    return i;
  }

  push(index: number): void {
    this.at = index;
  }

  pop(): number {
    const i = this.at;
    this.at = -1;
    this.depth = i;
    return i;
  }

  pathTo(i: number): number[] {
    return walkParents(this.parents, this.vias, i);
  }

  /** The steps of the walk so far (to its last state). */
  path(): number[] {
    return this.pathTo(this.size - 1);
  }
}

/**
 * A walk's store and queue on the compiled space, as classes with plain fields: the kernel reads
 * `size` and `depth` at every step, and getters there cost a tenth of a run's time.
 */
class WalkStore implements VectorStore {
  readonly vectorOnly = true;
  size = 0;

  constructor(
    private readonly walk: Walk,
    private readonly onState: ((w: Uint32Array) => void) | undefined,
  ) {}

  add(_fp: Fingerprint, parent: number, via: number, _limit: number, w?: Uint32Array): number {
    this.onState?.(w!);
    this.size++;
    return this.walk.add(parent, via);
  }

  pathTo(i: number): number[] {
    return this.walk.pathTo(i);
  }

  bytes(): number {
    return 0;
  }

  collisionProbability(): number {
    return 0;
  }
}

class WalkQueue implements VectorQueue {
  size = 0;
  depth = 0;
  private readonly vector: Uint32Array;

  constructor(
    private readonly walk: Walk,
    words: number,
  ) {
    this.vector = new Uint32Array(words);
  }

  push(w: Uint32Array, index: number): void {
    this.vector.set(w);
    this.walk.push(index);
    this.size = 1;
  }

  pop(into: Uint32Array): number {
    into.set(this.vector);
    this.size = 0;
    const i = this.walk.pop();
    this.depth = i;
    return i;
  }
}

/** A walk's result from the loop's outcome. */
function walkOutcome(outcome: ExploreOutcome, walk: Walk): WalkOutcome {
  if (outcome.verdict === 'deadlock') return { path: [...outcome.path], failure: { verdict: 'deadlock', property: 'deadlock', message: outcome.message } };
  if (outcome.verdict === 'violation') return { path: [...(outcome.path ?? walk.path())], failure: { verdict: 'violation', property: outcome.property.name, message: outcome.message } };
  return walk.left ? { path: walk.path(), left: true } : { path: walk.path() };
}

/** The end of a walk that found nothing (whatever the unbounded search's end checks would say). */
const WALK_ENDS = (stats: ExploreOutcome['stats']): ExploreOutcome => ({ verdict: 'pass', stats, witnesses: [] });

const configs = new Map<string, ExploreConfig>();
/** A walk checks the selected properties (all by default), stops after `depth` steps and does not repeat steps to check determinism. */
function walkConfig(depth: number, properties: readonly string[] | undefined): ExploreConfig {
  const key = `${depth} ${properties === undefined ? '*' : JSON.stringify(properties)}`;
  let cfg = configs.get(key);
  if (cfg === undefined) {
    if (configs.size > 1000) configs.clear();
    // (A walk of no steps judges the initial state only: maxDepth 0, which options reject.)
    configs.set(key, (cfg = { ...resolveOptions({ determinismChecks: 0, ...(properties ? { properties } : {}) }), maxDepth: depth }));
  }
  return cfg;
}

export interface WalkOptions {
  /** The properties judged (a `--property` selection; default all). An empty list judges nothing. */
  readonly properties?: readonly string[];
}

/** A walk on the compiled space; a Relayout when the layout cannot take it. */
export function walkCompiled<G>(model: Model<G>, space: CompiledSpace<G>, depth: number, choose: Chooser, onState?: (w: Uint32Array) => void, options: WalkOptions = {}): WalkOutcome | Relayout {
  const walk = new Walk(choose, depth, undefined);
  const store = new WalkStore(walk, onState);
  const queue = new WalkQueue(walk, space.size >> 2);
  const run = search(model, walkConfig(depth, options.properties), space, 0, 0, { store, queue, steps: walk.steps, seeds: true, noLockOrder: true, end: (t) => WALK_ENDS(t.stats()) });
  return run instanceof Relayout ? run : walkOutcome(run, walk);
}

/** A walk on the reference space; `onWorld` sees every state it stores. */
export function walkReference<G>(model: Model<G>, depth: number, choose: Chooser, onWorld?: (world: World<G>) => void, options: WalkOptions = {}): WalkOutcome {
  let last: World<G> | undefined;
  const walk = new Walk(choose, depth, onWorld && (() => onWorld(last!)));
  const store: StateStore<G> = {
    exact: true,
    get size() {
      return walk.size;
    },
    visit: (world, parent, via) => {
      last = world;
      return walk.add(parent, via);
    },
    pathTo: (i) => walk.pathTo(i),
    bytes: () => 0,
    collisionProbability: () => 0,
  };
  let at: World<G> | undefined;
  const frontier: Frontier<G> = {
    get size() {
      return walk.queued;
    },
    push: (index, world) => {
      at = world;
      walk.push(index);
    },
    pop: () => {
      const index = walk.pop();
      return { index, world: at!, depth: walk.depth };
    },
  };
  const ends = (): ExploreOutcome => WALK_ENDS({ states: walk.size, transitions: 0, depth: 0, elapsedMs: 0, statesPerSecond: 0 });
  return walkOutcome(searchReference(model, walkConfig(depth, options.properties), { store, frontier, steps: walk.steps, end: ends }), walk);
}

/**
 * Follows a replay path, judging nothing, up to a step that is not enabled or cannot complete:
 * calls `visit` with each step it names (and the enabled steps there), and `onWorld` with each
 * state it reaches, the initial state first.
 */
export function followPath<G>(
  model: Model<G>,
  path: readonly number[],
  visit: ((t: Transition, k: number, tids: ArrayLike<number>, n: number, at: StepsAt) => void) | undefined,
  onWorld?: (world: World<G>) => void,
): void {
  walkReference(
    model,
    path.length,
    (k, tids, n, at) => {
      const i = path[k];
      // (A path rooted elsewhere, as a batch's of a distributed search, may hold marks below 0.)
      if (i === undefined || !(i >= 0 && i < n)) return -1;
      visit?.(at.transition(i), k, tids, n, at);
      return i;
    },
    onWorld,
    { properties: [] },
  );
}
