import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findFairCycle, sccs, type Fairness, type GraphEdge, type StateGraphView } from './fairCycle.ts';

interface RandomGraph {
  readonly n: number;
  readonly actors: number;
  readonly edges: GraphEdge[][];
  /** enabled[s][a]: the actor has a step in s (possibly one that fails, so no edge). */
  readonly enabled: boolean[][];
  readonly region: boolean[];
  readonly seeds: number[];
}

const graphArb: fc.Arbitrary<RandomGraph> = fc
  .record({ n: fc.integer({ min: 1, max: 7 }), actors: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, actors }) =>
    fc.record({
      n: fc.constant(n),
      actors: fc.constant(actors),
      raw: fc.array(fc.array(fc.record({ to: fc.nat(n - 1), actor: fc.nat(actors - 1) }), { maxLength: 4 }), {
        minLength: n,
        maxLength: n,
      }),
      extraEnabled: fc.array(fc.array(fc.boolean(), { minLength: actors, maxLength: actors }), { minLength: n, maxLength: n }),
      region: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      seeds: fc.uniqueArray(fc.nat(n - 1), { maxLength: 3 }),
    }),
  )
  .map(({ n, actors, raw, extraEnabled, region, seeds }) => {
    const edges = raw.map((list) => list.map((e, choice) => ({ ...e, choice })));
    // An actor with an edge is enabled; some are enabled with no edge (a step that fails).
    const enabled = edges.map((list, s) =>
      Array.from({ length: actors }, (_, a) => list.some((e) => e.actor === a) || (extraEnabled[s]![a]! && list.length > 0)),
    );
    return { n, actors, edges, enabled, region, seeds: seeds.filter((s) => region[s]) };
  });

function view(g: RandomGraph): StateGraphView {
  return { size: g.n, actors: g.actors, edges: (s) => g.edges[s]!, enabled: (s, a) => g.enabled[s]![a]! };
}

/**
 * The reference: by brute force over every subset X of the region reachable from the seeds. A fair
 * execution stays for ever in some set X that is strongly connected by its internal edges and
 * satisfies fairness (WF: each actor enabled on all of X has an edge inside; SF: each actor enabled
 * somewhere in X has an edge inside); or it stops in a state with no successors.
 */
function reference(g: RandomGraph, fairness: Fairness): boolean {
  const reach = new Set<number>(g.seeds);
  const queue = [...g.seeds];
  while (queue.length > 0) {
    const s = queue.pop()!;
    for (const e of g.edges[s]!) {
      if (g.region[e.to] && !reach.has(e.to)) {
        reach.add(e.to);
        queue.push(e.to);
      }
    }
  }
  const states = [...reach];
  if (states.some((s) => g.edges[s]!.length === 0)) return true;
  for (let mask = 1; mask < 1 << states.length; mask++) {
    const X = states.filter((_, i) => mask & (1 << i));
    const inX = new Set(X);
    const internal = X.flatMap((s) => g.edges[s]!.filter((e) => inX.has(e.to)).map((e) => ({ from: s, ...e })));
    if (internal.length === 0) continue;
    // strongly connected: every state reaches every other through internal edges
    const connected = X.every((a) => {
      const seen = new Set([a]);
      const q = [a];
      while (q.length > 0) {
        const s = q.pop()!;
        for (const e of internal) if (e.from === s && !seen.has(e.to)) (seen.add(e.to), q.push(e.to));
      }
      return X.every((b) => seen.has(b)) && internal.some((e) => e.from === a);
    });
    if (!connected) continue;
    let fair = true;
    for (let a = 0; a < g.actors; a++) {
      const takes = internal.some((e) => e.actor === a);
      if (fairness === 'weak' && !takes && X.every((s) => g.enabled[s]![a])) fair = false;
      if (fairness === 'strong' && !takes && X.some((s) => g.enabled[s]![a])) fair = false;
    }
    if (fair) return true;
  }
  return false;
}

