/**
 * Fair cycles in an explicit state graph: the core of the liveness check.
 *
 * A liveness property is violated when, from a "trigger" state, an execution can run forever inside
 * a "region" (states where the goal does not hold), using only "allowed" edges, and fairly. Such an
 * execution ends in a strongly connected component of the region, so the search is SCC-based
 * (Tarjan), with fairness handled per component:
 *
 * - weak fairness (an actor enabled in every state of the cycle must take a step in it): a
 *   component is fair if every actor enabled throughout it has an edge inside it. If not, no cycle
 *   inside it is fair either (the actor stays enabled everywhere and has no edge), so it is dropped.
 * - strong fairness (an actor enabled somewhere on the cycle infinitely often must take a step):
 *   an actor enabled somewhere without an edge inside forces its enabling states out; the rest is
 *   split into components again (the Emerson–Lei / Streett decomposition).
 * - none: any cycle.
 *
 * A state with no successors at all (everything finished, or a deadlock) is an execution that stops
 * there for ever: fair, since no actor is enabled. A cycle is then built through the fair component
 * that takes one step of every actor that has one inside and visits a state where each other actor
 * is disabled, which makes it fair by construction.
 */

export type Fairness = 'weak' | 'strong' | 'none';

export interface GraphEdge {
  readonly to: number;
  /** Index of the actor taking the step. */
  readonly actor: number;
  /** The step's index in the source state's enabled list (a replay choice). */
  readonly choice: number;
}

export interface StateGraphView {
  readonly size: number;
  readonly actors: number;
  edges(state: number): readonly GraphEdge[];
  /** Whether `actor` has an enabled step in `state`. */
  enabled(state: number, actor: number): boolean;
}

export interface FairCycleQuery {
  /** States the execution starts from (already known to be in the region). */
  readonly seeds: readonly number[];
  readonly inRegion: (state: number) => boolean;
  /** Edges the execution may take (default: all). */
  readonly edgeAllowed?: (from: number, e: GraphEdge) => boolean;
  readonly fairness: Fairness;
}

export interface Lasso {
  /** The seed the execution starts from. */
  readonly seed: number;
  /** Steps from the seed to the cycle's first state. */
  readonly toCycle: readonly { readonly from: number; readonly edge: GraphEdge }[];
  /** Steps around the cycle, back to its first state; empty when the execution stops in a state with no successors. */
  readonly cycle: readonly { readonly from: number; readonly edge: GraphEdge }[];
}

export type Step = { readonly from: number; readonly edge: GraphEdge };

/**
 * A state graph in typed arrays (compressed rows): the edges of state s are edgeStart[s] ..
 * edgeStart[s + 1] - 1, in replay order. About 12 bytes an edge and (5 + actors) bytes a state, so
 * graphs of millions of states fit.
 */
export interface CompactGraph {
  readonly size: number;
  readonly actors: number;
  readonly edgeStart: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeActor: Uint16Array;
  readonly edgeChoice: Uint16Array;
  /** enabled[s * actors + a] = 1: the actor has a step in s (possibly one that fails, so no edge). */
  readonly enabled: Uint8Array;
}

export interface CompactQuery {
  readonly seeds: ArrayLike<number>;
  readonly inRegion: (state: number) => boolean;
  /** Edges (by index) the execution may take (default: all). */
  readonly edgeAllowed?: (edge: number) => boolean;
  readonly fairness: Fairness;
  /** The lasso's step for edge `e` leaving `from` (default: a new edge object from the arrays). */
  readonly stepOf?: (from: number, e: number) => Step;
}

