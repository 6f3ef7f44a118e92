/**
 * The liveness check: builds the model's full state graph (every reachable state and every step
 * between them, with no reduction: partial-order and symmetry reduction as used for safety do not
 * preserve liveness, so they are never applied here) and looks for a fair lasso per property with
 * the SCC search in fairCycle.ts.
 *
 * Steps that fail an assertion have no successor here (the safety search reports them); a state
 * with no successors is an execution that stops for ever, which violates a pending obligation.
 */
import { UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { isLiveness, type LivenessProperty, type StatePredicate } from '../core/property.ts';
import { transitionLabel } from '../core/transitions.ts';
import { ModelWorldView } from '../core/worldView.ts';
import type { World } from '../core/world.ts';
import { findFairCycleCompact, type CompactGraph, type Fairness } from './fairCycle.ts';
import { Relayout, search, withLayout } from './kernel.ts';
import type { GraphRecorder } from './loop.ts';
import { searchReference, type ExploreOutcome } from './explore.ts';
import { frontierFor } from './frontier.ts';
import { ExactStore } from './stateStore.ts';
import { resolveOptions, type Engine } from './options.ts';
import type { EngineStats, ReplayPath, Stats } from './result.ts';

export type { Fairness } from './fairCycle.ts';

export interface LivenessOptions {
  readonly fairness?: Fairness;
  readonly maxStates?: number;
  /** Only these properties (by name); default: every liveness property of the model. */
  readonly properties?: readonly string[];
  readonly now?: () => number;
  /** The state space to build the graph on (default compiled, falling back to the reference one). */
  readonly engine?: Engine;
}

export type LivenessResult =
  | { readonly verdict: 'pass'; readonly checked: readonly string[]; readonly fairness: Fairness; readonly stats: Stats }
  | {
      readonly verdict: 'violation';
      readonly property: { readonly name: string; readonly kind: 'leadsTo' | 'progress' };
      readonly message: string;
      /** Stem followed by one turn of the cycle: replaying it ends where the cycle starts. */
      readonly path: ReplayPath;
      /** Index into `path` where the cycle begins (= path.length when the execution just stops). */
      readonly cycleStart: number;
      readonly fairness: Fairness;
      readonly stats: Stats;
    }
  | { readonly verdict: 'incomplete'; readonly budget: 'maxStates'; readonly fairness: Fairness; readonly stats: Stats };

/**
 * The full state graph as the liveness search needs it: compact rows of edges, BFS parents for
 * stems, the label of each edge (by id), and, per liveness property, which states satisfy its goal
 * and its trigger, judged as each state was found (the states themselves are not kept).
 */
export interface LiveGraph {
  readonly graph: CompactGraph;
  readonly parent: Int32Array;
  readonly via: Int32Array;
  /** Label id of each edge, and the labels. */
  readonly edgeLabel: Int32Array;
  readonly labels: readonly string[];
  /** Per property (in the order given): goal and trigger bits by state. */
  readonly goal: readonly Uint8Array[];
  readonly trigger: readonly (Uint8Array | undefined)[];
}

const NO_PARENT = -1;

export function livenessProperties<G>(model: Model<G>, names?: readonly string[]): LivenessProperty<G>[] {
  const all = model.properties.filter(isLiveness);
  return names === undefined ? all : all.filter((p) => names.includes(p.name));
}

/** Grows typed arrays of edges and per-state data as the build goes. */
class GraphBuilder {
  size = 0;
  edges = 0;
  edgeStart = new Int32Array(1024);
  edgeTo = new Int32Array(1024);
  edgeActor = new Uint16Array(1024);
  edgeChoice = new Uint16Array(1024);
  edgeLabel = new Int32Array(1024);
  parent = new Int32Array(1024);
  via = new Int32Array(1024);
  enabled: Uint8Array;
  readonly goal: Uint8Array[];
  readonly trigger: (Uint8Array | undefined)[];
  readonly labels: string[] = [];
  private readonly labelIds = new Map<number, number>();

  constructor(
    private readonly actors: number,
    private readonly props: readonly LivenessProperty<unknown>[],
  ) {
    this.enabled = new Uint8Array(1024 * actors);
    this.goal = props.map(() => new Uint8Array(1024));
    this.trigger = props.map((p) => (p.kind === 'leadsTo' && p.trigger !== 'initial' ? new Uint8Array(1024) : undefined));
  }

  /** A new state: its parent edge, and its goal and trigger bits from `judge(predicate)`. */
  addState(parent: number, via: number, judge: (pred: StatePredicate<unknown>) => boolean): number {
    const s = this.size++;
    if (s === this.parent.length) this.growStates();
    this.parent[s] = parent;
    this.via[s] = via;
    this.props.forEach((p, i) => {
      if (p.kind !== 'leadsTo') return;
      this.goal[i]![s] = judge(p.goal) ? 1 : 0;
      if (p.trigger !== 'initial') this.trigger[i]![s] = judge(p.trigger) ? 1 : 0;
    });
    return s;
  }

  /** Starts the rows of state `s` (states are expanded in order). */
  expand(s: number): void {
    this.edgeStart[s] = this.edges;
  }

  setEnabled(s: number, actor: number): void {
    this.enabled[s * this.actors + actor] = 1;
  }

  /** Adds an edge taking step `t` (its label is looked up once per routine, statement and alternative). */
  addEdge<G>(model: Model<G>, to: number, tid: number, fn: number, stmt: number, alt: number, choice: number): void {
    const e = this.edges++;
    if (e === this.edgeTo.length) this.growEdges();
    this.edgeTo[e] = to;
    this.edgeActor[e] = tid;
    this.edgeChoice[e] = choice;
    const key = (fn * 65536 + stmt) * 256 + alt;
    let id = this.labelIds.get(key);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(transitionLabel(model, { tid, fn, stmt, alt }));
      this.labelIds.set(key, id);
    }
    this.edgeLabel[e] = id;
  }

  finish(): LiveGraph {
    const n = this.size;
    const edgeStart = new Int32Array(n + 1);
    edgeStart.set(this.edgeStart.subarray(0, n));
    edgeStart[n] = this.edges;
    const m = this.edges;
    return {
      graph: {
        size: n,
        actors: this.actors,
        edgeStart,
        edgeTo: this.edgeTo.subarray(0, m),
        edgeActor: this.edgeActor.subarray(0, m),
        edgeChoice: this.edgeChoice.subarray(0, m),
        enabled: this.enabled.subarray(0, n * this.actors),
      },
      parent: this.parent.subarray(0, n),
      via: this.via.subarray(0, n),
      edgeLabel: this.edgeLabel.subarray(0, m),
      labels: this.labels,
      goal: this.goal.map((b) => b.subarray(0, n)),
      trigger: this.trigger.map((b) => b?.subarray(0, n)),
    };
  }

  private growStates(): void {
    const n = this.parent.length * 2;
    this.parent = grown(this.parent, n);
    this.via = grown(this.via, n);
    this.edgeStart = grown(this.edgeStart, n);
    this.enabled = grownBytes(this.enabled, n * this.actors);
    this.goal.forEach((b, i) => (this.goal[i] = grownBytes(b, n)));
    this.trigger.forEach((b, i) => (this.trigger[i] = b && grownBytes(b, n)));
  }

  private growEdges(): void {
    const n = this.edgeTo.length * 2;
    this.edgeTo = grown(this.edgeTo, n);
    this.edgeLabel = grown(this.edgeLabel, n);
    const actor = new Uint16Array(n);
    actor.set(this.edgeActor);
    this.edgeActor = actor;
    const choice = new Uint16Array(n);
    choice.set(this.edgeChoice);
    this.edgeChoice = choice;
  }
}

