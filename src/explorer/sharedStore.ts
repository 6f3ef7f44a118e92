/**
 * The visited set and work exchange shared by the workers of a parallel search, on
 * SharedArrayBuffers. Each worker runs the ordinary explore loop with this store:
 *
 * - the table holds 64-bit fingerprints as two 32-bit words per slot (0 = empty; a fingerprint
 *   half that is 0 is stored as 1). A worker claims a slot by Atomics.compareExchange on its high
 *   word, then writes the low word; one that finds the high word it wants waits for the low word
 *   to appear before comparing, so exactly one worker stores each state, with no BigInt per state;
 * - state indices come from one atomic counter; parent and step per index live in shared arrays, so
 *   any worker (and the coordinator) rebuilds a path by walking parents;
 * - a worker whose frontier runs dry waits on a shared queue of state indices; busy workers give it
 *   states from their own frontiers, and it rebuilds each world by replaying the state's path.
 *
 * The table grows as the one-thread store does (doubling at load 0.7), in place: its buffer is
 * allocated for the whole capacity (budget maxStates when full), which costs address space only
 * until touched, and the part in use starts at 2^18 slots. A probe into a table sized for the
 * capacity from the start (6M states by default, 128 MiB) misses cache and TLB far more often:
 * Peterson n=4 (1.1M states) took 2.26 s on one worker that way, 1.86 s with a table sized for it.
 * Growing needs every worker still: the worker whose insert passes the load factor asks for it;
 * each worker stops at its next safe point (`sync`: before an insert, at the top of the loop and
 * while waiting for work); the asker, once all have stopped (or left the search), rehashes and
 * lets them go on. A worker that sees the search stopped while it waits leaves only by calling
 * the growth off (a compare-and-swap the asker's start of the rehash races against), so no
 * worker probes the table while it is being rehashed.
 */
import { fingerprint, type Fingerprint } from '../core/canonical.ts';
import { UsageError } from '../core/errors.ts';
import { fingerprintWorld } from '../core/determinism.ts';
import type { Model } from '../core/model.ts';
import type { World } from '../core/world.ts';
import type { LockEdge } from './lockOrder.ts';
import { collisionProbability, FULL, SEEN, walkParents, type Site, type StateStore } from './stateStore.ts';

// Control words, in three 64-byte cache lines, so the words every worker reads at each expansion
// (STOP, GROW, IDLE) are not invalidated by the one written at every new state (COUNT).
/** Written at every new state. */
const COUNT = 0;
// Read at every expansion, written rarely.
const STOP = 16;
/** The table's mask in use (slots - 1). */
const MASK = 17;
/** The growth round: 0 none, then GROWTH_ASKED, GROWTH_UNDER_WAY or GROWTH_CALLED_OFF until released. */
const GROW = 18;
const GROWTH_ASKED = 1;
const GROWTH_UNDER_WAY = 2;
const GROWTH_CALLED_OFF = 3;
/** Workers stopped for the growth. */
const ARRIVED = 19;
/** Counts growths: a stopped worker goes on when it changes. */
const EPOCH = 20;
/** Workers whose search loop has ended. */
const LEFT = 21;
// The work exchange and the shared numberings.
const IDLE = 32;
const QHEAD = 33;
const QTAIL = 34;
const LOCK = 35;
const WAKE = 36;
const ROUTINES = 37;
/** Entries in the shared dictionary table. */
const DICTS = 38;
const CONTROL_WORDS = 48;
/** Values the workers may add to the layout's dictionaries, all dictionaries together. */
const MAX_DICT_ENTRIES = 16384;
/** Slots of the table in use at the start. */
const FIRST_SLOTS = 1 << 18;
const MAX_ROUTINES = 4096;

const QUEUE = 1 << 16;

export interface SharedBuffers {
  readonly workers: number;
  /** States the store can hold. */
  readonly capacity: number;
  readonly control: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
  readonly parents: SharedArrayBuffer;
  readonly vias: SharedArrayBuffer;
  readonly queue: SharedArrayBuffer;
  /** Fingerprints of routine names, in index order: one routine numbering for all workers. */
  readonly routines: SharedArrayBuffer;
  /** Values added to the layout's dictionaries: (spec, fingerprint, code) per entry (dictCode). */
  readonly dicts: SharedArrayBuffer;
}