/** A compact copy of a graph given through `StateGraphView`. */
export function compactGraph(g: StateGraphView): CompactGraph {
  const edgeStart = new Int32Array(g.size + 1);
  let m = 0;
  for (let s = 0; s < g.size; s++) {
    edgeStart[s] = m;
    m += g.edges(s).length;
  }
  edgeStart[g.size] = m;
  const edgeTo = new Int32Array(m);
  const edgeActor = new Uint16Array(m);
  const edgeChoice = new Uint16Array(m);
  const enabled = new Uint8Array(g.size * g.actors);
  for (let s = 0; s < g.size; s++) {
    g.edges(s).forEach((e, k) => {
      const i = edgeStart[s]! + k;
      edgeTo[i] = e.to;
      edgeActor[i] = e.actor;
      edgeChoice[i] = e.choice;
    });
    for (let a = 0; a < g.actors; a++) enabled[s * g.actors + a] = g.enabled(s, a) ? 1 : 0;
  }
  return { size: g.size, actors: g.actors, edgeStart, edgeTo, edgeActor, edgeChoice, enabled };
}

export function findFairCycle(g: StateGraphView, q: FairCycleQuery): Lasso | undefined {
  const c = compactGraph(g);
  const edgeAllowed = q.edgeAllowed;
  const stepOf = (from: number, i: number): Step => ({ from, edge: g.edges(from)[i - c.edgeStart[from]!]! });
  return findFairCycleCompact(c, {
    seeds: q.seeds,
    inRegion: q.inRegion,
    ...(edgeAllowed
      ? {
          edgeAllowed: (i: number) => {
            const st = stepOf(fromOf(c, i), i);
            return edgeAllowed(st.from, st.edge);
          },
        }
      : {}),
    fairness: q.fairness,
    stepOf,
  });
}

/** The state an edge leaves (binary search over the rows). */
function fromOf(g: CompactGraph, edge: number): number {
  let lo = 0;
  let hi = g.size - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.edgeStart[mid]! <= edge) lo = mid;
    else hi = mid - 1;
  }
  // The last row starting at or before the edge is the one holding it (empty rows before it share its start).
  return lo;
}

const UNSEEN = -2;
const SEED = -1;

/**
 * The fair-lasso search on a compact graph. Everything it keeps per state is in typed arrays
 * sized by the graph; only the lasso it returns is made of objects.
 */
