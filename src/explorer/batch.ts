/**
 * One batch of a distributed breadth-first search (src/cluster): states of one level, as packed
 * vectors, expanded by the one search loop (loop.ts, through the compiled adapter in kernel.ts)
 * with a store that knows only this batch and the fingerprints the caller already knows. Nothing
 * here does I/O: the caller sends the successors that may be new to their partitions, which say
 * which were.
 *
 * The loop's state indices are local: inputs are 0..n-1, successors follow. A path to a local
 * state is written `[-(input + 1), ...steps]`; `splitPath` gives the input it starts from (whose
 * path from the initial state only the cluster knows) and the steps after it.
 */
import type { Fingerprint } from '../core/canonical.ts';
import { CompiledSpace, LayoutFacts, type LayoutData } from '../core/compiled/space.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';
import { Relayout, search, type KernelOutcome, type VectorQueue, type VectorStore } from './kernel.ts';
import type { LockEdge, LockOrderGraph } from './lockOrder.ts';
import type { ExploreConfig } from './options.ts';
import { FingerprintStore, SEEN } from './stateStore.ts';
import type { SearchTally } from './tally.ts';

/** A path that starts at input `root` of a batch. */
export interface RootedPath {
  readonly root: number;
  readonly steps: readonly number[];
}

export interface BatchResult {
  readonly expanded: number;
  readonly transitions: number;
  /** Successors not known before: their fingerprints (hi, lo pairs), vectors, parent input and step. */
  readonly count: number;
  readonly fps: Int32Array;
  readonly vecs: Uint8Array;
  readonly parents: Int32Array;
  readonly vias: Uint16Array;
  /** Some state sat at the depth bound and was not expanded. */
  readonly truncated: boolean;
  /** The first violation or deadlock, its path rooted at an input. */
  readonly outcome?: BatchEvent;
  /** Every input's first failure (with `every`), in input order. */
  readonly events: readonly BatchEvent[];
  /** `sometimes` properties (by index) first witnessed in this batch. */
  readonly witnessed: readonly { readonly property: number; readonly at: RootedPath }[];
  /** Lock orders first seen in this batch (by this expander). */
  readonly edges: readonly { readonly edge: LockEdge; readonly at: RootedPath }[];
  /** The layout cannot hold a state reached from input `input`: the cluster must learn it. */
  readonly relayout?: { readonly input: number; readonly why: string; readonly world?: World<unknown> };
}

export function splitPath(path: readonly number[]): RootedPath {
  const head = path[0];
  if (head === undefined || head >= 0) throw new Error(`internal error: a batch path without its root (${path.join('.')})`);
  return { root: -head - 1, steps: path.slice(1) };
}

/** Expands batches of one level against a fixed layout; remembers the fingerprints it is told are stored. */
export class BatchExpander<G> {
  readonly space: CompiledSpace<G>;
  /** Fingerprints known to be stored (somewhere in the cluster). */
  readonly known: FingerprintStore<unknown>;
  private readonly witnessedBefore = new Set<number>();
  /** Determinism checks left: the first states this expander expands are checked, as a search's first are. */
  private checksLeft: number;
  private readonly edgesBefore = new Set<string>();

  constructor(
    private readonly model: Model<G>,
    private readonly cfg: ExploreConfig,
    layout: LayoutData,
  ) {
    this.space = new CompiledSpace(model, LayoutFacts.from(layout, true));
    this.known = new FingerprintStore<unknown>(undefined as never);
    this.checksLeft = cfg.determinismChecks;
  }

  /** Marks a fingerprint as stored. */
  learn(hi: number, lo: number): void {
    this.known.add({ hi, lo }, -1, 0, Number.POSITIVE_INFINITY);
  }

  /** A `sometimes` property found witnessed elsewhere. */
  witnessedElsewhere(property: number): void {
    this.witnessedBefore.add(property);
  }

  /**
   * Expands `count` states of depth `depth`, packed one after another in `vecs`. `every`: go on past
   * a failure to the next input, so that each input's first failure is found (the cluster's ordered
   * search); `known`: skip successors known to be stored (off when every parent must be reported).
   */
  expand(vecs: Uint8Array, count: number, depth: number, options: { every?: boolean; known?: boolean } = {}): BatchResult {
    const size = this.space.size;
    const store = new BatchStore(options.known === false ? undefined : this.known, count);
    const queue = new BatchQueue(vecs, count, size, depth);
    const witnessed: { property: number; at: RootedPath }[] = [];
    const edges: { edge: LockEdge; at: RootedPath }[] = [];
    const events: BatchEvent[] = [];
    let expanded = 0;
    let transitions = 0;
    let truncated = false;
    for (;;) {
      let tally: SearchTally<G> | undefined;
      let lockOrder: LockOrderGraph | undefined;
      const cfg = this.checksLeft === this.cfg.determinismChecks ? this.cfg : { ...this.cfg, determinismChecks: this.checksLeft };
      const run = search(this.model, cfg, this.space, 0, 0, {
        store,
        queue,
        start: (t, l) => {
          tally = t;
          lockOrder = l;
          for (const p of this.witnessedBefore) t.pending.delete(p);
        },
        end: () => PASSED,
      });
      // (Read first: the lock orders below ask for paths too.)
      const failedAt = store.failedAt;
      const t = tally!;
      this.checksLeft = Math.max(0, this.checksLeft - t.expanded);
      expanded += t.expanded;
      transitions += t.transitions;
      truncated ||= t.truncated;
      t.found.forEach((path, property) => {
        if (path === null || this.witnessedBefore.has(property)) return;
        this.witnessedBefore.add(property);
        witnessed.push({ property, at: splitPath(path) });
      });
      for (const edge of lockOrder?.edgeList() ?? []) {
        const key = `${edge.from}\u0000${edge.to}`;
        if (this.edgesBefore.has(key)) continue;
        this.edgesBefore.add(key);
        edges.push({ edge, at: splitPath([...store.pathTo(edge.state), edge.choice]) });
      }
      if (run instanceof Relayout) {
        return { ...this.result(store, queue, count, expanded, transitions, truncated, witnessed, edges, events), relayout: { input: queue.current, why: run.why, ...(run.world ? { world: run.world } : {}) } };
      }
      if (run === PASSED) break;
      const path = run.verdict === 'violation' || run.verdict === 'deadlock' ? run.path : null;
      if (path) {
        // The state the failure was found in: an input, or a successor judged on being stored.
        const at = failedAt;
        events.push({ result: run, at: splitPath(path), ...(at >= count ? { successor: at - count } : {}) });
      }
      if (!options.every || queue.size === 0) break;
    }
    return this.result(store, queue, count, expanded, transitions, truncated, witnessed, edges, events);
  }

