/**
 * The compiled state space's side of the search (src/core/compiled): the states the one loop
 * (loop.ts) asks about are packed vectors, the visited set holds their fingerprints, the frontier
 * holds the vectors themselves in typed arrays. The results equal the reference space's
 * (explore.ts), which answers instead, saying why in the result's stats, for anything the compiled
 * space cannot hold.
 *
 * Every anomaly on the compiled space (a write its layout cannot hold, a step or guard that throws)
 * is replayed on the reference space: if that fails too, its diagnosis is the user's error, exactly
 * as before; if it succeeds, the layout learns the state it yields and the search starts again.
 */
import { checkDeterminism, encodeWorld, fingerprintWorld, guardsDiffer, sameSteps, stepDiffers } from '../core/determinism.ts';
import { UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import type { Fingerprint } from '../core/canonical.ts';
import { CompiledSpace, EXITED, FAILED, hashWords, LayoutFacts } from '../core/compiled/space.ts';
import type { Spec } from '../core/compiled/spec.ts';
import { Misfit } from '../core/compiled/views.ts';
import { applyTransition, enabledTransitions, transitionLabel, type Transition } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from './blocked.ts';
import { LOCK_ORDER, LockOrderGraph, nestsSymmetricLocks, withoutSymmetry } from './lockOrder.ts';
import type { ExploreConfig } from './options.ts';
import { selectsFailure } from './selection.ts';
import { PropertyChecks, type Failure } from './propertyChecks.ts';
import { formatPath, type ExploreResult } from './result.ts';
import { FingerprintStore, FULL, SEEN, VectorExactStore } from './stateStore.ts';
import { SearchTally, type TallyStore } from './tally.ts';
import { searchLoop, type GraphRecorder, type LoopParts, type LoopStates } from './loop.ts';
import { explore } from './explore.ts';
import { followPath } from './walk.ts';
import { Reduction } from '../reduction/index.ts';
import { checkResumable, checkRoutines, routineName, routineNames, searchIdentity, SNAPSHOT_FORMAT, type SearchSnapshot } from './checkpoint.ts';

export type KernelOutcome = ExploreResult & { readonly pathKeys?: readonly string[] };

/** The compiled search's answer: an outcome, or why the reference search must answer instead. */
export type KernelRun = { readonly outcome: KernelOutcome } | { readonly fallback: string };

/** Restart signal: the layout must grow to hold `world` (a state the reference space produced). */
export class Relayout {
  constructor(
    readonly world: World<unknown> | undefined,
    readonly why: string,
  ) {}
}

const MAX_RELAYOUTS = 48;


export function exploreCompiled<G>(model: Model<G>, cfg: ExploreConfig): KernelRun {
  // A resumed search starts with the snapshot's layout and time; should its layout have to grow, it
  // starts again from the initial state (with the time so far) and the snapshot is dropped.
  let resume = cfg.resume?.();
  if (resume !== undefined) checkResumable(resume, model, cfg);
  const started = cfg.now() - (resume?.header.elapsedMs ?? 0);
  const before = resume?.header.relayouts ?? 0;
  const routines = resume?.header.routines ?? [];
  const run = withLayout(
    model,
    (space, relayouts) =>
      search(model, cfg, space, started, before + relayouts, undefined, {
        routines,
        take: () => {
          const from = resume;
          resume = undefined;
          return from;
        },
      }),
    resume ? LayoutFacts.from(resume.header.layout, false) : undefined,
  );
  return 'fallback' in run ? run : { outcome: run };
}

/**
 * One worker of a parallel search on the compiled space. The layout is fixed (every worker builds
 * it from the same facts, with frozen dictionaries, so equal states are equal vectors everywhere):
 * a state it cannot hold comes back as a Relayout, for the coordinator to learn and start again.
 */
export function exploreShared<G>(model: Model<G>, cfg: ExploreConfig, facts: LayoutFacts, dictCode?: (spec: number, value: unknown, base: number) => number): KernelOutcome | Relayout {
  let space: CompiledSpace<G>;
  try {
    space = new CompiledSpace(model, facts);
  } catch (thrown) {
    if (thrown instanceof Misfit) return new Relayout(undefined, `the state does not fit a packed layout (${thrown.message})`);
    throw thrown;
  }
  // After the space is made: making it may add to a dictionary (a composite place's marker).
  if (dictCode !== undefined) facts.shareDictionaries(dictCode);
  try {
    return search(model, cfg, space, cfg.now(), 0);
  } catch (thrown) {
    if (thrown instanceof Relayout) return thrown;
    throw thrown;
  }
}

/**
 * Runs `body` on a compiled space for `model`, with a layout learnt from the initial state; each
 * time `body` returns a Relayout, the layout learns the state it carries and `body` runs again from
 * the start. `fallback` says why the compiled space cannot run the model.
 */
export function withLayout<G, T>(
  model: Model<G>,
  body: (space: CompiledSpace<G>, relayouts: number) => T | Relayout,
  facts: LayoutFacts = initialFacts(model),
): T | { readonly fallback: string } {
  let signature = layoutSignature(facts);
  for (let attempt = 0; attempt <= MAX_RELAYOUTS; attempt++) {
    let space: CompiledSpace<G>;
    try {
      space = new CompiledSpace(model, facts);
    } catch (thrown) {
      if (thrown instanceof Misfit) return { fallback: `the state does not fit a packed layout (${thrown.message})` };
      throw thrown;
    }
    let run: T | Relayout;
    try {
      run = body(space, attempt);
    } catch (thrown) {
      if (!(thrown instanceof Relayout)) throw thrown;
      run = thrown;
    }
    if (!(run instanceof Relayout)) return run;
    if (run.world !== undefined) facts.absorbWorld(run.world);
    // A state's shape changes as the model runs: learn from a short search on the reference space
    // once, rather than restarting for each shape found one at a time.
    if (attempt === 0) learnAhead(model, facts, LEARN_AHEAD_STATES);
    const next = layoutSignature(facts);
    if (next === signature) return { fallback: run.why };
    signature = next;
  }
  return { fallback: `the state's shape kept growing (${MAX_RELAYOUTS} layouts)` };
}

function initialFacts<G>(model: Model<G>): LayoutFacts {
  const facts = new LayoutFacts();
  facts.absorbWorld(model.initial as World<unknown>);
  return facts;
}

/**
 * Layout facts for a parallel search, whose workers cannot relearn on their own: a compiled search
 * of up to `maxStates` states, checking nothing, relearning as it goes; its dictionaries come too.
 */
export function learnLayout<G>(model: Model<G>, cfg: ExploreConfig, maxStates: number, facts: LayoutFacts = initialFacts(model)): LayoutFacts {
  const quiet: ExploreConfig = { ...cfg, properties: new Set(), maxStates, shared: undefined, onProgress: undefined, heartbeat: undefined, determinismChecks: 0, checkpoint: undefined, resume: undefined };
  withLayout(model, (space, relayouts) => search(model, quiet, space, quiet.now(), relayouts), facts);
  return facts;
}

/**
 * The start of a parallel search, in the coordinator: the compiled search itself (its checks and
 * budgets) up to `maxStates` states, relearning the layout as it goes. When it ends within them
 * (a counterexample, which is then a shortest one, or the whole state space) its outcome is the
 * search's and no worker need start; else the layout facts it learnt (with their dictionaries)
 * are the workers'.
 */
export function searchFirst<G>(model: Model<G>, cfg: ExploreConfig, maxStates: number): { facts: LayoutFacts; outcome?: KernelOutcome; fallback?: string } {
  const facts = initialFacts(model);
  const first: ExploreConfig = { ...cfg, maxStates: Math.min(cfg.maxStates, maxStates), shared: undefined, onProgress: undefined, checkpoint: undefined, resume: undefined };
  const run = withLayout(model, (space, relayouts) => search(model, first, space, first.now(), relayouts), facts);
  // The compiled space cannot hold the model: the workers run on the reference space.
  if ('fallback' in run) return { facts, fallback: run.fallback };
  if (run.verdict === 'incomplete' && run.budget === 'maxStates' && cfg.maxStates > maxStates) return { facts };
  return { facts, outcome: run };
}

/** States of the reference search the layout learns from after its first misfit. */
export const LEARN_AHEAD_STATES = 500;

/**
 * A breadth-first search on the reference space (the one loop, checking nothing), up to `limit`
 * states, whose every stored state the layout absorbs. It only learns shapes: whatever goes wrong
 * in it (a model error) is left for the real search to find and report.
 */
export function learnAhead<G>(model: Model<G>, facts: LayoutFacts, limit: number): void {
  try {
    explore(model, { engine: 'reference', properties: [], maxStates: limit, determinismChecks: 0, onStore: (w) => facts.absorbWorld(w) });
  } catch {
    // Left for the search to diagnose, with its path.
  }
}

/**
 * A step the compiled space could not take, replayed on the reference space: its error is the
 * model's (thrown here); else the state it yields is what the layout must learn.
 */
function relayoutFor<G>(model: Model<G>, space: CompiledSpace<G>, parent: Uint8Array, t: Transition, thrown: unknown): Relayout {
  const world = space.decode(parent);
  const out = applyTransition(model, world, t);
  const site = { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) };
  // The reference search fingerprints every successor, which diagnoses data that is not plain.
  if (out.kind === 'next') fingerprintWorld(model, out.world, () => site);
  return new Relayout(out.kind === 'next' ? (out.world as World<unknown>) : undefined, `${site.actor}: "${site.step}" (${explainThrown(thrown)})`);
}

