import { describe, expect, it } from 'vitest';
import { catalog } from '../../models/index.ts';
import { hashVector } from '../core/compiled/space.ts';
import { compileModel, type AnyModelDefinition, type Params } from '../core/model.ts';
import { BatchExpander } from './batch.ts';
import { explore } from './explore.ts';
import { learnLayout } from './kernel.ts';
import { resolveOptions } from './options.ts';

/**
 * A level-by-level search made of batches, with the visited set in a Map: what the cluster does
 * through Redis (src/cluster), without it. Batches of `batch` states, split at random-free fixed
 * sizes so that a level spans several batches and the expander's known set is incomplete.
 */
/** An expander over a layout learnt from the whole space (no relayouts), and the initial vector. */
function setUp(definition: AnyModelDefinition, params: Params) {
  const model = compileModel(definition, params);
  const cfg = resolveOptions({ determinismChecks: 0 });
  const expander = new BatchExpander(model, cfg, learnLayout(model, cfg, 1_000_000).toData());
  const initial = expander.space.encode(model.initial);
  return { expander, size: expander.space.size, initial, fp0: hashVector(initial) };
}

function levels(definition: AnyModelDefinition, params: Params, batch: number) {
  const { expander, size, initial, fp0 } = setUp(definition, params);
  const seen = new Map<string, { parent: string | null; via: number }>([[`${fp0.hi}:${fp0.lo}`, { parent: null, via: 0 }]]);
  let level: { vec: Uint8Array; key: string }[] = [{ vec: initial.slice(), key: `${fp0.hi}:${fp0.lo}` }];
  let transitions = 0;
  let depth = 0;
  let found: { verdict: string; property?: string; path: number[] } | undefined;
  for (let d = 0; level.length > 0 && !found; d++) {
    const next: typeof level = [];
    for (let at = 0; at < level.length && !found; at += batch) {
      const part = level.slice(at, at + batch);
      const vecs = new Uint8Array(part.length * size);
      part.forEach((s, i) => vecs.set(s.vec, i * size));
      const r = expander.expand(vecs, part.length, d);
      expect(r.relayout).toBeUndefined();
      transitions += r.transitions;
      for (let j = 0; j < r.count; j++) {
        const key = `${r.fps[2 * j]}:${r.fps[2 * j + 1]}`;
        expander.learn(r.fps[2 * j]!, r.fps[2 * j + 1]!);
        if (seen.has(key)) continue;
        seen.set(key, { parent: part[r.parents[j]!]!.key, via: r.vias[j]! });
        next.push({ vec: r.vecs.slice(j * size, (j + 1) * size), key });
        depth = d + 1;
      }
      if (r.outcome) {
        const path: number[] = [];
        for (let k: string | null = part[r.outcome.at.root]!.key; k !== null; k = seen.get(k)!.parent) if (seen.get(k)!.parent !== null) path.unshift(seen.get(k)!.via);
        const res = r.outcome.result;
        found = { verdict: res.verdict, ...(res.verdict === 'violation' ? { property: res.property.name } : {}), path: [...path, ...r.outcome.at.steps] };
      }
    }
    level = next;
  }
  return { states: seen.size, transitions, depth, found };
}

/**
 * The cluster's ordered search of a failing level (see src/cluster): ranks of each level's states in
 * the local BFS order, kept as the least (parent rank, step) over every parent; every input's first
 * failure; the least key wins. Batches take the level in a scrambled order, each sorted by rank.
 */