export function sharedBuffers(workers: number, maxStates: number, firstSlots = FIRST_SLOTS): SharedBuffers {
  // At least 1024: the load factor 0.7 then leaves 300 free slots for the inserts under way when a growth is asked for.
  if (!Number.isInteger(Math.log2(firstSlots)) || firstSlots < 1024) throw new UsageError(`the shared table's first size must be a power of two of at least 1024, got ${String(firstSlots)}`);
  const capacity = Math.min(Number.isFinite(maxStates) ? maxStates : 6_000_000, 2 ** 28);
  let slots = 1024;
  while (slots * 0.7 < capacity) slots *= 2;
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS);
  new Int32Array(control)[MASK] = Math.min(slots, firstSlots) - 1;
  return {
    workers,
    capacity,
    control,
    table: new SharedArrayBuffer(8 * slots),
    parents: new SharedArrayBuffer(4 * capacity),
    vias: new SharedArrayBuffer(2 * capacity),
    queue: new SharedArrayBuffer(4 * QUEUE),
    routines: new SharedArrayBuffer(8 * MAX_ROUTINES),
    dicts: new SharedArrayBuffer(16 * MAX_DICT_ENTRIES),
  };
}

/** What a parallel-search worker hands the explore loop, and what the loop reports back at its end. */
export interface SharedSearch {
  readonly store: SharedStore<unknown>;
  /** This worker stores the initial state and starts from it; the others start by waiting for work. */
  readonly seeds: boolean;
  /** Called once the loop ran out of work (the search is complete): what the coordinator merges. */
  finished(info: { truncated: boolean; transitions: number; depth: number; found: readonly (readonly number[] | null)[]; lockEdges: readonly LockEdge[]; symmetricLockNesting?: boolean }): void;
}

/** Why the search stopped early: a worker's result, or the coordinator's memory budget. */
export const STOP_WORKER = 1;
export const STOP_MEMORY = 2;
/** A compiled-space worker met a state the shared layout cannot hold. */
export const STOP_RELAYOUT = 3;

export class SharedStore<G> implements StateStore<G> {
  readonly exact = false;
  private readonly control: Int32Array;
  private readonly table: Int32Array;
  /** The mask of the part of the table in use, as this worker last saw it (control[MASK]). */
  private mask: number;
  /** The mask of the whole table. */
  private readonly fullMask: number;
  /** This worker asked for the table to grow and does it at its next `sync`. */
  private grower = false;
  private readonly parents: Int32Array;
  private readonly vias: Uint16Array;
  private readonly queue: Int32Array;

  constructor(
    private readonly model: Model<G> | undefined,
    private readonly buffers: SharedBuffers,
  ) {
    this.control = new Int32Array(buffers.control);
    this.table = new Int32Array(buffers.table);
    this.fullMask = (this.table.length >> 1) - 1;
    this.mask = Atomics.load(this.control, MASK);
    this.parents = new Int32Array(buffers.parents);
    this.vias = new Uint16Array(buffers.vias);
    this.queue = new Int32Array(buffers.queue);
  }

  get size(): number {
    return Math.min(Atomics.load(this.control, COUNT), this.buffers.capacity);
  }

  visit(world: World<G>, parent: number, via: number, limit: number, site?: Site): number {
    return this.add(fingerprintWorld(this.model!, world, site), parent, via, limit);
  }