export function findFairCycleCompact(g: CompactGraph, q: CompactQuery): Lasso | undefined {
  const allowed = q.edgeAllowed ?? (() => true);
  const { edgeStart, edgeTo } = g;
  const innerEdge = (e: number): boolean => q.inRegion(edgeTo[e]!) && allowed(e);
  const step = q.stepOf ?? ((from: number, e: number): Step => ({ from, edge: { to: edgeTo[e]!, actor: g.edgeActor[e]!, choice: g.edgeChoice[e]! } }));

  // The part of the region reachable from the seeds, with BFS parents (edge indices) to rebuild the way in.
  const parentEdge = new Int32Array(g.size).fill(UNSEEN);
  const parentFrom = new Int32Array(g.size);
  const order = new Int32Array(g.size);
  let count = 0;
  for (let k = 0; k < q.seeds.length; k++) {
    const s = q.seeds[k]!;
    if (parentEdge[s] === UNSEEN && q.inRegion(s)) {
      parentEdge[s] = SEED;
      order[count++] = s;
    }
  }
  for (let i = 0; i < count; i++) {
    const s = order[i]!;
    for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
      if (!innerEdge(e)) continue;
      const t = edgeTo[e]!;
      if (parentEdge[t] === UNSEEN) {
        parentEdge[t] = e;
        parentFrom[t] = s;
        order[count++] = t;
      }
    }
  }
  const reached = order.subarray(0, count);

  const wayIn = (entry: number): { seed: number; toCycle: Step[] } => {
    const steps: Step[] = [];
    let at = entry;
    while (parentEdge[at] !== SEED) {
      steps.push(step(parentFrom[at]!, parentEdge[at]!));
      at = parentFrom[at]!;
    }
    return { seed: at, toCycle: steps.reverse() };
  };

  // A stop (no successors at all) is a fair end of an execution; prefer the nearest one found.
  for (let i = 0; i < count; i++) {
    const s = reached[i]!;
    if (edgeStart[s] === edgeStart[s + 1]) return { ...wayIn(s), cycle: [] };
  }

  // Component membership: comp[s] = the id of the component being examined.
  const comp = new Int32Array(g.size).fill(-1);
  let compId = 0;
  const work: Int32Array[] = sccsCompact(g, reached, (s) => parentEdge[s] !== UNSEEN, innerEdge);
  while (work.length > 0) {
    const members = work.pop()!;
    const id = compId++;
    for (let k = 0; k < members.length; k++) comp[members[k]!] = id;
    const takes = new Map<number, Step>();
    let edgesIn = 0;
    for (let k = 0; k < members.length; k++) {
      const s = members[k]!;
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) {
        if (!innerEdge(e) || comp[edgeTo[e]!] !== id) continue;
        edgesIn++;
        const a = g.edgeActor[e]!;
        if (!takes.has(a)) takes.set(a, step(s, e));
      }
    }
    if (edgesIn === 0) continue; // a single state without a self-loop is not a cycle
    const disabledAt = new Map<number, number>();
    const enabledSomewhere = new Set<number>();
    for (let k = 0; k < members.length; k++) {
      const s = members[k]!;
      for (let a = 0; a < g.actors; a++) {
        if (g.enabled[s * g.actors + a] === 0) {
          if (!disabledAt.has(a)) disabledAt.set(a, s);
        } else enabledSomewhere.add(a);
      }
    }
    let fair = true;
    if (q.fairness === 'weak') {
      for (let a = 0; a < g.actors; a++) if (!takes.has(a) && !disabledAt.has(a)) fair = false;
    } else if (q.fairness === 'strong') {
      const starved = [...enabledSomewhere].filter((a) => !takes.has(a));
      if (starved.length > 0) {
        fair = false;
        const rest = members.filter((s) => starved.every((a) => g.enabled[s * g.actors + a] === 0));
        const restId = compId++;
        for (let k = 0; k < rest.length; k++) comp[rest[k]!] = restId;
        work.push(...sccsCompact(g, rest, (s) => comp[s] === restId, innerEdge));
      }
    }
    if (!fair) continue;
    let entry = -1; // the component's state nearest the seeds
    for (let i = 0; i < count && entry < 0; i++) if (comp[reached[i]!] === id) entry = reached[i]!;
    const within = (s: number, visit: (e: number) => boolean): void => {
      for (let e = edgeStart[s]!; e < edgeStart[s + 1]!; e++) if (innerEdge(e) && comp[edgeTo[e]!] === id && visit(e)) return;
    };
    const targets: ({ kind: 'edge'; step: Step } | { kind: 'state'; state: number })[] = [];
    if (q.fairness !== 'none') {
      for (let a = 0; a < g.actors; a++) {
        const st = takes.get(a);
        if (st) targets.push({ kind: 'edge', step: st });
        else if (disabledAt.has(a)) targets.push({ kind: 'state', state: disabledAt.get(a)! });
      }
    }
    const cycle: Step[] = [];
    let at = entry;
    for (const t of targets) {
      const goal = t.kind === 'edge' ? t.step.from : t.state;
      cycle.push(...shortestPath(g, at, goal, within, step));
      at = goal;
      if (t.kind === 'edge') {
        cycle.push(t.step);
        at = t.step.edge.to;
      }
    }
    if (cycle.length === 0) {
      // No fairness obligations: any cycle through the entry.
      let first: Step | undefined;
      within(entry, (e) => {
        first = step(entry, e);
        return true;
      });
      cycle.push(first!);
      at = first!.edge.to;
    }
    cycle.push(...shortestPath(g, at, entry, within, step));
    return { ...wayIn(entry), cycle };
  }
  return undefined;
}