/** The visited set as the compiled loop uses it: fingerprints in, state indices out. */
export interface VectorStore extends TallyStore {
  /** `w`: the state's vector (the exact store keys states by it). */
  add(fp: Fingerprint, parent: number, via: number, limit: number, w?: Uint32Array): number;
  /** The store reads the vector only, not the fingerprint (which is then not computed). */
  readonly vectorOnly?: boolean;
}

/** What a `vectorOnly` store is given for a fingerprint. */
const NO_FINGERPRINT: Fingerprint = Object.freeze({ hi: 0, lo: 0 });

/** Queued vectors with their store index and depth (VectorFrontier, or a batch's in- and out-boxes). */
export interface VectorQueue {
  readonly size: number;
  /** Depth of the state last popped. */
  readonly depth: number;
  push(w: Uint32Array, index: number, depth: number): void;
  pop(into: Uint32Array): number;
}

/**
 * What a caller other than a whole search supplies (a batch of a distributed search, batch.ts):
 * its own store and queue, states already queued, and what the end of the batch returns.
 */
export interface SearchParts<G> {
  readonly store: VectorStore;
  readonly queue: VectorQueue;
  /** Called before the loop runs, with its tally (to drop witnesses already found elsewhere). */
  readonly start?: (tally: SearchTally<G>, lockOrder: LockOrderGraph | undefined) => void;
  readonly end: (tally: SearchTally<G>) => KernelOutcome;
  /** The queue starts empty: the loop stores and queues the initial state (a batch's is preloaded). */
  readonly seeds?: boolean;
  /** The steps taken from each state (LoopParts.steps). */
  readonly steps?: LoopParts<G>['steps'];
  /** Lock order is not tracked (a search whose ends are its own). */
  readonly noLockOrder?: boolean;
}

