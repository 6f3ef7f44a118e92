/**
 * The visited set. Every state gets an index in discovery order, with a parent index and the index
 * of the step that first reached it, so a counterexample is rebuilt by walking parents and replaying
 * steps; worlds themselves are never kept.
 *
 * Two kinds: `FingerprintStore` (default) keeps a 64-bit fingerprint per state in an open-addressing
 * table on typed arrays, about 20 bytes a state in all, at the risk that two distinct states share a
 * fingerprint (the second is then taken as visited; `collisionProbability` estimates that risk);
 * `ExactStore` keys states by their full canonical encoding (no risk, many times the memory).
 */
import type { Fingerprint } from '../core/canonical.ts';
import { encodeWorld, fingerprintWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';

/** `visit` found the state already stored. */
export const SEEN = -1;
/** `visit` found a new state but the store already holds `limit` states. */
export const FULL = -2;

export type Site = () => { actor?: string; step?: string };

export interface StateStore<G> {
  readonly size: number;
  readonly exact: boolean;
  /** Stores `world` if it is new and fewer than `limit` states are stored: its new index, SEEN or FULL. */
  visit(world: World<G>, parent: number, via: number, limit: number, site?: Site): number;
  /** Step indices from the initial state to state `i`. */
  pathTo(i: number): number[];
  /** Bytes held by the store (typed arrays; in exact mode an estimate including the key strings). */
  bytes(): number;
  /** Estimated probability that a fingerprint collision hid a state: 0 in exact mode. */
  collisionProbability(): number;
  /** After `visit` returned SEEN: the index of the state seen, where the store keeps it (the exact store). */
  readonly seenIndex?: number;
}

export function stateStore<G>(model: Model<G>, exact: boolean): StateStore<G> {
  return exact ? new ExactStore(model) : new FingerprintStore(model);
}

/** Birthday bound for n states among 2^64 fingerprints: 1 - e^(-n(n-1)/2^65), as TLC reports it. */
export function collisionProbability(n: number): number {
  return -Math.expm1(-(n * (n - 1)) / 2 ** 65);
}

/** Step indices from the initial state to state `i`, by walking parent links (-1: initial). */
export function walkParents(parents: ArrayLike<number>, vias: ArrayLike<number>, i: number): number[] {
  const path: number[] = [];
  for (let at = i; parents[at]! >= 0; at = parents[at]!) path.push(vias[at]!);
  return path.reverse();
}

/** Parent and via per state index, on typed arrays that double as they fill. */
class Links {
  parents = new Int32Array(1024);
  vias = new Uint16Array(1024);
  size = 0;

  add(parent: number, via: number): number {
    const i = this.size;
    if (i === this.parents.length) this.grow();
    if (via > 0xfffe) throw new RangeError(`a state has more than ${0xfffe} enabled steps`);
    this.parents[i] = parent;
    this.vias[i] = via;
    this.size = i + 1;
    return i;
  }

  pathTo(i: number): number[] {
    return walkParents(this.parents, this.vias, i);
  }

  bytes(): number {
    return this.parents.byteLength + this.vias.byteLength;
  }

  /** Links from a snapshot (`parents` and `vias` of its `size` states). */
  restore(parents: Int32Array, vias: Uint16Array): void {
    const size = parents.length;
    // The capacity the store had (it doubles from 1024 as it fills), so that it reports the same bytes.
    let capacity = 1024;
    while (capacity < size) capacity *= 2;
    this.parents = new Int32Array(capacity);
    this.parents.set(parents);
    this.vias = new Uint16Array(this.parents.length);
    this.vias.set(vias);
    this.size = size;
  }

  private grow(): void {
    const parents = new Int32Array(this.parents.length * 2);
    parents.set(this.parents);
    const vias = new Uint16Array(this.vias.length * 2);
    vias.set(this.vias);
    this.parents = parents;
    this.vias = vias;
  }
}

/** Open addressing with linear probing; a slot is the fingerprint's two halves, (0, 0) meaning empty. */
export class FingerprintStore<G> implements StateStore<G> {
  readonly exact = false;
  private readonly links = new Links();
  private table: Int32Array = new Int32Array(2 * 4096);
  private mask = 4096 - 1;
  /** With `trackSeen`: the state index in each slot, so `add` can say which state it saw. */
  private indices: Int32Array | undefined;
  /** After `add` returned SEEN with `trackSeen` on: the index of the state seen. */
  seenIndex = -1;

  constructor(
    private readonly model: Model<G>,
    trackSeen = false,
  ) {
    if (trackSeen) this.indices = new Int32Array(4096);
  }

  get size(): number {
    return this.links.size;
  }

  visit(world: World<G>, parent: number, via: number, limit: number, site?: Site): number {
    const fp = fingerprintWorld(this.model, world, site);
    return this.add(fp, parent, via, limit);
  }

  /** Whether the state with fingerprint (hi, lo) is stored. */
  has(hi: number, lo: number): boolean {
    const slot = this.slotOf(hi, hi === 0 && lo === 0 ? 1 : lo);
    return this.table[2 * slot] !== 0 || this.table[2 * slot + 1] !== 0;
  }

  /** The slot holding (hi, lo) (lo already made non-zero for (0, 0)), or the empty slot it would take. */
  private slotOf(hi: number, lo: number): number {
    const table = this.table;
    let slot = (lo ^ (hi >>> 7)) & this.mask;
    for (;;) {
      const h = table[2 * slot]!;
      const l = table[2 * slot + 1]!;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  add(fp: Fingerprint, parent: number, via: number, limit: number): number {
    const hi = fp.hi;
    const lo = hi === 0 && fp.lo === 0 ? 1 : fp.lo;
    const table = this.table;
    const slot = this.slotOf(hi, lo);
    if (table[2 * slot] !== 0 || table[2 * slot + 1] !== 0) {
      if (this.indices !== undefined) this.seenIndex = this.indices[slot]!;
      return SEEN;
    }
    if (this.links.size >= limit) return FULL;
    table[2 * slot] = hi;
    table[2 * slot + 1] = lo;
    const i = this.links.add(parent, via);
    if (this.indices !== undefined) this.indices[slot] = i;
    // Keep the load factor at most 0.7.
    if (this.links.size * 10 > this.mask * 7) this.rehash();
    return i;
  }

  pathTo(i: number): number[] {
    return this.links.pathTo(i);
  }

  bytes(): number {
    return this.table.byteLength + this.links.bytes() + (this.indices?.byteLength ?? 0);
  }

  /** The store's arrays for a snapshot: views of the live ones, valid until the next `add`. */
  snapshot(): { table: Int32Array; indices?: Int32Array; parents: Int32Array; vias: Uint16Array } {
    const n = this.links.size;
    return { table: this.table, ...(this.indices ? { indices: this.indices } : {}), parents: this.links.parents.subarray(0, n), vias: this.links.vias.subarray(0, n) };
  }

  /** A store holding what `snapshot` gave (the arrays are copied or kept, not shared with the caller afterwards). */
  static restore<G>(model: Model<G>, trackSeen: boolean, from: { table: Int32Array; indices?: Int32Array | undefined; parents: Int32Array; vias: Uint16Array }): FingerprintStore<G> {
    const slots = from.table.length >> 1;
    if (slots < 2 || (slots & (slots - 1)) !== 0 || from.vias.length !== from.parents.length) throw new Error('a snapshot of the visited set is malformed');
    if (trackSeen !== (from.indices !== undefined)) throw new Error('a snapshot of the visited set does not match the search (partial-order reduction)');
    const store = new FingerprintStore(model, trackSeen);
    store.table = from.table;
    store.mask = slots - 1;
    if (from.indices !== undefined) store.indices = from.indices;
    store.links.restore(from.parents, from.vias);
    return store;
  }

  collisionProbability(): number {
    return collisionProbability(this.size);
  }

  private rehash(): void {
    const old = this.table;
    const oldIndices = this.indices;
    const slots = (this.mask + 1) * 2;
    this.table = new Int32Array(2 * slots);
    if (oldIndices !== undefined) this.indices = new Int32Array(slots);
    this.mask = slots - 1;
    for (let s = 0; s < old.length; s += 2) {
      const hi = old[s]!;
      const lo = old[s + 1]!;
      if (hi === 0 && lo === 0) continue;
      let slot = (lo ^ (hi >>> 7)) & this.mask;
      while (this.table[2 * slot] !== 0 || this.table[2 * slot + 1] !== 0) slot = (slot + 1) & this.mask;
      this.table[2 * slot] = hi;
      this.table[2 * slot + 1] = lo;
      if (oldIndices !== undefined) this.indices![slot] = oldIndices[s >> 1]!;
    }
  }
}

/**
 * `--exact` on the compiled space: each state keyed by its whole packed vector, which under one
 * layout is a canonical encoding, so no fingerprint collision can hide a state. The vectors are
 * kept in one typed array (the layout's bytes a state), far smaller than encoding strings.
 */
export class VectorExactStore {
  readonly exact = true;
  private readonly links = new Links();
  private vecs: Uint32Array;
  /** Per state: the hash its slot was found by (for rehashing). */
  private hashes = new Int32Array(1024);
  /** Slot → state index + 1 (0: empty). */
  private table = new Int32Array(4096);
  private mask = 4096 - 1;
  /** After `add` returned SEEN: the index of the state seen. */
  seenIndex = -1;

  constructor(private readonly words: number) {
    this.vecs = new Uint32Array(Math.max(1, words) * 1024);
  }

  get size(): number {
    return this.links.size;
  }

  /** Stores the state whose vector is `w` (`fp` its fingerprint) if it is new: its index, SEEN or FULL. */
  add(fp: Fingerprint, parent: number, via: number, limit: number, w?: Uint32Array): number {
    const words = this.words;
    const vecs = this.vecs;
    const h = fp.lo ^ (fp.hi >>> 7);
    let slot = h & this.mask;
    for (;;) {
      const at = this.table[slot]!;
      if (at === 0) break;
      const base = (at - 1) * words;
      let same = true;
      for (let j = 0; j < words; j++) {
        if (vecs[base + j] !== w![j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.seenIndex = at - 1;
        return SEEN;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.links.size >= limit) return FULL;
    const i = this.links.add(parent, via);
    if ((i + 1) * words > this.vecs.length) {
      const more = new Uint32Array(this.vecs.length * 2);
      more.set(this.vecs);
      this.vecs = more;
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.vecs.set(w!, i * words);
    this.hashes[i] = h;
    this.table[slot] = i + 1;
    if (this.links.size * 10 > this.mask * 7) this.rehash();
    return i;
  }

  pathTo(i: number): number[] {
    return this.links.pathTo(i);
  }

  bytes(): number {
    return this.links.bytes() + this.table.byteLength + this.size * (4 * this.words + 4);
  }

  collisionProbability(): number {
    return 0;
  }

  private rehash(): void {
    const slots = (this.mask + 1) * 2;
    this.table = new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < this.links.size; i++) {
      let slot = this.hashes[i]! & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = i + 1;
    }
  }
}

/** Keyed by the full canonical encoding: no collisions, for tests and small models. */
export class ExactStore<G> implements StateStore<G> {
  readonly exact = true;
  private readonly links = new Links();
  private readonly index = new Map<string, number>();
  private keyChars = 0;
  seenIndex = -1;

  constructor(private readonly model: Model<G>) {}

  get size(): number {
    return this.links.size;
  }

  visit(world: World<G>, parent: number, via: number, limit: number, site?: Site): number {
    const key = encodeWorld(this.model, world, site?.());
    const seen = this.index.get(key);
    if (seen !== undefined) {
      this.seenIndex = seen;
      return SEEN;
    }
    if (this.links.size >= limit) return FULL;
    const i = this.links.add(parent, via);
    this.index.set(key, i);
    this.keyChars += key.length;
    return i;
  }

  pathTo(i: number): number[] {
    return this.links.pathTo(i);
  }

  /** Estimate: one byte per key character plus about 40 bytes of string header and map entry per state. */
  bytes(): number {
    return this.links.bytes() + this.keyChars + 40 * this.size;
  }

  collisionProbability(): number {
    return 0;
  }
}