function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function grownBytes(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

/**
 * The graph on the reference space, made by the one search loop (BFS, so parents give shortest
 * stems; checking nothing; an exact store; a graph recorder observing it). Undefined when the
 * budget ran out.
 */
function buildReferenceGraph<G>(model: Model<G>, props: readonly LivenessProperty<G>[], maxStates: number): LiveGraph | undefined {
  const b = new GraphBuilder(model.actors.length, props as readonly LivenessProperty<unknown>[]);
  const view = new ModelWorldView(model);
  // The state just stored (the recorder hears of it right after the store does).
  let stored: World<G> = model.initial;
  const cfg = resolveOptions({ properties: [], por: false, symmetry: false, determinismChecks: 0, strategy: 'bfs', onStore: (w) => void (stored = w as World<G>) });
  const recorder: GraphRecorder = {
    expand: (s, n, at) => {
      if (b.size > maxStates) return false;
      b.expand(s);
      for (let k = 0; k < n; k++) b.setEnabled(s, at.transition(k).tid);
      return true;
    },
    state: (_index, parent, via) => {
      view.world = stored;
      b.addState(parent < 0 ? NO_PARENT : parent, via, (pred) => pred(stored.shared, view));
    },
    edge: (k, to, at) => {
      const t = at.transition(k);
      b.addEdge(model, to, t.tid, t.fn, t.stmt, t.alt, k);
    },
  };
  const ends = (): ExploreOutcome => ({ verdict: 'pass', stats: { states: b.size, transitions: 0, depth: 0, elapsedMs: 0, statesPerSecond: 0 }, witnesses: [] });
  const out = searchReference(model, cfg, { store: new ExactStore(model), frontier: frontierFor<G>('bfs', false), steps: undefined, end: ends, graph: recorder });
  return out.verdict === 'incomplete' ? undefined : b.finish();
}

/**
 * The graph on the compiled space, made by the one search loop (BFS, checking nothing, a graph
 * recorder observing it); `fallback` when that space cannot hold the model.
 */
function buildCompiledGraph<G>(model: Model<G>, props: readonly LivenessProperty<G>[], maxStates: number): LiveGraph | undefined | { fallback: string } {
  const cfg = resolveOptions({ properties: [], por: false, symmetry: false, determinismChecks: 0, strategy: 'bfs' });
  return withLayout(model, (space, relayouts) => {
    const b = new GraphBuilder(model.actors.length, props as readonly LivenessProperty<unknown>[]);
    const referenceView = new ModelWorldView(model);
    const en = space.en;
    /** Judges the state the views point at (the state just stored). */
    const judge = (pred: StatePredicate<unknown>): boolean => {
      try {
        return pred(space.root, space.view);
      } catch (thrown) {
        // The reference space's answer: its error is the model's; if it has none, this space cannot run the model.
        const w = space.decode(space.cursor.b);
        referenceView.world = w;
        pred(w.shared, referenceView);
        throw new Relayout(undefined, `a liveness property behaved differently on the packed state (${String(thrown)})`);
      }
    };
    const recorder: GraphRecorder = {
      expand: (s, n) => {
        if (b.size > maxStates) return false;
        b.expand(s);
        for (let k = 0; k < n; k++) b.setEnabled(s, en.tid[k]!);
        return true;
      },
      state: (_index, parent, via) => void b.addState(parent < 0 ? NO_PARENT : parent, via, judge),
      edge: (k, to) => b.addEdge(model, to, en.tid[k]!, en.fn[k]!, en.stmt[k]!, en.alt[k]!, k),
    };
    const out = search(model, cfg, space, cfg.now(), relayouts, undefined, undefined, recorder);
    if (out instanceof Relayout) return out;
    return out.verdict === 'incomplete' ? undefined : b.finish();
  });
}

function stemTo(g: LiveGraph, s: number): number[] {
  const path: number[] = [];
  for (let at = s; g.parent[at] !== NO_PARENT; at = g.parent[at]!) path.push(g.via[at]!);
  return path.reverse();
}

export function checkLiveness<G>(model: Model<G>, options: LivenessOptions = {}): LivenessResult {
  const fairness = options.fairness ?? 'weak';
  const now = options.now ?? (() => Date.now());
  const started = now();
  const props = livenessProperties(model, options.properties);
  if (options.properties) {
    for (const name of options.properties) {
      if (!model.properties.some((p) => p.name === name)) throw new UsageError(`model ${model.name} has no property "${name}"`);
    }
  }
  const maxStates = options.maxStates ?? Number.POSITIVE_INFINITY;
  let engine: EngineStats = { name: 'reference' };
  let live: LiveGraph | undefined;
  if ((options.engine ?? 'compiled') === 'compiled') {
    const built = buildCompiledGraph(model, props, maxStates);
    if (built !== undefined && 'fallback' in built) {
      engine = { name: 'reference', fallback: built.fallback };
      live = buildReferenceGraph(model, props, maxStates);
    } else {
      engine = { name: 'compiled' };
      live = built;
    }
  } else live = buildReferenceGraph(model, props, maxStates);
  const stats = (states: number, transitions: number): Stats => {
    const elapsedMs = Math.max(0, now() - started);
    return { states, transitions, depth: 0, elapsedMs, statesPerSecond: elapsedMs > 0 ? Math.round((states * 1000) / elapsedMs) : states, engine };
  };
  if (live === undefined) return { verdict: 'incomplete', budget: 'maxStates', fairness, stats: stats(options.maxStates ?? 0, 0) };
  const graph = live.graph;
  const transitions = graph.edgeTo.length;
  const noEdges = (s: number): boolean => graph.edgeStart[s] === graph.edgeStart[s + 1];

  for (let pi = 0; pi < props.length; pi++) {
    const p = props[pi]!;
    let lasso;
    if (p.kind === 'leadsTo') {
      const goal = live.goal[pi]!;
      const trigger = live.trigger[pi];
      const seeds: number[] = [];
      if (p.trigger === 'initial') {
        if (goal[0] === 0) seeds.push(0);
      } else for (let s = 0; s < graph.size; s++) if (goal[s] === 0 && trigger![s] === 1) seeds.push(s);
      lasso = findFairCycleCompact(graph, { seeds, inRegion: (s) => goal[s] === 0, fairness });
    } else {
      // Whether each edge is a progress step, asked once per (actor, label).
      const asked = new Map<string, boolean>();
      const progress = new Uint8Array(transitions);
      for (let e = 0; e < transitions; e++) {
        const actor = model.actors[graph.edgeActor[e]!]!.name;
        const label = live.labels[live.edgeLabel[e]!]!;
        const key = `${graph.edgeActor[e]}\u0000${live.edgeLabel[e]}`;
        let yes = asked.get(key);
        if (yes === undefined) asked.set(key, (yes = p.isProgress({ actor, label })));
        progress[e] = yes ? 1 : 0;
      }
      const progressEdge = (e: number): boolean => progress[e] === 1;
      // Only infinite executions matter for progress: a stop is not a violation.
      const seeds: number[] = [];
      for (let s = 0; s < graph.size; s++) if (!noEdges(s)) seeds.push(s);
      lasso = findFairCycleCompact(graph, {
        seeds,
        inRegion: (s) => !noEdges(s),
        edgeAllowed: (e) => !progressEdge(e),
        fairness,
      });
    }
    if (lasso === undefined) continue;
    const stem = [...stemTo(live, lasso.seed), ...lasso.toCycle.map((st) => st.edge.choice)];
    const cycle = lasso.cycle.map((st) => st.edge.choice);
    const what =
      p.kind === 'progress'
        ? `an execution can run for ever without a progress step`
        : cycle.length === 0
          ? `an execution can stop without "${p.name}" being met`
          : `an execution can loop for ever without "${p.name}" being met`;
    return {
      verdict: 'violation',
      property: { name: p.name, kind: p.kind },
      message: `${what} (${fairness === 'none' ? 'no fairness assumed' : `${fairness} fairness per actor`}): ${
        cycle.length === 0 ? `after step ${stem.length} nothing can move` : `steps ${stem.length + 1}–${stem.length + cycle.length} repeat`
      }`,
      path: [...stem, ...cycle],
      cycleStart: stem.length,
      fairness,
      stats: stats(graph.size, transitions),
    };
  }
  return { verdict: 'pass', checked: props.map((p) => p.name), fairness, stats: stats(graph.size, transitions) };
}