/**
 * A search resumed from a snapshot: the routine names the snapshot numbered (every later snapshot
 * keeps them), and the snapshot, taken once (the search takes its arrays over; after a relayout
 * there is none, and the search starts from the initial state).
 */
interface Resuming {
  readonly routines: readonly string[];
  readonly take: () => SearchSnapshot | undefined;
}

/**
 * The search on the compiled space: `search`'s loop (loop.ts) over packed vectors. `parts`: a
 * batch's own store, queue and end (batch.ts); `resuming`: a snapshot to go on from; `graph`: a
 * recorder of the state graph (the liveness graph), which sees each new state with the views
 * pointed at it.
 */
export function search<G>(
  model: Model<G>,
  cfg: ExploreConfig,
  space: CompiledSpace<G>,
  started: number,
  relayouts: number,
  parts?: SearchParts<G>,
  resuming?: Resuming,
  graph?: GraphRecorder,
): KernelOutcome | Relayout {
  let resume = resuming?.take();
  const resumed = resume !== undefined;
  const routines = resuming?.routines ?? [];
  const reduction = cfg.por || cfg.symmetry !== false ? new Reduction(model, { por: cfg.por, symmetry: cfg.symmetry, properties: cfg.properties }) : undefined;
  // Symmetry: each state is stored under its class representative (the reference space's, so the
  // classes are the same), the frontier keeps the state itself, so stored paths replay exactly.
  const symmetric = reduction?.symmetric === true;
  const por = reduction?.active.por === true;
  // The cycle proviso needs the depth each state was stored at, and which state a step reached.
  const depths = por ? new Depths(resume?.arrays.depths) : undefined;
  // A parallel search (--workers): the visited set and the work queue are shared between workers.
  const shared = cfg.shared;
  const local = shared || parts ? undefined : resume ? FingerprintStore.restore(model, por, resume.arrays) : cfg.exact ? new VectorExactStore(space.size >> 2) : new FingerprintStore(model, por || graph !== undefined);
  const store: VectorStore = parts?.store ?? local ?? shared!.store;
  const vectorOnly = store.vectorOnly === true;
  // Checkpoints are of the fingerprint store (an exact search takes none).
  const fingerprints = local instanceof FingerprintStore ? local : undefined;
  const own = parts ? undefined : new VectorFrontier(space.size, cfg.strategy === 'dfs');
  const frontier: VectorQueue = parts?.queue ?? own!;
  const selected = cfg.properties;
  const checks = new PropertyChecks(model, selected);
  const lockOrder = parts?.noLockOrder !== true && (!selected || selected.has(LOCK_ORDER)) ? new LockOrderGraph() : undefined;
  const g = space.root;
  const view = space.view;
  space.keepExitLocals = checks.hasExitChecks;
  const cur = space.vector();
  const next = space.vector();
  const scratch = space.vector();
  const rep = space.vector();
  /** The words the store keys `next` by: the vector of its class representative under symmetry. */
  const keyOf = (): Uint32Array => {
    if (!symmetric) return next.w;
    const world = space.decode(next.b);
    const r = reduction!.representative(world);
    if (r === world) return next.w;
    try {
      rep.b.set(space.encode(r));
    } catch (thrown) {
      if (thrown instanceof Misfit) throw new Relayout(r as World<unknown>, `a state renamed by symmetry (${explainThrown(thrown)})`);
      throw thrown;
    }
    return rep.w;
  };
  const tally = new SearchTally(
    model,
    checks,
    store,
    lockOrder,
    cfg.now,
    started,
    () => ({
      engine: { name: 'compiled', vectorBytes: space.size, relayouts },
      ...(reduction ? { reduction: { ...reduction.active, prunedSteps: reduction.pruned, provisoExpansions: reduction.provisoExpansions } } : {}),
    }),
    // (Under symmetry, as on the reference space, no encodings: the path replays and is judged.)
    (i) => (symmetric ? {} : { pathKeys: keysAlong(model, store.pathTo(i)) }),
  );
  const differs = (b: Uint8Array, thrown: unknown, reference: (w: World<G>) => unknown): Relayout => propertyDiffers(space, b, thrown, reference);
  const initial = encodeInitial(model, space);
  if (initial instanceof Relayout) return initial;
  if (resume) {
    restoreSearch(resume, model, space, initial, own!, { store: fingerprints!, tally, lockOrder, cur, next });
    if (reduction) {
      reduction.pruned = resume.header.reduction?.pruned ?? 0;
      reduction.provisoExpansions = resume.header.reduction?.provisoExpansions ?? 0;
    }
    resume = undefined;
  }
  /** Hands the search as it stands to the checkpoint callback (between two expansions). */
  const checkpoint =
    cfg.checkpoint === undefined || fingerprints === undefined || own === undefined
      ? undefined
      : (): void => {
          cfg.checkpoint!.save({
            header: {
              format: SNAPSHOT_FORMAT,
              identity: searchIdentity(model, cfg),
              routines: routineNames(model, routines),
              layout: space.facts.toData(),
              vectorBytes: space.size,
              elapsedMs: Math.max(0, cfg.now() - started),
              relayouts,
              states: fingerprints.size,
              queued: frontier.size,
              tally: tally.counts(),
              reduction: reduction ? { pruned: reduction.pruned, provisoExpansions: reduction.provisoExpansions } : null,
              lockOrder: lockOrder ? { edges: lockOrder.edgeList(), inversion: lockOrder.inversion ?? null } : null,
            },
            arrays: { ...fingerprints.snapshot(), ...(depths ? { depths: depths.snapshot(fingerprints.size) } : {}), ...own.snapshot(), initial: new Uint32Array(initial.buffer, initial.byteOffset, initial.byteLength >> 2) },
          });
          tally.checkpointed();
        };
  let depth = 0;
  const states: LoopStates<G> = {
    checkpoint,
    store,
    get queued() {
      return frontier.size;
    },
    get depth() {
      return depth;
    },
    get failure() {
      return space.failure;
    },
    initial: () => next.b.set(initial),
    visit: (parent, via, limit) => {
      const w = keyOf();
      return store.add(vectorOnly ? NO_FINGERPRINT : hashWords(w), parent, via, limit, w);
    },
    // (A state another worker stored: its depth is not known here, so the ample set is not kept.)
    seenDeeper: (d) => local !== undefined && depths!.at(local.seenIndex) > d,
    seenIndex: () => local!.seenIndex,
    stored: (index, d) => depths?.set(index, d),
    judge: (index, t) => {
      space.point(next.b);
      let failure: Failure | undefined;
      try {
        failure = checks.stateFailure(g, view);
      } catch (thrown) {
        throw differs(next.b, thrown, (w) => checks.checkState(w, undefined));
      }
      if (failure) return failure;
      if (t.pending.size === 0) return undefined;
      let hits: number[];
      try {
        hits = checks.reachedIn(g, view, t.pending);
      } catch (thrown) {
        throw differs(next.b, thrown, (w) => checks.reached(w, t.pending));
      }
      t.witnessed(index, hits);
      return undefined;
    },
    judgeExit: (tid) => {
      space.point(next.b);
      const locals = space.exitLocals;
      view.exiting = locals ? { tid, locals } : undefined;
      try {
        return checks.exitFailure(g, view, tid);
      } catch (thrown) {
        throw differs(next.b, thrown, (w) => checks.checkExit(w, tid));
      } finally {
        view.exiting = undefined;
      }
    },
    push: (index, d) => frontier.push(next.w, index, d),
    pop: () => {
      const index = frontier.pop(cur.w);
      depth = frontier.depth;
      return index;
    },
    give: () => frontier.pop(next.w),
    adopt: (index, path) => {
      replayPath(space, initial, path, cur, next);
      frontier.push(cur.w, index, path.length);
    },
    enable: () => enableOrRelayout(model, space, cur.b),
    tid: (k) => space.en.tid[k]!,
    tids: () => space.en.tid,
    transition: (k) => space.transition(k),
    acquires: (k) => space.en.alts[k]!.acquires !== undefined,
    apply: (k) => {
      next.w.set(cur.w);
      try {
        return space.applyEnabled(k, next.b);
      } catch (thrown) {
        throw relayoutFor(model, space, cur.b, space.transition(k), thrown);
      }
    },
    world: () => space.decode(cur.b),
    checkDeterminism: (path) => checkDeterminismPacked(model, space, cur.b, path, next, scratch),
    positions: () => {
      space.point(cur.b);
      return space;
    },
    observeLock: (graph, k, index) => {
      space.point(cur.b);
      const t = space.transition(k);
      graph.record(model, t, space.en.alts[k]!.acquires!(space.root, space.topLocals(t.tid) as never), space.locksHeld(t.tid), index, k);
    },
    caught: (thrown) => (thrown instanceof Relayout ? thrown : undefined),
  };
  parts?.start?.(tally, lockOrder);
  const recorder: GraphRecorder | undefined = graph && {
    expand: (index, n, at) => graph.expand(index, n, at),
    state: (index, parent, via) => {
      space.point(next.b);
      graph.state(index, parent, via);
    },
    edge: (k, to, at) => graph.edge(k, to, at),
  };
  return searchLoop<G, Relayout>(states, { model, cfg, checks, tally, lockOrder, reduction, shared, preloaded: (parts !== undefined && parts.seeds !== true) || resumed, graph: recorder, steps: parts?.steps }, () => {
    if (parts) return parts.end(tally);
    if (shared) return tally.finishShared(shared.finished, nestsSymmetricLocks(model, symmetric, lockOrder));
    if (!lockOrder?.inversion && nestsSymmetricLocks(model, symmetric, lockOrder)) {
      const again = exploreCompiled(model, { ...cfg, symmetry: false, checkpoint: undefined, resume: undefined });
      if ('fallback' in again) throw new Relayout(undefined, again.fallback);
      return withoutSymmetry(again.outcome, tally.stats().elapsedMs);
    }
    return tally.end();
  });
}

