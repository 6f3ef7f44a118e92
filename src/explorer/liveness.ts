/**
 * The liveness check: builds the model's full state graph (every reachable state and every step
 * between them, with no reduction: partial-order and symmetry reduction as used for safety do not
 * preserve liveness, so they are never applied here) and looks for a fair lasso per property with
 * the SCC search in fairCycle.ts.
 *
 * Steps that fail an assertion have no successor here (the safety search reports them); a state
 * with no successors is an execution that stops for ever, which violates a pending obligation.
 */
import { encodeWorld } from '../core/determinism.ts';
import { UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { isLiveness, type LivenessProperty, type StatePredicate } from '../core/property.ts';
import { applyTransition, enabledTransitions, transitionLabel } from '../core/transitions.ts';
import { ModelWorldView } from '../core/worldView.ts';
import type { World } from '../core/world.ts';
import { findFairCycle, type Fairness, type GraphEdge, type StateGraphView } from './fairCycle.ts';
import type { ReplayPath, Stats } from './result.ts';

export type { Fairness } from './fairCycle.ts';

export interface LivenessOptions {
  readonly fairness?: Fairness;
  readonly maxStates?: number;
  /** Only these properties (by name); default: every liveness property of the model. */
  readonly properties?: readonly string[];
  readonly now?: () => number;
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

interface Graph<G> extends StateGraphView {
  readonly worlds: World<G>[];
  readonly parent: Int32Array;
  readonly via: Int32Array;
  readonly labels: string[][];
}

const NO_PARENT = -1;

export function livenessProperties<G>(model: Model<G>, names?: readonly string[]): LivenessProperty<G>[] {
  const all = model.properties.filter(isLiveness);
  return names === undefined ? all : all.filter((p) => names.includes(p.name));
}

/** Builds the full state graph (BFS, so parents give shortest stems). Undefined when the budget ran out. */
function buildGraph<G>(model: Model<G>, maxStates: number): Graph<G> | undefined {
  const index = new Map<string, number>();
  const worlds: World<G>[] = [];
  const edges: GraphEdge[][] = [];
  const enabled: Uint8Array[] = [];
  const labels: string[][] = [];
  let parent = new Int32Array(1024);
  let via = new Int32Array(1024);
  const add = (w: World<G>, from: number, choice: number): number => {
    const key = encodeWorld(model, w);
    const known = index.get(key);
    if (known !== undefined) return known;
    const i = worlds.length;
    if (i >= parent.length) {
      const p2 = new Int32Array(parent.length * 2);
      p2.set(parent);
      parent = p2;
      const v2 = new Int32Array(via.length * 2);
      v2.set(via);
      via = v2;
    }
    index.set(key, i);
    worlds.push(w);
    parent[i] = from;
    via[i] = choice;
    return i;
  };
  add(model.initial, NO_PARENT, -1);
  for (let s = 0; s < worlds.length; s++) {
    if (worlds.length > maxStates) return undefined;
    const w = worlds[s]!;
    const ts = enabledTransitions(model, w);
    const on = new Uint8Array(model.actors.length);
    const out: GraphEdge[] = [];
    const names: string[] = [];
    ts.forEach((t, choice) => {
      on[t.tid] = 1;
      names.push(transitionLabel(model, t));
      const r = applyTransition(model, w, t);
      if (r.kind === 'next') out.push({ to: add(r.world, s, choice), actor: t.tid, choice });
    });
    edges.push(out);
    enabled.push(on);
    labels.push(names);
  }
  return {
    size: worlds.length,
    actors: model.actors.length,
    edges: (s) => edges[s]!,
    enabled: (s, a) => enabled[s]![a] === 1,
    worlds,
    parent,
    via,
    labels,
  };
}

function stemTo<G>(g: Graph<G>, s: number): number[] {
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
  const graph = buildGraph(model, options.maxStates ?? Number.POSITIVE_INFINITY);
  const stats = (states: number, transitions: number): Stats => {
    const elapsedMs = Math.max(0, now() - started);
    return { states, transitions, depth: 0, elapsedMs, statesPerSecond: elapsedMs > 0 ? Math.round((states * 1000) / elapsedMs) : states };
  };
  if (graph === undefined) return { verdict: 'incomplete', budget: 'maxStates', fairness, stats: stats(options.maxStates ?? 0, 0) };
  let transitions = 0;
  for (let s = 0; s < graph.size; s++) transitions += graph.edges(s).length;
  const view = new ModelWorldView(model);
  const holds = (pred: StatePredicate<G>, s: number): boolean => {
    view.world = graph.worlds[s]!;
    return pred(graph.worlds[s]!.shared, view);
  };
  const all = Array.from({ length: graph.size }, (_, i) => i);

  for (const p of props) {
    let lasso;
    if (p.kind === 'leadsTo') {
      const pending = all.filter((s) => !holds(p.goal, s));
      const pendingSet = new Set(pending);
      const trigger = p.trigger;
      const seeds = trigger === 'initial' ? (pendingSet.has(0) ? [0] : []) : pending.filter((s) => holds(trigger, s));
      lasso = findFairCycle(graph, { seeds, inRegion: (s) => pendingSet.has(s), fairness });
    } else {
      const progressEdge = (from: number, e: GraphEdge): boolean =>
        p.isProgress({ actor: model.actors[e.actor]!.name, label: graph.labels[from]![e.choice]! });
      // Only infinite executions matter for progress: a stop is not a violation.
      const stops = new Set(all.filter((s) => graph.edges(s).length === 0));
      lasso = findFairCycle(graph, {
        seeds: all.filter((s) => !stops.has(s)),
        inRegion: (s) => !stops.has(s),
        edgeAllowed: (from, e) => !progressEdge(from, e),
        fairness,
      });
    }
    if (lasso === undefined) continue;
    const stem = [...stemTo(graph, lasso.seed), ...lasso.toCycle.map((st) => st.edge.choice)];
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