  /** Stores a state by its fingerprint, as `visit` does: its new index, SEEN or FULL. */
  add(fp: Fingerprint, parent: number, via: number, limit: number): number {
    // Between two inserts is a safe point too: a growth asked for waits at most one insert per worker.
    if (Atomics.load(this.control, GROW) !== 0) this.sync();
    const hi = fp.hi === 0 ? 1 : fp.hi;
    const lo = fp.lo === 0 ? 1 : fp.lo;
    const table = this.table;
    let slot = (lo ^ (hi >>> 7)) & this.mask;
    for (;;) {
      // A plain read: a claimed slot never changes (but in a growth, when no worker probes), and a
      // stale 0 only sends this worker to the compare-and-swap, which reads the slot atomically.
      let h = table[2 * slot]!;
      if (h === 0) {
        // (Only with a budget below the capacity: reading COUNT here would fetch the cache line
        // the other workers write at every new state; the capacity is checked after claiming.)
        if (limit < this.buffers.capacity && this.size >= limit) return FULL;
        h = Atomics.compareExchange(table, 2 * slot, 0, hi);
        if (h === 0) {
          Atomics.store(table, 2 * slot + 1, lo);
          break;
        }
      }
      if (h === hi) {
        // Claimed by this fingerprint's high word: wait for its low word (a few instructions away).
        let l = Atomics.load(table, 2 * slot + 1);
        while (l === 0) l = Atomics.load(table, 2 * slot + 1);
        if (l === lo) return SEEN;
      }
      slot = (slot + 1) & this.mask;
    }
    const i = Atomics.add(this.control, COUNT, 1);
    if (i >= this.buffers.capacity) return FULL;
    // Past load 0.7: ask for growth (done at the next safe point, `sync`).
    if ((i + 1) * 10 > this.mask * 7 && this.mask < this.fullMask && !this.grower && Atomics.compareExchange(this.control, GROW, 0, GROWTH_ASKED) === 0) {
      this.grower = true;
      this.wake();
    }
    if (via > 0xfffe) throw new RangeError(`a state has more than ${0xfffe} enabled steps`);
    this.parents[i] = parent;
    this.vias[i] = via;
    return i;
  }

  pathTo(i: number): number[] {
    return walkParents(this.parents, this.vias, i);
  }

  bytes(): number {
    return 8 * (Atomics.load(this.control, MASK) + 1) + this.parents.byteLength + this.vias.byteLength;
  }

  /**
   * A safe point of a worker's search (no insert under way): takes part in a growth of the table
   * if one was asked for, and sees the table's size after it.
   */
  sync(): void {
    if (Atomics.load(this.control, GROW) === 0) return;
    // A growth round cannot end before this worker arrives, so this is its epoch.
    const epoch = Atomics.load(this.control, EPOCH);
    Atomics.add(this.control, ARRIVED, 1);
    Atomics.notify(this.control, ARRIVED);
    const n = this.buffers.workers;
    if (this.grower) {
      let all = false;
      for (;;) {
        const arrived = Atomics.load(this.control, ARRIVED);
        if (arrived + Atomics.load(this.control, LEFT) >= n) {
          all = true;
          break;
        }
        if (this.stopped() !== 0) break;
        Atomics.wait(this.control, ARRIVED, arrived, 20);
      }
      // Rehash only with every worker stopped here or gone, and only if no worker that saw the
      // search stop has called the growth off (GROW 1 → 3) to leave: one of the two wins.
      if (all && Atomics.compareExchange(this.control, GROW, GROWTH_ASKED, GROWTH_UNDER_WAY) === GROWTH_ASKED) this.grow();
      this.release();
    } else {
      while (Atomics.load(this.control, EPOCH) === epoch) {
        if (this.stopped() !== 0) {
          // Leave only once no rehash can start (called off here or before); during one, wait for it.
          const g = Atomics.compareExchange(this.control, GROW, GROWTH_ASKED, GROWTH_CALLED_OFF);
          if (g === GROWTH_ASKED || g === GROWTH_CALLED_OFF) break;
        }
        Atomics.wait(this.control, EPOCH, epoch, 20);
      }
    }
    this.mask = Atomics.load(this.control, MASK);
  }

  /** This worker's search loop has ended: growths no longer wait for it (and one it asked for is dropped). */
  leave(): void {
    Atomics.add(this.control, LEFT, 1);
    Atomics.notify(this.control, ARRIVED);
    if (this.grower) this.release();
  }

  /** Ends a growth round: every stopped worker goes on. */
  private release(): void {
    this.grower = false;
    Atomics.store(this.control, ARRIVED, 0);
    Atomics.store(this.control, GROW, 0);
    Atomics.add(this.control, EPOCH, 1);
    Atomics.notify(this.control, EPOCH);
  }