/** A property threw on the compiled space: the reference space's error (thrown by `reference`), or a restart that says why. */
function propertyDiffers<G>(space: CompiledSpace<G>, b: Uint8Array, thrown: unknown, reference: (w: World<G>) => unknown): Relayout {
  reference(space.decode(b));
  return new Relayout(undefined, `a guard or property behaved differently on the packed state (${explainThrown(thrown)})`);
}

/** The initial state as a vector, or the restart that teaches the layout its shape. */
function encodeInitial<G>(model: Model<G>, space: CompiledSpace<G>): Uint8Array | Relayout {
  try {
    return space.encode(model.initial);
  } catch (thrown) {
    return new Relayout(model.initial as World<unknown>, `initial state (${explainThrown(thrown)})`);
  }
}

/**
 * The determinism check on packed states: the guards twice (the same steps enabled), every step
 * twice (the same outcome, byte for byte). A difference is diagnosed by the reference space's own
 * check, whose message users know; should that run not reproduce it, the same message is given
 * here. Anything else going wrong is left to the search, which replays it on the reference space.
 */
function checkDeterminismPacked<G>(model: Model<G>, space: CompiledSpace<G>, b: Uint8Array, path: string, x: { b: Uint8Array; w: Uint32Array }, y: { b: Uint8Array; w: Uint32Array }): void {
  let first: Transition[];
  let second: Transition[];
  try {
    first = space.enabled(b);
    second = space.enabled(b);
  } catch {
    return;
  }
  if (!sameSteps(first, second)) {
    checkDeterminism(model, space.decode(b), path);
    throw guardsDiffer(model, first, second, path);
  }
  const outcome = (k: number, into: { b: Uint8Array; w: Uint32Array }): string => {
    into.b.set(b);
    const kind = space.applyEnabled(k, into.b);
    const f = space.failure;
    return kind === FAILED ? `failed ${f!.verdict} ${f!.property} ${f!.message}` : `${kind}`;
  };
  for (let k = 0; k < first.length; k++) {
    let same: boolean;
    try {
      space.enable(b);
      const a = outcome(k, x);
      const c = outcome(k, y);
      same = a === c && (a.startsWith('failed') || x.w.every((word, i) => word === y.w[i]));
    } catch {
      continue;
    }
    if (!same) {
      checkDeterminism(model, space.decode(b), path);
      throw stepDiffers(model, first[k]!, path);
    }
  }
  space.enable(b);
}