/** A found lasso must be a real path: seed → cycle entry → around the cycle back to the entry, fairly. */
function validLasso(g: RandomGraph, fairness: Fairness, lasso: NonNullable<ReturnType<typeof findFairCycle>>): boolean {
  let at = lasso.seed;
  if (!g.seeds.includes(at)) return false;
  for (const st of lasso.toCycle) {
    if (st.from !== at || !g.edges[at]!.includes(st.edge) || !g.region[st.edge.to]) return false;
    at = st.edge.to;
  }
  if (lasso.cycle.length === 0) return g.edges[at]!.length === 0;
  const entry = at;
  const visited = [at];
  for (const st of lasso.cycle) {
    if (st.from !== at || !g.edges[at]!.includes(st.edge) || !g.region[st.edge.to]) return false;
    at = st.edge.to;
    visited.push(at);
  }
  if (at !== entry) return false;
  for (let a = 0; a < g.actors; a++) {
    const takes = lasso.cycle.some((st) => st.edge.actor === a);
    if (fairness === 'weak' && !takes && visited.every((s) => g.enabled[s]![a])) return false;
    if (fairness === 'strong' && !takes && visited.some((s) => g.enabled[s]![a])) return false;
  }
  return true;
}

describe('fair cycle search', () => {
  for (const fairness of ['weak', 'strong', 'none'] as const) {
    it(`agrees with a brute-force search over subsets on random graphs (${fairness} fairness), and its lassos are real`, () => {
      fc.assert(
        fc.property(graphArb, (g) => {
          const lasso = findFairCycle(view(g), { seeds: g.seeds, inRegion: (s) => g.region[s]!, fairness });
          expect(lasso !== undefined).toBe(reference(g, fairness));
          if (lasso) expect(validLasso(g, fairness, lasso)).toBe(true);
        }),
        { numRuns: 3000, seed: 20261125 },
      );
    });
  }

  it('weak fairness: a spinning actor does not excuse one that is always enabled and never scheduled', () => {
    // 0 -a0-> 0 (spin), 0 -a1-> 1 (goal region left): with WF, a1 must eventually move.
    const g: RandomGraph = {
      n: 2,
      actors: 2,
      edges: [[{ to: 0, actor: 0, choice: 0 }, { to: 1, actor: 1, choice: 1 }], [{ to: 1, actor: 0, choice: 0 }]],
      enabled: [
        [true, true],
        [true, false],
      ],
      region: [true, false],
      seeds: [0],
    };
    expect(findFairCycle(view(g), { seeds: [0], inRegion: (s) => g.region[s]!, fairness: 'weak' })).toBeUndefined();
    expect(findFairCycle(view(g), { seeds: [0], inRegion: (s) => g.region[s]!, fairness: 'none' })?.cycle).toHaveLength(1);
  });

  it('strong fairness rules out a cycle that only sometimes enables an actor; weak fairness does not', () => {
    // 0 <-> 1 by actor 0; actor 1 is enabled in 1 only and would leave the region.
    const g: RandomGraph = {
      n: 3,
      actors: 2,
      edges: [[{ to: 1, actor: 0, choice: 0 }], [{ to: 0, actor: 0, choice: 0 }, { to: 2, actor: 1, choice: 1 }], []],
      enabled: [
        [true, false],
        [true, true],
        [false, false],
      ],
      region: [true, true, false],
      seeds: [0],
    };
    const q = (fairness: Fairness) => findFairCycle(view(g), { seeds: [0], inRegion: (s) => g.region[s]!, fairness });
    expect(q('weak')?.cycle.map((s) => s.from)).toEqual([0, 1]);
    expect(q('strong')).toBeUndefined();
  });

  it('Tarjan finds the components', () => {
    const succ = (s: number) => [[1], [2], [0, 3], [3]][s]!;
    const comps = sccs([0, 1, 2, 3], succ).map((c) => [...c].sort());
    expect(comps).toEqual(expect.arrayContaining([[0, 1, 2], [3]]));
    expect(comps).toHaveLength(2);
  });
});