/** Breadth-first path from `from` to `to` over `within` (empty when they are equal). */
function shortestPath(
  g: CompactGraph,
  from: number,
  to: number,
  within: (s: number, visit: (e: number) => boolean) => void,
  step: (from: number, e: number) => Step,
): Step[] {
  if (from === to) return [];
  const viaEdge = new Map<number, number>([[from, -1]]);
  const viaFrom = new Map<number, number>();
  const queue = [from];
  let found = false;
  for (let i = 0; i < queue.length && !found; i++) {
    const s = queue[i]!;
    within(s, (e) => {
      const t = g.edgeTo[e]!;
      if (viaEdge.has(t)) return false;
      viaEdge.set(t, e);
      viaFrom.set(t, s);
      if (t === to) {
        found = true;
        return true;
      }
      queue.push(t);
      return false;
    });
  }
  if (!found) throw new Error(`internal error: no path from ${from} to ${to} inside a strongly connected component`);
  const path: Step[] = [];
  for (let at = to; at !== from; at = viaFrom.get(at)!) path.push(step(viaFrom.get(at)!, viaEdge.get(at)!));
  return path.reverse();
}

/**
 * Strongly connected components of the subgraph on `nodes` (member(s) must say whether s is one of
 * them), over the edges `edgeOk` admits; iterative Tarjan on typed arrays. Components come out in
 * the order Tarjan completes them, each listing its states in the order they leave the stack.
 */
function sccsCompact(g: CompactGraph, nodes: ArrayLike<number>, member: (s: number) => boolean, edgeOk: (e: number) => boolean): Int32Array[] {
  const { edgeStart, edgeTo } = g;
  const index = new Int32Array(g.size).fill(-1);
  const low = new Int32Array(g.size);
  const onStack = new Uint8Array(g.size);
  const stack = new Int32Array(nodes.length);
  let sp = 0;
  const frameNode = new Int32Array(nodes.length);
  const frameEdge = new Int32Array(nodes.length);
  let fp = 0;
  const out: Int32Array[] = [];
  let counter = 0;
  const enter = (v: number): void => {
    index[v] = counter;
    low[v] = counter;
    counter++;
    stack[sp++] = v;
    onStack[v] = 1;
    frameNode[fp] = v;
    frameEdge[fp] = edgeStart[v]!;
    fp++;
  };
  for (let r = 0; r < nodes.length; r++) {
    const root = nodes[r]!;
    if (index[root] !== -1) continue;
    enter(root);
    while (fp > 0) {
      const f = fp - 1;
      const v = frameNode[f]!;
      let e = frameEdge[f]!;
      const end = edgeStart[v + 1]!;
      while (e < end && !(edgeOk(e) && member(edgeTo[e]!))) e++;
      if (e < end) {
        frameEdge[f] = e + 1;
        const w = edgeTo[e]!;
        if (index[w] === -1) enter(w);
        else if (onStack[w] === 1) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      fp--;
      if (fp > 0) {
        const up = frameNode[fp - 1]!;
        low[up] = Math.min(low[up]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          members.push(w);
        } while (w !== v);
        out.push(Int32Array.from(members));
      }
    }
  }
  return out;
}

/** Strongly connected components of the subgraph on `nodes` (iterative Tarjan), for a graph given by successor lists. */
export function sccs(nodes: readonly number[], succ: (s: number) => readonly number[]): Set<number>[] {
  const size = nodes.reduce((m, s) => Math.max(m, s + 1, ...succ(s).map((t) => t + 1)), 0);
  const lists = Array.from({ length: size }, (_, s) => (nodes.includes(s) ? succ(s) : []));
  const view: StateGraphView = { size, actors: 0, edges: (s) => lists[s]!.map((to, choice) => ({ to, actor: 0, choice })), enabled: () => false };
  const c = compactGraph(view);
  const inSet = new Set(nodes);
  return sccsCompact(c, nodes, (s) => inSet.has(s), () => true).map((comp) => new Set(comp));
}