/** The enabled steps of `b`; a guard that throws here is run on the reference space (its error is the model's), else the layout is at fault. */
function enableOrRelayout<G>(model: Model<G>, space: CompiledSpace<G>, b: Uint8Array): number {
  try {
    return space.enable(b);
  } catch (thrown) {
    enabledTransitions(model, space.decode(b));
    throw new Relayout(undefined, `a guard behaved differently on the packed state (${explainThrown(thrown)})`);
  }
}

/**
 * Puts a snapshot's search back on `space` (its layout from the snapshot): the frontier, the counts
 * and the lock-order graph; the store and depths are restored by their owners. A routine gets its
 * number when first called, so for each routine a queued state's frames name that this model has
 * not used yet, the path to one such state is replayed once (the numbering is by name: see
 * `routineNumbering`).
 */
function restoreSearch<G>(
  snapshot: SearchSnapshot,
  model: Model<G>,
  space: CompiledSpace<G>,
  initial: Uint8Array,
  frontier: VectorFrontier,
  parts: { store: FingerprintStore<G>; tally: SearchTally<G>; lockOrder: LockOrderGraph | undefined; cur: { b: Uint8Array; w: Uint32Array }; next: { b: Uint8Array; w: Uint32Array } },
): void {
  const { header: h, arrays: a } = snapshot;
  const words = space.size >> 2;
  const packed = new Uint32Array(initial.buffer, initial.byteOffset, words);
  if (h.vectorBytes !== space.size || a.initial.length !== words || packed.some((w, i) => w !== a.initial[i])) {
    throw new UsageError(`the model's initial state does not pack as it did when the checkpoint was written (has the model changed?): start the search again`);
  }
  if (parts.store.size !== h.states || a.queue.length !== 2 * h.queued) throw new Error('the checkpoint is inconsistent (states or queue)');
  const { cur, next } = parts;
  for (let k = 0; k < h.queued; k++) {
    cur.w.set(a.vectors.subarray(k * words, (k + 1) * words));
    space.point(cur.b);
    let known = true;
    for (let tid = 0; tid < space.threadCount && known; tid++) {
      for (let d = space.depthOf(tid) - 1; d >= 0 && known; d--) known = routineName(model, space.fnAt(tid, d)) !== undefined;
    }
    if (!known) replayPath(space, initial, parts.store.pathTo(a.queue[2 * k]!), cur, next);
  }
  checkRoutines(snapshot, model);
  frontier.restore(a.vectors, a.queue);
  parts.tally.restore(h.tally);
  if (parts.lockOrder && h.lockOrder) parts.lockOrder.restore(h.lockOrder.edges, h.lockOrder.inversion ?? undefined);
}

