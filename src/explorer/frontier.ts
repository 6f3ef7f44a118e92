import { seal } from '../core/canonical.ts';
import type { World } from '../core/world.ts';
import type { Strategy } from './options.ts';

/** A state waiting to be expanded: its store index, its world and its depth (steps from an initial state). */
export interface Queued<G> {
  readonly index: number;
  readonly world: World<G>;
  readonly depth: number;
}

/** States waiting to be expanded. BFS and DFS differ only here. */
export interface Frontier<G> {
  readonly size: number;
  push(index: number, world: World<G>, depth: number): void;
  /** Removes the next state to expand. Call only when size > 0. */
  pop(): Queued<G>;
}

/** FIFO with a head pointer; the consumed prefix is dropped in bulk, so pop is O(1) amortised. */
class FifoFrontier<G> implements Frontier<G> {
  private ids: number[] = [];
  private depths: number[] = [];
  private worlds: World<G>[] = [];
  private head = 0;

  get size(): number {
    return this.ids.length - this.head;
  }

  push(index: number, world: World<G>, depth: number): void {
    this.ids.push(index);
    this.depths.push(depth);
    this.worlds.push(world);
  }

  pop(): Queued<G> {
    const h = this.head;
    const q = { index: this.ids[h]!, world: this.worlds[h]!, depth: this.depths[h]! };
    this.worlds[h] = undefined as unknown as World<G>;
    this.head = h + 1;
    if (this.head >= 65536 && this.head * 2 >= this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.depths = this.depths.slice(this.head);
      this.worlds = this.worlds.slice(this.head);
      this.head = 0;
    }
    return q;
  }
}

class LifoFrontier<G> implements Frontier<G> {
  private readonly ids: number[] = [];
  private readonly depths: number[] = [];
  private readonly worlds: World<G>[] = [];

  get size(): number {
    return this.ids.length;
  }

  push(index: number, world: World<G>, depth: number): void {
    this.ids.push(index);
    this.depths.push(depth);
    this.worlds.push(world);
  }

  pop(): Queued<G> {
    return { index: this.ids.pop()!, world: this.worlds.pop()!, depth: this.depths.pop()! };
  }
}

/**
 * A FIFO that keeps queued worlds as bytes, not objects: a world is written in a compact binary
 * form when pushed and rebuilt (and sealed, so fingerprinted) when popped. Strings are written once
 * into a table and referred to by number; integers are variable-length. Key order is kept, so a
 * rebuilt world behaves exactly as the one pushed. Costs a write and a rebuild per state, for a
 * queue of tens of bytes per state instead of the objects a step created.
 */
class CompactFifoFrontier<G> implements Frontier<G> {
  private buf = new Uint8Array(1 << 16);
  private head = 0;
  private tail = 0;
  private count = 0;
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  get size(): number {
    return this.count;
  }

  /** Bytes the queue occupies (its buffer and the string table's entries). */
  get bytes(): number {
    return this.buf.byteLength;
  }

  push(index: number, world: World<G>, depth: number): void {
    this.uint(index);
    this.uint(depth);
    this.value(world);
    this.count++;
  }

  pop(): Queued<G> {
    const index = this.readUint();
    const depth = this.readUint();
    const world = this.readValue() as World<G>;
    this.count--;
    if (this.count === 0) this.head = this.tail = 0;
    return { index, world, depth };
  }

  private room(n: number): void {
    if (this.tail + n <= this.buf.length) return;
    const live = this.tail - this.head;
    if (this.head > 0 && live + n <= this.buf.length / 2) {
      this.buf.copyWithin(0, this.head, this.tail);
    } else {
      let size = this.buf.length * 2;
      while (live + n > size / 2) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.buf.subarray(this.head, this.tail));
      this.buf = grown;
    }
    this.head = 0;
    this.tail = live;
  }

  private byte(b: number): void {
    this.room(1);
    this.buf[this.tail++] = b;
  }

  private uint(n: number): void {
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.tail++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.tail++] = n;
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (Number.isSafeInteger(v)) {
          this.byte(v < 0 ? T_NEG : T_INT);
          this.uint(Math.abs(v));
        } else {
          this.byte(T_FLOAT);
          this.f64[0] = v;
          this.room(8);
          this.buf.set(this.f64Bytes, this.tail);
          this.tail += 8;
        }
        return;
      case 'string': {
        let id = this.stringIds.get(v);
        if (id === undefined) {
          id = this.strings.length;
          this.strings.push(v);
          this.stringIds.set(v, id);
        }
        this.byte(T_STR);
        this.uint(id);
        return;
      }
      case 'boolean':
        this.byte(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.byte(T_UNDEF);
        return;
      default:
        if (v === null) this.byte(T_NULL);
        else if (Array.isArray(v)) {
          this.byte(T_ARR);
          this.uint(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
        } else {
          const o = v as Record<string, unknown>;
          const keys = Object.keys(o);
          this.byte(T_OBJ);
          this.uint(keys.length);
          for (const k of keys) {
            this.value(k);
            this.value(o[k]);
          }
        }
    }
  }

  private readUint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.head++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
  }

  private readValue(): unknown {
    switch (this.buf[this.head++]) {
      case T_INT:
        return this.readUint();
      case T_NEG:
        return -this.readUint();
      case T_FLOAT:
        this.f64Bytes.set(this.buf.subarray(this.head, this.head + 8));
        this.head += 8;
        return this.f64[0];
      case T_STR:
        return this.strings[this.readUint()];
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_NULL:
        return null;
      case T_UNDEF:
        return undefined;
      case T_ARR: {
        const n = this.readUint();
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(this.readValue());
        return seal(a);
      }
      default: {
        const n = this.readUint();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.readValue() as string;
          o[k] = this.readValue();
        }
        return seal(o);
      }
    }
  }
}

const T_INT = 0;
const T_NEG = 1;
const T_FLOAT = 2;
const T_STR = 3;
const T_TRUE = 4;
const T_FALSE = 5;
const T_NULL = 6;
const T_UNDEF = 7;
const T_ARR = 8;
const T_OBJ = 9;

/** `compact`: keep queued BFS states as bytes (CompactFifoFrontier); DFS stacks stay small and keep objects. */
export function frontierFor<G>(strategy: Strategy, compact = false): Frontier<G> {
  if (strategy === 'dfs') return new LifoFrontier<G>();
  return compact ? new CompactFifoFrontier<G>() : new FifoFrontier<G>();
}