function ordered(definition: AnyModelDefinition, params: Params, batch: number) {
  const { expander, size, initial, fp0 } = setUp(definition, params);
  const K = 2 ** 17;
  type Link = { parent: string | null; via: number; depth: number; score: number };
  const seen = new Map<string, Link>([[`${fp0.hi}:${fp0.lo}`, { parent: null, via: 0, depth: 0, score: 0 }]]);
  const pathOf = (key: string): number[] => {
    const path: number[] = [];
    for (let k = key, at = seen.get(k)!; at.parent !== null; k = at.parent, at = seen.get(k)!) path.unshift(at.via);
    return path;
  };
  let level: { vec: Uint8Array; key: string; rank: number }[] = [{ vec: initial.slice(), key: `${fp0.hi}:${fp0.lo}`, rank: 0 }];
  for (let d = 0; level.length > 0; d++) {
    const next: { vec: Uint8Array; key: string }[] = [];
    const events: { key: number; path: () => number[]; verdict: string; property?: string }[] = [];
    const scrambled = level.map((s, i) => ({ s, o: (i * 7919) % level.length })).sort((a, b) => a.o - b.o).map((x) => x.s);
    for (let at = 0; at < scrambled.length; at += batch) {
      const part = scrambled.slice(at, at + batch).sort((a, b) => a.rank - b.rank);
      const vecs = new Uint8Array(part.length * size);
      part.forEach((s, i) => vecs.set(s.vec, i * size));
      const r = expander.expand(vecs, part.length, d, { every: true, known: false });
      for (let j = 0; j < r.count; j++) {
        const key = `${r.fps[2 * j]}:${r.fps[2 * j + 1]}`;
        const parent = part[r.parents[j]!]!;
        const score = parent.rank * K + r.vias[j]! + 1;
        const old = seen.get(key);
        if (old === undefined) {
          seen.set(key, { parent: parent.key, via: r.vias[j]!, depth: d + 1, score });
          next.push({ vec: r.vecs.slice(j * size, (j + 1) * size), key });
        } else if (old.depth === d + 1 && score < old.score) seen.set(key, { parent: parent.key, via: r.vias[j]!, depth: d + 1, score });
      }
      for (const e of r.events) {
        const res = e.result;
        const tag = { verdict: res.verdict, ...(res.verdict === 'violation' ? { property: res.property.name } : {}) };
        if (e.successor !== undefined) {
          const key = `${r.fps[2 * e.successor]}:${r.fps[2 * e.successor + 1]}`;
          events.push({ key: Number.NaN, path: () => pathOf(key), ...tag, t: key } as never);
        } else {
          const input = part[e.at.root]!;
          events.push({ key: input.rank * K + (e.at.steps.length === 0 ? 0 : e.at.steps[0]! + 1), path: () => [...pathOf(input.key), ...e.at.steps], ...tag });
        }
      }
    }
    if (events.length > 0) {
      for (const e of events as ({ t?: string } & (typeof events)[number])[]) if (e.t !== undefined) e.key = seen.get(e.t)!.depth === d + 1 ? seen.get(e.t)!.score : Number.POSITIVE_INFINITY;
      const best = events.reduce((a, b) => (b.key < a.key ? b : a));
      return { verdict: best.verdict, ...(best.property ? { property: best.property } : {}), path: best.path() };
    }
    const ranked = next.map((s) => ({ ...s, score: seen.get(s.key)!.score })).sort((a, b) => a.score - b.score);
    level = ranked.map((s, rank) => ({ vec: s.vec, key: s.key, rank }));
  }
  return { verdict: 'pass' };
}

const passing = ['classic/peterson', 'hmm/v5.5-interval-notifier', 'hmm/v5.3-nonblocking-retry', 'classic/two-phase-commit'];

describe('a search made of batches (the cluster search without Redis)', () => {
  it.each(passing)('%s: the same states, transitions and depth as one search', (name) => {
    const definition = catalog.find((d) => d.name === name)!;
    const local = explore(compileModel(definition, {}));
    expect(local.verdict).toBe('pass');
    for (const batch of [1, 7, 1000]) {
      const r = levels(definition, {}, batch);
      expect({ states: r.states, transitions: r.transitions, depth: r.depth, found: r.found }).toEqual({ states: local.stats.states, transitions: local.stats.transitions, depth: local.stats.depth, found: undefined });
    }
  });

  it.each(['hmm/v5.2-valid-flag', 'hmm/v5.2-rc-v1-nonblocking-deadlock', 'hmm/v5.2-reclaim-race'])('%s: the same verdict, and its path has the shortest length', (name) => {
    const definition = catalog.find((d) => d.name === name)!;
    const local = explore(compileModel(definition, {}));
    const r = levels(definition, {}, 5);
    expect(r.found?.verdict).toBe(local.verdict);
    if (local.verdict === 'violation') expect(r.found?.property).toBe(local.property.name);
    if (local.verdict === 'violation' || local.verdict === 'deadlock') expect(r.found!.path.length).toBe(local.path!.length);
  });

  const failing = catalog.filter((d) => { const e = explore(compileModel(d, {})); return (e.verdict === 'violation' && e.path !== null && e.property.kind !== 'lockOrder') || e.verdict === 'deadlock'; }).map((d) => d.name);
  it.each(failing)('%s: the ordered search reports exactly the local failure and path', (name) => {
    const definition = catalog.find((d) => d.name === name)!;
    const local = explore(compileModel(definition, {}));
    for (const batch of [1, 3, 1000]) {
      const r = ordered(definition, {}, batch);
      expect(r).toEqual({ verdict: local.verdict, ...(local.verdict === 'violation' ? { property: local.property.name } : {}), path: (local as unknown as { path: number[] }).path });
    }
  });
});