  /** Doubles the part of the table in use, rehashing in place (every other worker is stopped). */
  private grow(): void {
    const table = this.table;
    const slots = Atomics.load(this.control, MASK) + 1;
    const old = table.slice(0, 2 * slots);
    const mask = Math.min(2 * slots, this.fullMask + 1) - 1;
    table.fill(0, 0, 2 * (mask + 1));
    for (let s = 0; s < old.length; s += 2) {
      const hi = old[s]!;
      if (hi === 0) continue;
      const lo = old[s + 1]!;
      // The home slot as `add` computes it, from the stored words (a 0 half already made 1).
      let slot = (lo ^ (hi >>> 7)) & mask;
      while (table[2 * slot] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = hi;
      table[2 * slot + 1] = lo;
    }
    Atomics.store(this.control, MASK, mask);
  }

  collisionProbability(): number {
    return collisionProbability(this.size);
  }

  /** The index of the routine named `name`, the same in every worker (first come, first numbered). */
  routineNumber(name: string): number {
    const fp = fingerprint(name);
    const names = new Int32Array(this.buffers.routines);
    this.lock();
    try {
      const n = this.control[ROUTINES]!;
      for (let i = 0; i < n; i++) if (names[2 * i] === fp.hi && names[2 * i + 1] === fp.lo) return i;
      if (n === MAX_ROUTINES) throw new RangeError(`more than ${MAX_ROUTINES} routines`);
      names[2 * n] = fp.hi;
      names[2 * n + 1] = fp.lo;
      this.control[ROUTINES] = n + 1;
      return n;
    } finally {
      this.unlock();
    }
  }

  /**
   * The code of `value` in dictionary `spec` (LayoutFacts.shareDictionaries): the one a worker
   * gave it first, else the next after the layout's `base` values and those added before; -1
   * when the table is full (the search then starts again with a layout that learnt the value).
   */
  dictCode(spec: number, value: unknown, base: number): number {
    const fp = fingerprint(value);
    const d = new Int32Array(this.buffers.dicts);
    this.lock();
    try {
      const n = this.control[DICTS]!;
      let added = 0;
      for (let i = 0; i < n; i++) {
        if (d[4 * i] !== spec) continue;
        if (d[4 * i + 1] === fp.hi && d[4 * i + 2] === fp.lo) return d[4 * i + 3]!;
        added++;
      }
      if (n === MAX_DICT_ENTRIES) return -1;
      const code = base + added;
      d[4 * n] = spec;
      d[4 * n + 1] = fp.hi;
      d[4 * n + 2] = fp.lo;
      d[4 * n + 3] = code;
      this.control[DICTS] = n + 1;
      return code;
    } finally {
      this.unlock();
    }
  }

  /** Whether the search has been stopped (by a worker's result or the coordinator). */
  stopped(): number {
    return Atomics.load(this.control, STOP);
  }

  /** Claims the end of the search for this result; false if another got there first. */
  claimStop(why: number): boolean {
    const won = Atomics.compareExchange(this.control, STOP, 0, why) === 0;
    this.wake();
    return won;
  }

  /** True when some worker is waiting for states. */
  hungry(): boolean {
    return Atomics.load(this.control, IDLE) > 0 && Atomics.load(this.control, QTAIL) - Atomics.load(this.control, QHEAD) < this.buffers.workers;
  }

  /** Hands a stored state to a waiting worker. */
  give(index: number): void {
    this.lock();
    const tail = this.control[QTAIL]!;
    if (tail - this.control[QHEAD]! < QUEUE) {
      this.queue[tail & (QUEUE - 1)] = index;
      this.control[QTAIL] = tail + 1;
    }
    this.unlock();
    this.wake();
  }

  /**
   * Called by a worker with nothing left to expand: waits for a state from another worker and
   * returns its index, or -1 when every worker is idle (the search is complete) or it was stopped.
   */
  take(): number {
    this.lock();
    this.control[IDLE]!++;
    this.unlock();
    for (;;) {
      if (this.stopped() !== 0) return -1;
      this.sync();
      const seen = Atomics.load(this.control, WAKE);
      this.lock();
      const head = this.control[QHEAD]!;
      if (head < this.control[QTAIL]!) {
        const index = this.queue[head & (QUEUE - 1)]!;
        this.control[QHEAD] = head + 1;
        this.control[IDLE]!--;
        this.unlock();
        return index;
      }
      const allIdle = this.control[IDLE] === this.buffers.workers;
      this.unlock();
      if (allIdle) {
        this.wake();
        return -1;
      }
      Atomics.wait(this.control, WAKE, seen, 100);
    }
  }

  private wake(): void {
    Atomics.add(this.control, WAKE, 1);
    Atomics.notify(this.control, WAKE);
  }

  private lock(): void {
    while (Atomics.compareExchange(this.control, LOCK, 0, 1) !== 0) {
      /* spin: the critical sections are a few instructions */
    }
  }

  private unlock(): void {
    Atomics.store(this.control, LOCK, 0);
  }
}
