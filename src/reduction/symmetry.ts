/**
 * Symmetry reduction: states that differ only by a renaming of interchangeable actors are stored
 * once. The visited set is keyed by the encoding of a representative of the state's class; the
 * frontier keeps the actual state, so stored paths replay exactly in the unreduced model.
 *
 * Two representatives:
 * - `canonical`: the least encoding over every renaming of every group (restricted to renamings
 *   that keep members sorted by the group's `sortKey`, when it declares one). Equal for all
 *   members of a class, so each class is stored exactly once.
 * - `sorted`: members sorted by `sortKey`, ties kept in position order (Stateright's
 *   `RewritePlan::from_values_to_sort`). Cheap, but two members of a class whose members tie on the
 *   key can get different representatives, so a class may be stored more than once, and the
 *   count depends on the search order.
 */
import { encodeWorld } from '../core/determinism.ts';
import { UsageError } from '../core/errors.ts';
import type { CompiledSymmetry, Model } from '../core/model.ts';
import type { Renaming } from '../core/symmetry.ts';
import type { Frame, Stack, World } from '../core/world.ts';

export type Representative = 'canonical' | 'sorted';

/** Renamings enumerated per state, at most (the product over groups). */
const MAX_RENAMINGS = 5040;

export function makeRenaming(tids: readonly number[], to: readonly number[]): Renaming {
  const position = new Map<number, number>();
  tids.forEach((t, i) => position.set(t, i));
  return {
    to,
    member: (tid) => position.get(tid),
    tid: (member) => tids[member]!,
    rename: (tid) => {
      const i = position.get(tid);
      return i === undefined ? tid : tids[to[i]!]!;
    },
  };
}

/** The world with one group renamed: shared state by the model's `permute`, stacks moved, locals rewritten. */
export function permuteWorld<G>(world: World<G>, group: CompiledSymmetry<G>, to: readonly number[]): World<G> {
  const r = makeRenaming(group.tids, to);
  const shared = group.spec.permute(world.shared, r);
  const threads: Stack[] = world.threads.slice();
  group.tids.forEach((tid, i) => {
    threads[group.tids[to[i]!]!] = world.threads[tid]!;
  });
  const relocal = group.spec.permuteLocals;
  const out = relocal === undefined ? threads : threads.map((s) => s.map((f): Frame => ({ ...f, locals: relocal(f.locals, r) })));
  return { shared, threads: out };
}

/** A member's sort key: the group's `sortKey`, or (canonical) that with the member's stack shape. */
type Key = number | string | readonly (number | string)[];

/** Every permutation of 0..n-1 whose members keep `keys` in order (all of them without keys). */
function orderedPermutations(keys: readonly Key[]): number[][] {
  const n = keys.length;
  // Members sorted by key (ties by position); a renaming may only shuffle members within a tie.
  const order = [...keys.keys()].sort((a, b) => compare(keys[a]!, keys[b]!) || a - b);
  const blocks: number[][] = [];
  for (const m of order) {
    const last = blocks[blocks.length - 1];
    if (last !== undefined && compare(keys[last[0]!]!, keys[m]!) === 0) last.push(m);
    else blocks.push([m]);
  }
  const out: number[][] = [];
  const to = new Array<number>(n);
  const place = (b: number, start: number): void => {
    if (b === blocks.length) {
      out.push(to.slice());
      return;
    }
    const block = blocks[b]!;
    for (const perm of permutations(block.length)) {
      block.forEach((m, i) => (to[m] = start + perm[i]!));
      place(b + 1, start + block.length);
    }
  };
  place(0, 0);
  return out;
}