/** Rebuilds in `out` the vector at the end of `path` from the initial vector (`tmp` is scratch). */
function replayPath<G>(space: CompiledSpace<G>, initial: Uint8Array, path: readonly number[], out: { b: Uint8Array; w: Uint32Array }, tmp: { b: Uint8Array; w: Uint32Array }): void {
  out.b.set(initial);
  for (const choice of path) {
    const n = space.enable(out.b);
    if (choice >= n) throw new Error(`replaying a stored path: step ${choice} is not enabled`);
    tmp.w.set(out.w);
    if (space.applyEnabled(choice, tmp.b) === FAILED) throw new Error('replaying a stored path: a step failed');
    out.w.set(tmp.w);
  }
}

export function explainThrown(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

/** What the layout derived from `facts` looks like; equal signatures mean a relayout would change nothing. */
export function layoutSignature(facts: LayoutFacts): string {
  const spec = (s: Spec): string => {
    const parts: string[] = [];
    // Dictionary sizes count: a parallel search's frozen dictionaries change only by learning.
    if (s.scalars) parts.push(s.intOnly ? `i${Math.min(s.lo, 0)}:${s.hi - Math.min(s.lo, 0) > 255 ? (s.hi - Math.min(s.lo, 0) > 65535 ? 'd' : 2) : 1}` : `d${s.wide ? 2 : 1}/${s.dict.length}`);
    if (s.rec) parts.push(`{${[...s.rec].map(([k, c]) => `${k}:${spec(c)}`).join(',')}}`);
    if (s.list) parts.push(`[${s.list.cap}:${spec(s.list.elem)}]`);
    return parts.join('|');
  };
  const locals = [...facts.locals].map(([fn, s]) => `${fn}=${spec(s)}`).join(';');
  const frames = facts.frames.map((ds) => ds.map((fns) => [...fns].sort().join(',')).join('/')).join(';');
  return `${spec(facts.shared)}#${locals}#${frames}#${spec(facts.into)}`;
}

/** Depth at which each state was stored, by state index (for the cycle proviso). */
class Depths {
  private d: Int32Array;
  constructor(from?: Int32Array) {
    this.d = new Int32Array(Math.max(1024, from?.length ?? 0));
    if (from) this.d.set(from);
  }
  /** The depths of the first `n` states (a view). */
  snapshot(n: number): Int32Array {
    return this.d.subarray(0, n);
  }
  set(i: number, depth: number): void {
    if (i >= this.d.length) {
      const more = new Int32Array(Math.max(i + 1, this.d.length * 2));
      more.set(this.d);
      this.d = more;
    }
    this.d[i] = depth;
  }
  at(i: number): number {
    return this.d[i]!;
  }
}

/**
 * Queued states as vectors in one typed array (with their store index and depth): FIFO for BFS,
 * LIFO for DFS, in the same order as the reference frontier.
 */
export class VectorFrontier {
  private vecs: Uint32Array;
  private meta: Int32Array;
  private readonly words: number;
  private head = 0;
  private tail = 0;
  /** Depth of the state last popped. */
  depth = 0;

  constructor(
    width: number,
    private readonly lifo: boolean,
  ) {
    this.words = width >> 2;
    this.vecs = new Uint32Array(this.words * 1024);
    this.meta = new Int32Array(2 * 1024);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** The queued vectors and their (index, depth) pairs, oldest first: views, valid until the next push or pop. */
  snapshot(): { vectors: Uint32Array; queue: Int32Array } {
    return { vectors: this.vecs.subarray(this.head * this.words, this.tail * this.words), queue: this.meta.subarray(2 * this.head, 2 * this.tail) };
  }

  /** Queues what `snapshot` gave, in its order (into an empty frontier). */
  restore(vectors: Uint32Array, queue: Int32Array): void {
    const n = queue.length >> 1;
    if (vectors.length !== n * this.words || this.size !== 0) throw new Error('a snapshot of the frontier does not match its vectors');
    const cap = Math.max(1024, 2 * n);
    this.vecs = new Uint32Array(cap * this.words);
    this.vecs.set(vectors);
    this.meta = new Int32Array(2 * cap);
    this.meta.set(queue);
    this.head = 0;
    this.tail = n;
  }

  get bytes(): number {
    return this.vecs.byteLength + this.meta.byteLength;
  }

  push(b: Uint32Array, index: number, depth: number): void {
    if (this.tail * 2 === this.meta.length) this.makeRoom();
    const t = this.tail++;
    this.vecs.set(b, t * this.words);
    this.meta[2 * t] = index;
    this.meta[2 * t + 1] = depth;
  }

  /** Copies the next state's vector into `into`; returns its store index (its depth is in `depth`). */
  pop(into: Uint32Array): number {
    const k = this.lifo ? --this.tail : this.head++;
    const w = this.words;
    const vecs = this.vecs;
    for (let j = 0, at = k * w; j < w; j++) into[j] = vecs[at + j]!;
    this.depth = this.meta[2 * k + 1]!;
    const index = this.meta[2 * k]!;
    if (this.head === this.tail) this.head = this.tail = 0;
    return index;
  }

  private makeRoom(): void {
    const w = this.words;
    const live = this.tail - this.head;
    if (this.head > 0 && live * 2 <= this.tail) {
      this.vecs.copyWithin(0, this.head * w, this.tail * w);
      this.meta.copyWithin(0, 2 * this.head, 2 * this.tail);
    } else {
      const cap = this.meta.length; // entries * 2 → doubles the entries
      const vecs = new Uint32Array(cap * w);
      vecs.set(this.vecs.subarray(this.head * w, this.tail * w));
      const meta = new Int32Array(cap * 2);
      meta.set(this.meta.subarray(2 * this.head, 2 * this.tail));
      this.vecs = vecs;
      this.meta = meta;
    }
    this.head = 0;
    this.tail = live;
  }
}

/**
 * Canonical encodings of the states along `path`, initial first, recomputed by replaying it on the
 * reference space (the store keeps no encodings): a replay compares its own states with these.
 */
export function keysAlong<G>(model: Model<G>, path: readonly number[]): string[] {
  const keys: string[] = [];
  let site: { actor: string; step: string } | undefined;
  followPath(
    model,
    path,
    (t) => void (site = { actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) }),
    (world) => keys.push(encodeWorld(model, world, site)),
  );
  return keys;
}
