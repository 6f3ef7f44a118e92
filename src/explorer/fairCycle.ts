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

type Step = { readonly from: number; readonly edge: GraphEdge };

export function findFairCycle(g: StateGraphView, q: FairCycleQuery): Lasso | undefined {
  const allowed = q.edgeAllowed ?? (() => true);
  const inner = (s: number): Step[] =>
    g.edges(s).filter((e) => q.inRegion(e.to) && allowed(s, e)).map((edge) => ({ from: s, edge }));

  // The part of the region reachable from the seeds, with BFS parents to rebuild the way in.
  const parent = new Map<number, Step | null>();
  const order: number[] = [];
  for (const s of q.seeds) {
    if (!parent.has(s) && q.inRegion(s)) {
      parent.set(s, null);
      order.push(s);
    }
  }
  for (let i = 0; i < order.length; i++) {
    for (const st of inner(order[i]!)) {
      if (!parent.has(st.edge.to)) {
        parent.set(st.edge.to, st);
        order.push(st.edge.to);
      }
    }
  }

  const wayIn = (entry: number): { seed: number; toCycle: Step[] } => {
    const steps: Step[] = [];
    let at = entry;
    for (let p = parent.get(at); p; p = parent.get(at)) {
      steps.push(p);
      at = p.from;
    }
    return { seed: at, toCycle: steps.reverse() };
  };

  // A stop (no successors at all) is a fair end of an execution; prefer the nearest one found.
  for (const s of order) {
    if (g.edges(s).length === 0) return { ...wayIn(s), cycle: [] };
  }

  const work: Set<number>[] = sccs(order, (s) => inner(s).map((st) => st.edge.to));
  while (work.length > 0) {
    const comp = work.pop()!;
    const edgesIn: Step[] = [];
    for (const s of comp) for (const st of inner(s)) if (comp.has(st.edge.to)) edgesIn.push(st);
    if (edgesIn.length === 0) continue; // a single state without a self-loop is not a cycle
    const takes = new Map<number, Step>();
    for (const st of edgesIn) if (!takes.has(st.edge.actor)) takes.set(st.edge.actor, st);
    const disabledAt = new Map<number, number>();
    const enabledSomewhere = new Set<number>();
    for (const s of comp) {
      for (let a = 0; a < g.actors; a++) {
        if (!g.enabled(s, a)) {
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
        const rest = [...comp].filter((s) => starved.every((a) => !g.enabled(s, a)));
        const restSet = new Set(rest);
        work.push(...sccs(rest, (s) => inner(s).map((st) => st.edge.to).filter((t) => restSet.has(t))));
      }
    }
    if (!fair) continue;
    const entry = order.find((s) => comp.has(s))!; // the component's state nearest the seeds
    const targets: ({ kind: 'edge'; step: Step } | { kind: 'state'; state: number })[] = [];
    if (q.fairness !== 'none') {
      for (let a = 0; a < g.actors; a++) {
        const st = takes.get(a);
        if (st) targets.push({ kind: 'edge', step: st });
        else if (disabledAt.has(a)) targets.push({ kind: 'state', state: disabledAt.get(a)! });
      }
    }
    const within = (s: number): Step[] => inner(s).filter((st) => comp.has(st.edge.to));
    const cycle: Step[] = [];
    let at = entry;
    for (const t of targets) {
      const goal = t.kind === 'edge' ? t.step.from : t.state;
      cycle.push(...shortestPath(at, goal, within));
      at = goal;
      if (t.kind === 'edge') {
        cycle.push(t.step);
        at = t.step.edge.to;
      }
    }
    if (cycle.length === 0) {
      // No fairness obligations: any cycle through the entry.
      const first = within(entry)[0]!;
      cycle.push(first);
      at = first.edge.to;
    }
    cycle.push(...shortestPath(at, entry, within));
    return { ...wayIn(entry), cycle };
  }
  return undefined;
}

/** Breadth-first path from `from` to `to` over `next` (empty when they are equal). */
function shortestPath(from: number, to: number, next: (s: number) => Step[]): Step[] {
  if (from === to) return [];
  const via = new Map<number, Step | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const st of next(queue[i]!)) {
      if (via.has(st.edge.to)) continue;
      via.set(st.edge.to, st);
      if (st.edge.to === to) {
        const path: Step[] = [];
        for (let p = via.get(to); p; p = via.get(p.from)) path.push(p);
        return path.reverse();
      }
      queue.push(st.edge.to);
    }
  }
  throw new Error(`internal error: no path from ${from} to ${to} inside a strongly connected component`);
}

/** Strongly connected components of the subgraph on `nodes` (iterative Tarjan). */
export function sccs(nodes: readonly number[], succ: (s: number) => readonly number[]): Set<number>[] {
  const inSet = new Set(nodes);
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const out: Set<number>[] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: { node: number; next: readonly number[]; i: number }[] = [];
    const enter = (v: number): void => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      frames.push({ node: v, next: succ(v).filter((w) => inSet.has(w)), i: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1]!;
      if (f.i < f.next.length) {
        const w = f.next[f.i++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(f.node, Math.min(low.get(f.node)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const v = f.node;
      if (frames.length > 0) {
        const up = frames[frames.length - 1]!.node;
        low.set(up, Math.min(low.get(up)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp = new Set<number>();
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.add(w);
        } while (w !== v);
        out.push(comp);
      }
    }
  }
  return out;
}