const permCache = new Map<number, number[][]>();
function permutations(n: number): number[][] {
  const hit = permCache.get(n);
  if (hit) return hit;
  const out: number[][] = [];
  const rec = (prefix: number[], rest: number[]): void => {
    if (rest.length === 0) out.push(prefix);
    rest.forEach((x, i) => rec([...prefix, x], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec([], [...Array(n).keys()]);
  permCache.set(n, out);
  return out;
}

function compare(a: Key, b: Key): number {
  if (typeof a === 'object' && typeof b === 'object') {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const c = compare(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function keysOf<G>(group: CompiledSymmetry<G>, g: G): (number | string)[] {
  const key = group.spec.sortKey;
  return group.tids.map((_, i) => (key === undefined ? 0 : key(g, i)));
}

/**
 * The canonical representative's keys: the group's sortKey, then the member's stack shape (the
 * routine and statement of each frame). Both move with a renaming (the shape is the member's own
 * thread's, which a renaming moves; locals, which `permuteLocals` may rewrite, are left out), so
 * two states of one class get the same set of candidate renamings, and the least encoding over
 * them is still the same for the whole class; members at different statements no longer tie,
 * which cuts the renamings to try.
 */
function canonicalKeysOf<G>(group: CompiledSymmetry<G>, world: World<G>): Key[] {
  const keys = keysOf(group, world.shared);
  return group.tids.map((tid, i) => [keys[i]!, world.threads[tid]!.map((f) => `${f.fn}.${f.pc}`).join('/')]);
}

/** Encodes worlds by their representative. */
export class SymmetryKeys<G> {
  readonly groups: readonly CompiledSymmetry<G>[];

  constructor(
    private readonly model: Model<G>,
    readonly mode: Representative,
  ) {
    this.groups = model.symmetry ?? [];
    if (mode === 'sorted') {
      const unsorted = this.groups.find((g) => g.spec.sortKey === undefined);
      if (unsorted) throw new UsageError(`the sorted representative needs a sortKey on symmetry group ${unsorted.spec.actors.join(', ')} of model ${model.name}`);
    }
  }

  /** The representative of `world`'s class. */
  representative(world: World<G>): World<G> {
    if (this.mode === 'sorted') {
      let w = world;
      for (const g of this.groups) w = permuteWorld(w, g, sortedRenaming(keysOf(g, w.shared)));
      return w;
    }
    return this.least(world).world;
  }

  /** Encoding of the representative: the visited-set key. */
  key(world: World<G>, site: { actor?: string; step?: string } = {}): string {
    if (this.mode === 'sorted') return encodeWorld(this.model, this.representative(world), site);
    return this.least(world, site).key;
  }

  private least(world: World<G>, site: { actor?: string; step?: string } = {}): { world: World<G>; key: string } {
    // Only renamings that sort members by key are candidates; the identity may not be one of them.
    let best: { world: World<G>; key: string } | undefined;
    const choices = this.groups.map((g) => orderedPermutations(canonicalKeysOf(g, world)));
    const total = choices.reduce((n, c) => n * c.length, 1);
    if (total > MAX_RENAMINGS) {
      throw new UsageError(
        `model ${this.model.name}: a state has ${total} renamings to compare (more than ${MAX_RENAMINGS}); give the symmetry groups a sortKey or use --symmetry=sorted`,
      );
    }
    const visit = (k: number, w: World<G>): void => {
      if (k === this.groups.length) {
        const key = encodeWorld(this.model, w, site);
        if (best === undefined || key < best.key) best = { world: w, key };
        return;
      }
      for (const to of choices[k]!) visit(k + 1, isIdentity(to) ? w : permuteWorld(w, this.groups[k]!, to));
    };
    visit(0, world);
    return best!;
  }
}

/** Stable sort by key: member `i` goes to its rank (`to[src] = dst`). */
function sortedRenaming(keys: readonly Key[]): number[] {
  const order = [...keys.keys()].sort((a, b) => compare(keys[a]!, keys[b]!) || a - b);
  const to = new Array<number>(keys.length);
  order.forEach((src, dst) => (to[src] = dst));
  return to;
}

function isIdentity(to: readonly number[]): boolean {
  return to.every((x, i) => x === i);
}