  private result(store: BatchStore, queue: BatchQueue, count: number, expanded: number, transitions: number, truncated: boolean, witnessed: BatchResult['witnessed'], edges: BatchResult['edges'], events: BatchEvent[]): BatchResult {
    const n = store.size - count;
    const size = this.space.size;
    return {
      expanded,
      transitions,
      count: n,
      fps: store.fps.subarray(0, 2 * n),
      vecs: queue.out.subarray(0, n * size),
      parents: store.parents.subarray(0, n),
      vias: store.vias.subarray(0, n),
      truncated,
      witnessed,
      edges,
      events,
      ...(events[0] ? { outcome: events[0] } : {}),
    };
  }
}

/** A violation or deadlock found in a batch: its path rooted at an input; `successor`: found in that successor (by its index in the result) rather than in the input. */
export interface BatchEvent {
  readonly result: KernelOutcome;
  readonly at: RootedPath;
  readonly successor?: number;
}

const PASSED: KernelOutcome = { verdict: 'pass', stats: { states: 0, transitions: 0, depth: 0, elapsedMs: 0, statesPerSecond: 0 }, witnesses: [] };

/** The batch's inputs (0..n-1) and the successors not known before, with their parent input and step. */
class BatchStore implements VectorStore {
  fps = new Int32Array(2 * 256);
  parents = new Int32Array(256);
  vias = new Uint16Array(256);
  private readonly local: FingerprintStore<unknown>;
  size: number;
  /** The state whose path was asked for last: the one a failure is reported in. */
  failedAt = -1;

  constructor(
    private readonly known: FingerprintStore<unknown> | undefined,
    private readonly inputs: number,
  ) {
    this.size = inputs;
    this.local = new FingerprintStore(undefined as never);
  }

  add(fp: Fingerprint, parent: number, via: number): number {
    const { hi, lo } = fp;
    if (this.known?.has(hi, lo)) return SEEN;
    if (this.local.add(fp, -1, 0, Number.POSITIVE_INFINITY) === SEEN) return SEEN;
    const j = this.size - this.inputs;
    if (j === this.parents.length) this.grow();
    this.fps[2 * j] = hi;
    this.fps[2 * j + 1] = lo;
    this.parents[j] = parent;
    this.vias[j] = via;
    return this.size++;
  }

  pathTo(i: number): number[] {
    this.failedAt = i;
    if (i < this.inputs) return [-(i + 1)];
    const j = i - this.inputs;
    return [-(this.parents[j]! + 1), this.vias[j]!];
  }

  bytes(): number {
    return this.fps.byteLength + this.parents.byteLength + this.vias.byteLength;
  }

  collisionProbability(): number {
    return 0;
  }

  private grow(): void {
    const n = this.parents.length * 2;
    const fps = new Int32Array(2 * n);
    fps.set(this.fps);
    const parents = new Int32Array(n);
    parents.set(this.parents);
    const vias = new Uint16Array(n);
    vias.set(this.vias);
    this.fps = fps;
    this.parents = parents;
    this.vias = vias;
  }
}

/** Pops the batch's inputs in order; successors pushed go to `out`, not back into the queue. */
class BatchQueue implements VectorQueue {
  out: Uint8Array;
  private outWords: Uint32Array;
  private next = 0;
  /** The input last popped. */
  current = -1;
  readonly depth: number;
  private readonly words: number;
  private readonly in: Uint32Array;

  constructor(
    vecs: Uint8Array,
    private readonly count: number,
    private readonly width: number,
    depth: number,
  ) {
    this.depth = depth;
    this.words = width >> 2;
    const aligned = vecs.byteOffset % 4 === 0 ? vecs : vecs.slice();
    this.in = new Uint32Array(aligned.buffer, aligned.byteOffset, count * this.words);
    this.out = new Uint8Array(width * 256);
    this.outWords = new Uint32Array(this.out.buffer);
  }

  get size(): number {
    return this.count - this.next;
  }

  pop(into: Uint32Array): number {
    const k = (this.current = this.next++);
    into.set(this.in.subarray(k * this.words, (k + 1) * this.words));
    return k;
  }

  push(w: Uint32Array, index: number): void {
    const j = index - this.count;
    if ((j + 1) * this.words > this.outWords.length) {
      const out = new Uint8Array(this.out.length * 2);
      out.set(this.out);
      this.out = out;
      this.outWords = new Uint32Array(out.buffer);
    }
    this.outWords.set(w, j * this.words);
  }
}
