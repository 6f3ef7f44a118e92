/**
 * The compiled state space: every state is one packed byte vector (the shared state, then each
 * thread's call stack as fixed frame slots), read and written through generated views (views.ts).
 * Steps, guards and properties are the model's own closures, unchanged; they run against views of
 * the parent vector (guards) or of a copy that becomes the successor (steps). No immer, and no
 * object is allocated per state on this path.
 *
 * The layout is learnt (spec.ts): from the initial state, then from every state the compiled space
 * could not hold. Whatever goes wrong here (a write the layout cannot hold, a step that throws or
 * misbehaves) is handed back to the caller as an exception; the search kernel then replays the step
 * on the reference space, which either diagnoses it exactly as it always has or yields the state the
 * layout must widen to hold.
 */
import { seal } from '../canonical.ts';
import type { Fingerprint } from '../canonical.ts';
import type { HeldLock } from '../kernel/locksHeld.ts';
import type { CompiledRoutine, Model } from '../model.ts';
import type { Alternative, AnyRoutine, Statement, StepContext } from '../program.ts';
import type { Positions } from '../positions.ts';
import type { WorldView } from '../property.ts';
import { MAX_CALL_DEPTH } from '../stack.ts';
import { StepFailure, targetOf, type Transition } from '../transitions.ts';
import type { Frame, Stack, ThreadId, World } from '../world.ts';
import { registerRoot } from './roots.ts';
import { absorb, Spec, specData, specFrom, type SpecData } from './spec.ts';
import { compileSite, Misfit, plainOf, type Cursor, type Site, type View } from './views.ts';

/** What the compiled space has learnt about a model's states; kept across relayouts. */
export class LayoutFacts {
  shared = new Spec();
  readonly locals = new Map<number, Spec>();
  into = new Spec();
  /** Per thread, per call depth: the routines seen in a frame there. */
  readonly frames: Set<number>[][] = [];

  /** As plain data, for worker threads. */
  toData(): LayoutData {
    return {
      shared: specData(this.shared),
      locals: [...this.locals].map(([fn, s]) => [fn, specData(s)] as const),
      into: specData(this.into),
      frames: this.frames.map((ds) => ds.map((fns) => [...fns])),
    };
  }

  /** Facts from `toData`; `frozen`: dictionaries take no new values (see `Spec.frozen`). */
  static from(d: LayoutData, frozen: boolean): LayoutFacts {
    const f = new LayoutFacts();
    f.shared = specFrom(d.shared, frozen);
    for (const [fn, s] of d.locals) f.locals.set(fn, specFrom(s, frozen));
    f.into = specFrom(d.into, frozen);
    d.frames.forEach((ds, tid) => (f.frames[tid] = ds.map((fns) => new Set(fns))));
    return f;
  }

  /**
   * A parallel search: every frozen dictionary takes new values through `code` (spec number, the
   * value, the dictionary's size when shared), so workers agree on the codes of values the layout
   * was not taught. Specs are numbered in one fixed order (shared state, locals by routine,
   * `into`), the same in every worker built from the same data.
   */
  shareDictionaries(code: (spec: number, value: unknown, base: number) => number): void {
    let n = 0;
    const visit = (s: Spec): void => {
      if (s.frozen) {
        const id = n++;
        const base = s.dict.length;
        s.sharedCode = (v) => code(id, v, base);
      }
      if (s.rec) for (const c of s.rec.values()) visit(c);
      if (s.list) visit(s.list.elem);
    };
    visit(this.shared);
    for (const s of this.locals.values()) visit(s);
    visit(this.into);
  }

  absorbWorld(world: World<unknown>): void {
    absorb(this.shared, world.shared);
    world.threads.forEach((stack, tid) => {
      const depths = (this.frames[tid] ??= []);
      stack.forEach((f, d) => {
        (depths[d] ??= new Set()).add(f.fn);
        let spec = this.locals.get(f.fn);
        if (spec === undefined) this.locals.set(f.fn, (spec = new Spec()));
        absorb(spec, f.locals);
        absorb(this.into, f.into);
      });
    });
  }
}

export interface LayoutData {
  readonly shared: SpecData;
  readonly locals: readonly (readonly [number, SpecData])[];
  readonly into: SpecData;
  readonly frames: readonly (readonly (readonly number[])[])[];
}

interface FrameSlot {
  readonly at: number;
  readonly localsAt: number;
  readonly end: number;
  readonly routines: ReadonlyMap<number, Site>;
}

interface ThreadSlot {
  /** Offset of the stack's length byte; frames follow. */
  readonly at: number;
  readonly end: number;
  readonly frames: readonly FrameSlot[];
}

/** Frame header: routine (index + 1; 0 for no frame), statement (2 bytes), `into` (dictionary code). */
const FN = 0;
const PC = 1;
const INTO = 3;
const HEADER = 4;

export const NEXT = 0;
export const EXITED = 1;
export const FAILED = 2;

interface Control {
  goto: string | undefined;
  stay: boolean;
  ret: { value: unknown } | undefined;
  exit: boolean;
  call: { routine: AnyRoutine; args: unknown; into: string | undefined } | undefined;
}

export class CompiledSpace<G> implements Positions {
  /** Bytes per state vector (a multiple of 4). */
  readonly size: number;
  readonly cursor: Cursor;
  readonly root: G;
  readonly view: CompiledWorldView<G>;
  /** Set when `apply` returns FAILED. */
  failure: StepFailure | undefined;
  /** Keep the locals a thread finishes with (for `onExit` properties): `exitLocals` after EXITED. */
  keepExitLocals = false;
  exitLocals: Readonly<Record<string, unknown>> | undefined;
  private exitFrame = new Uint8Array(0);
  private exitFn = -1;
  /** Set by each step: its routine if it steps a thread's outermost frame and exit locals are kept, else -1 (read by popFrame). */
  private exitNote = -1;
  private readonly rootSite: Site;
  private readonly threads: ThreadSlot[] = [];
  private readonly intoSite: Site;
  private readonly localsViews: (View | undefined)[][][] = [];
  private readonly control: Control = { goto: undefined, stay: false, ret: undefined, exit: false, call: undefined };
  private readonly contexts: StepContext<G, unknown>[] = [];
  private readonly lockWalk: LockWalk | undefined;
  private readonly spinWalk: SpinWalk | undefined;
  /** What `enable` found, reused from state to state. */
  readonly en = new Enabled<G>();

  constructor(
    readonly model: Model<G>,
    readonly facts: LayoutFacts,
  ) {
    this.rootSite = compileSite(facts.shared);
    this.intoSite = compileSite(facts.into);
    if (this.intoSite.size !== 1) throw new Misfit('more than 255 distinct `into` locals');
    const localsSites = new Map<number, Site>();
    for (const [fn, spec] of facts.locals) localsSites.set(fn, compileSite(spec));
    let at = this.rootSite.size;
    for (let tid = 0; tid < model.actors.length; tid++) {
      const depths = facts.frames[tid] ?? [];
      const threadAt = at;
      at += 1;
      const frames: FrameSlot[] = [];
      for (const fns of depths) {
        const routines = new Map<number, Site>();
        let localsSize = 0;
        for (const fn of fns) {
          const site = localsSites.get(fn)!;
          routines.set(fn, site);
          localsSize = Math.max(localsSize, site.size);
        }
        frames.push({ at, localsAt: at + HEADER, end: at + HEADER + localsSize, routines });
        at += HEADER + localsSize;
      }
      if (frames.length > 255) throw new Misfit('call stack deeper than 255');
      this.threads.push({ at: threadAt, end: at, frames });
    }
    this.size = (at + 3) & ~3;
    const initial = new Uint8Array(this.size);
    this.cursor = { b: initial, ro: true, gen: 0 };
    this.root = this.rootSite.makeView ? (this.rootSite.makeView(this.cursor, 0) as G) : ({} as G);
    this.view = new CompiledWorldView(this);
    guardLockKinds(facts.shared);
    this.lockWalk = lockWalker(facts.shared);
    this.spinWalk = spinWalker(facts.shared);
    for (let tid = 0; tid < model.actors.length; tid++) this.contexts.push(this.makeContext(tid));
    if (typeof this.root === 'object' && this.root !== null) registerRoot(this.root, (tid, kinds) => this.locksHeld(tid, kinds), (tid) => this.spinWalk?.(this.root, tid) ?? false);
  }

  /** Writes `world` into a new vector (throws Misfit if the layout cannot hold it). */
  encode(world: World<G>): Uint8Array {
    const b = new Uint8Array(this.size);
    const c = this.cursor;
    const saved = c.b;
    c.b = b;
    c.ro = false;
    try {
      this.rootSite.set(c, 0, world.shared);
      world.threads.forEach((stack, tid) => {
        const t = this.threads[tid]!;
        if (stack.length > t.frames.length) throw new Misfit('deeper stack');
        b[t.at] = stack.length;
        stack.forEach((f, d) => this.writeFrame(tid, d, f.fn, f.pc, f.into, f.locals));
      });
    } finally {
      c.b = saved;
      c.ro = true;
      c.gen++;
    }
    return b;
  }

  /** The plain frozen world a vector stands for (for traces, reports and the reference space). */
  decode(b: Uint8Array): World<G> {
    const shared = this.rootSite.decode(b, 0) as G;
    const threads: Stack[] = this.threads.map((t) => {
      const n = b[t.at]!;
      const stack: Frame[] = [];
      for (let d = 0; d < n; d++) {
        const f = t.frames[d]!;
        const fn = b[f.at + FN]! - 1;
        const pc = b[f.at + PC]! | (b[f.at + PC + 1]! << 8);
        const into = this.intoSite.decode(b, f.at + INTO) as string | undefined;
        const locals = f.routines.get(fn)!.decode(b, f.localsAt) as Frame['locals'];
        stack.push(into !== undefined ? { fn, pc, locals, into } : { fn, pc, locals });
      }
      return stack;
    });
    return seal({ shared, threads });
  }

  /** Points the views at `b`, read-only (for guards and properties). */
  point(b: Uint8Array): void {
    this.cursor.b = b;
    this.cursor.ro = true;
    this.cursor.gen++;
  }

  depthOf(tid: ThreadId): number {
    return this.cursor.b[this.threads[tid]!.at]!;
  }

  get threadCount(): number {
    return this.threads.length;
  }

  fnAt(tid: ThreadId, d: number): number {
    return this.cursor.b[this.threads[tid]!.frames[d]!.at + FN]! - 1;
  }

  pcOf(tid: ThreadId): number {
    const t = this.threads[tid]!;
    const b = this.cursor.b;
    const f = t.frames[b[t.at]! - 1]!;
    return b[f.at + PC]! | (b[f.at + PC + 1]! << 8);
  }

  /** Routine and statement of the thread's top frame, as fn * 65536 + pc; -1 once it has finished. */
  positionOf(tid: ThreadId): number {
    const t = this.threads[tid]!;
    const b = this.cursor.b;
    const n = b[t.at]!;
    if (n === 0) return -1;
    const f = t.frames[n - 1]!;
    return (b[f.at + FN]! - 1) * 65536 + (b[f.at + PC]! | (b[f.at + PC + 1]! << 8));
  }

  /** Locals view of the thread's top frame (the cursor's vector), or undefined once finished. */
  topLocals(tid: ThreadId): unknown {
    const n = this.depthOf(tid);
    if (n === 0) return undefined;
    const f = this.threads[tid]!.frames[n - 1]!;
    return this.localsView(tid, n - 1, this.cursor.b[f.at + FN]! - 1);
  }

  private localsView(tid: ThreadId, d: number, fn: number): View {
    const byDepth = (this.localsViews[tid] ??= []);
    const byFn = (byDepth[d] ??= []);
    let v = byFn[fn];
    if (v === undefined) {
      const f = this.threads[tid]!.frames[d]!;
      const site = f.routines.get(fn);
      if (site === undefined) throw new Misfit('routine not seen at this depth');
      v = byFn[fn] = site.makeView!(this.cursor, f.localsAt);
    }
    return v;
  }

  /** Enabled transitions of vector `b`, in the reference space's order (thread, then alternative). */
  enabled(b: Uint8Array): Transition[] {
    const n = this.enable(b);
    const out: Transition[] = [];
    for (let k = 0; k < n; k++) out.push(this.transition(k));
    return out;
  }

  /**
   * The hot form of `enabled`: fills `en` with the enabled transitions of `b` (thread, routine,
   * statement, alternative, and the alternative itself) and returns how many there are.
   */
  enable(b: Uint8Array): number {
    this.point(b);
    const en = this.en;
    let n = 0;
    const model = this.model;
    const threads = this.threads;
    for (let tid = 0; tid < threads.length; tid++) {
      const t = threads[tid]!;
      const depth = b[t.at]!;
      if (depth === 0) continue;
      const f = t.frames[depth - 1]!;
      const fn = b[f.at + FN]! - 1;
      const pc = b[f.at + PC]! | (b[f.at + PC + 1]! << 8);
      const s = model.routineAt(fn).statements[pc] as Statement<G, unknown>;
      const alts = s.alternatives;
      let my: unknown;
      for (let a = 0; a < alts.length; a++) {
        const alt = alts[a]!;
        const guard = alt.when;
        if (guard !== undefined) {
          my ??= this.localsView(tid, depth - 1, fn);
          if (guard(this.root, my, tid) !== true) continue;
        }
        if (n === en.tid.length) en.grow();
        en.tid[n] = tid;
        en.fn[n] = fn;
        en.stmt[n] = pc;
        en.alt[n] = a;
        en.alts[n] = alt;
        en.statements[n] = s;
        n++;
      }
    }
    return n;
  }

  /** The k-th transition `enable` found, as an object. */
  transition(k: number): Transition {
    const en = this.en;
    return { tid: en.tid[k]!, fn: en.fn[k]!, stmt: en.stmt[k]!, alt: en.alt[k]! };
  }

  /**
   * Applies `t` to `parent`, writing the successor into `out` (this.size bytes). NEXT or EXITED
   * (the step finished its thread), or FAILED with `failure` set (an assertion or a certain
   * deadlock). Anything else throws, for the caller to replay on the reference space.
   */
  apply(parent: Uint8Array, t: Transition, out: Uint8Array): number {
    out.set(parent);
    const r = this.model.routineAt(t.fn);
    const s = r.statements[t.stmt] as Statement<G, unknown>;
    return this.step(out, t.tid, t.fn, t.stmt, s, s.alternatives[t.alt]!);
  }

  /** `apply` for the k-th transition `enable` found, with `out` already a copy of the parent. */
  applyEnabled(k: number, out: Uint8Array): number {
    const en = this.en;
    return this.step(out, en.tid[k]!, en.fn[k]!, en.stmt[k]!, en.statements[k]!, en.alts[k]!);
  }

  private step(out: Uint8Array, tid: ThreadId, fn: number, stmt: number, s: Statement<G, unknown>, alt: Alternative<G, unknown>): number {
    const c = this.cursor;
    c.b = out;
    c.ro = false;
    const model = this.model;
    const r = model.routineAt(fn);
    const control = this.resetControl();
    const ts = this.threads[tid]!;
    const depth = out[ts.at]!;
    if (alt.do !== undefined) {
      const ctx = this.contexts[tid]! as { my: unknown };
      ctx.my = this.localsView(tid, depth - 1, fn);
      try {
        const returned = alt.do(this.contexts[tid]!) as unknown;
        if (returned !== undefined) throw new Misfit('the step returned a value');
      } catch (thrown) {
        if (thrown instanceof StepFailure) {
          this.failure = thrown;
          c.ro = true;
          c.gen++;
          return FAILED;
        }
        throw thrown;
      }
    }
    if (control.goto === undefined && !control.stay && s.then !== undefined) control.goto = s.then;
    // The stepping frame's locals are the exit locals if the step finishes its thread: copied
    // just before they are wiped (here on exit(); in popFrame when a step of the outermost frame
    // returns or runs off its routine's end), not at every step that might.
    this.exitNote = this.keepExitLocals && depth === 1 ? fn : -1;
    if (this.keepExitLocals) {
      this.exitLocals = undefined;
      this.exitFn = -1;
    }
    if (control.exit) {
      if (this.keepExitLocals) this.noteFrame(out, ts.frames[depth - 1]!, fn);
      out.fill(0, ts.at, ts.end);
    } else if (control.ret !== undefined) {
      if (control.call !== undefined || control.goto !== undefined) throw new Misfit('return with call or goto');
      this.popFrame(tid, control.ret.value);
    } else {
      if (control.stay && control.goto !== undefined) throw new Misfit('stay with goto');
      const f = ts.frames[depth - 1]!;
      const goto = control.goto;
      const pc = control.stay
        ? stmt
        : goto !== undefined
          ? (r.targets.get(goto) ?? targetOf(r, goto, { model: model.name, actor: model.actors[tid]!.name, step: s.label }))
          : stmt + 1;
      out[f.at + PC] = pc & 255;
      out[f.at + PC + 1] = pc >>> 8;
      const call = control.call;
      if (call !== undefined) this.pushFrame(tid, call.routine, call.args, call.into);
    }
    this.settle(tid);
    c.ro = true;
    c.gen++;
    if (out[ts.at] !== 0) return NEXT;
    if (this.exitFn >= 0) {
      const site = this.threads[tid]!.frames[depth - 1]!.routines.get(this.exitFn)!;
      this.exitLocals = site.decode(this.exitFrame, HEADER) as Readonly<Record<string, unknown>>;
    }
    return EXITED;
  }

  /** Copies the stepping frame, which the step finishes its thread from: its locals are the exit locals. */
  private noteFrame(out: Uint8Array, f: FrameSlot, fn: number): void {
    const n = f.end - f.at;
    if (this.exitFrame.length < n) this.exitFrame = new Uint8Array(n);
    const frame = this.exitFrame;
    for (let i = 0; i < n; i++) frame[i] = out[f.at + i]!;
    this.exitFn = fn;
  }

  private resetControl(): Control {
    const control = this.control;
    control.goto = undefined;
    control.stay = false;
    control.ret = undefined;
    control.exit = false;
    control.call = undefined;
    return control;
  }

  private writeFrame(tid: ThreadId, d: number, fn: number, pc: number, into: string | undefined, locals: unknown): void {
    const t = this.threads[tid]!;
    const f = t.frames[d];
    if (f === undefined) throw new Misfit('deeper stack');
    const site = f.routines.get(fn);
    if (site === undefined || fn > 253) throw new Misfit('routine not seen at this depth');
    const b = this.cursor.b;
    b.fill(0, f.at, f.end);
    b[f.at + FN] = fn + 1;
    b[f.at + PC] = pc & 255;
    b[f.at + PC + 1] = pc >>> 8;
    this.intoSite.set(this.cursor, f.at + INTO, into);
    site.set(this.cursor, f.localsAt, locals);
  }

  private pushFrame(tid: ThreadId, callee: AnyRoutine, args: unknown, into: string | undefined): void {
    const b = this.cursor.b;
    const t = this.threads[tid]!;
    const d = b[t.at]!;
    if (callee?.kind !== 'routine' || d >= MAX_CALL_DEPTH) throw new Misfit('bad call');
    // Not validated here: whatever the layout cannot hold is a misfit, and the reference space,
    // replaying the step, diagnoses locals that are not plain data.
    const locals = callee.locals(args) as unknown;
    if (typeof locals !== 'object' || locals === null || Array.isArray(locals)) throw new Misfit('locals() did not return an object');
    this.writeFrame(tid, d, this.model.routineIndex(callee), 0, into, locals);
    b[t.at] = d + 1;
  }

  private popFrame(tid: ThreadId, value: unknown): void {
    const b = this.cursor.b;
    const t = this.threads[tid]!;
    const d = b[t.at]! - 1;
    const f = t.frames[d]!;
    const into = this.intoSite.decode(b, f.at + INTO) as string | undefined;
    if (d === 0 && this.exitNote >= 0) this.noteFrame(b, f, this.exitNote);
    b.fill(0, f.at, f.end);
    b[t.at] = d;
    if (into !== undefined && d > 0) {
      const caller = t.frames[d - 1]!;
      const my = this.localsView(tid, d - 1, b[caller.at + FN]! - 1) as unknown as Record<string, unknown>;
      my[into] = value ?? null;
    }
  }

  private settle(tid: ThreadId): void {
    const b = this.cursor.b;
    const t = this.threads[tid]!;
    for (;;) {
      const n = b[t.at]!;
      if (n === 0) return;
      const f = t.frames[n - 1]!;
      const fn = b[f.at + FN]! - 1;
      const pc = b[f.at + PC]! | (b[f.at + PC + 1]! << 8);
      const r: CompiledRoutine<G> = this.model.routineAt(fn);
      const s = r.statements[pc];
      if (s === undefined) {
        this.popFrame(tid, null);
        continue;
      }
      if (s.kind !== 'call') return;
      this.cursor.ro = true;
      this.cursor.gen++;
      const args = plainOf(s.args(this.root, this.localsView(tid, n - 1, fn) as never, tid));
      this.cursor.ro = false;
      b[f.at + PC] = (pc + 1) & 255;
      b[f.at + PC + 1] = (pc + 1) >>> 8;
      this.pushFrame(tid, s.routine, args, s.into);
    }
  }

  private makeContext(tid: ThreadId): StepContext<G, unknown> {
    const control = this.control;
    const model = this.model;
    return {
      g: this.root as never,
      my: undefined as never,
      tid,
      actor: model.actors[tid]!.name,
      goto(target) {
        control.goto = target;
      },
      stay() {
        control.stay = true;
      },
      call(callee, args, into) {
        if (control.call !== undefined) throw new Misfit('a step may call at most one routine');
        control.call = { routine: callee, args: plainOf(args), into: into as string | undefined };
      },
      ret(value) {
        control.ret = { value: plainOf(value ?? null) };
      },
      exit() {
        control.exit = true;
      },
      assert(condition, message, property = 'assertion') {
        if (!condition) throw new StepFailure('violation', property, message);
      },
      deadlock(message): never {
        throw new StepFailure('deadlock', 'deadlock', message);
      },
      nameOf(other) {
        return model.actors[other]?.name ?? `thread ${other}`;
      },
    };
  }

  /** A vector of this layout with a 32-bit view of it, for `hashWords`. */
  vector(): { readonly b: Uint8Array; readonly w: Uint32Array } {
    const b = new Uint8Array(this.size);
    return { b, w: new Uint32Array(b.buffer) };
  }

  /** Locks `tid` holds in the cursor's vector, visiting only the places that can hold locks. */
  locksHeld(tid: ThreadId, kinds: string[] = []): HeldLock[] {
    const out: HeldLock[] = [];
    this.lockWalk?.(this.root, '', tid, out, kinds);
    return out;
  }
}

const FP_RESULT = { hi: 0, lo: 0 };

/** Two murmur3-style lanes over the vector's 32-bit words. */
/** The fingerprint of a packed vector given as bytes (copied first when not 4-byte aligned). */
export function hashVector(b: Uint8Array): Fingerprint {
  const aligned = b.byteOffset % 4 === 0 ? b : b.slice();
  return hashWords(new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 2));
}

export function hashWords(w: Uint32Array): Fingerprint {
  let h1 = 0x9747b28c;
  let h2 = 0x5bd1e995 ^ w.length;
  for (let i = 0; i < w.length; i++) {
    let k = w[i]!;
    let k1 = Math.imul(k, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, 0x1b873593);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    k = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
    h2 = Math.imul(h2 ^ k, 0xc2b2ae35) + i;
    h2 = (h2 << 17) | (h2 >>> 15);
  }
  h1 ^= h2;
  h2 ^= h1 >>> 11;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b);
  h1 = Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x2c1b3c6d);
  h2 = Math.imul(h2 ^ (h2 >>> 12), 0x297a2d39);
  h2 ^= h2 >>> 15;
  FP_RESULT.hi = h1 | 0;
  FP_RESULT.lo = h2 | 0;
  return FP_RESULT;
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** The `WorldView` properties see on the compiled space: positions and locals read from the vector. */
export class CompiledWorldView<G> implements WorldView {
  private readonly tids = new Map<string, ThreadId>();
  constructor(private readonly space: CompiledSpace<G>) {
    space.model.actors.forEach((a, i) => this.tids.set(a.name, i));
  }
  get threadCount(): number {
    return this.space.model.actors.length;
  }
  actorName(tid: ThreadId): string {
    return this.space.model.actors[tid]?.name ?? `thread ${tid}`;
  }
  tidOf(name: string): ThreadId {
    const tid = this.tids.get(name);
    if (tid === undefined) throw new Error(`no actor named "${name}" in model ${this.space.model.name}`);
    return tid;
  }
  finished(tid: ThreadId): boolean {
    return tid < 0 || tid >= this.threadCount || this.space.depthOf(tid) === 0;
  }
  private atLabel: string | undefined = undefined;
  private atRoutine: unknown = undefined;
  private atTarget: number | undefined = undefined;
  at(tid: ThreadId, statement: string): boolean {
    if (tid < 0 || tid >= this.threadCount) return false;
    const pos = this.space.positionOf(tid);
    if (pos < 0) return false;
    const r = this.space.model.routineAt((pos / 65536) | 0);
    const pc = pos & 65535;
    // Properties ask about the same statement of the same routine over and over: one remembered answer.
    let target: number | undefined;
    if (statement === this.atLabel && r === this.atRoutine) target = this.atTarget;
    else {
      target = r.targets.get(statement);
      this.atLabel = statement;
      this.atRoutine = r;
      this.atTarget = target;
    }
    if (target === pc) return true;
    const s = r.statements[pc];
    return s !== undefined && s.kind === 'step' && s.label === statement;
  }
  /** Set while an `onExit` property judges a thread's exit: that thread and the locals it finished with. */
  exiting: { readonly tid: ThreadId; readonly locals: Readonly<Record<string, unknown>> } | undefined;

  locals(tid: ThreadId): Readonly<Record<string, unknown>> {
    if (tid < 0 || tid >= this.threadCount) return EMPTY;
    const top = this.space.topLocals(tid) as Readonly<Record<string, unknown>> | undefined;
    if (top === undefined && this.exiting?.tid === tid) return this.exiting.locals;
    return top ?? EMPTY;
  }
}

// ---------------------------------------------------------------------------------------------
// Lock discovery: only the places whose spec can hold a mutex, spinlock or rwsem are visited.

type LockWalk = (v: unknown, path: string, tid: ThreadId, out: HeldLock[], kinds: string[]) => void;
const LOCK_KINDS = ['mutex', 'spinlock', 'rwsem'];

/** Whether a record's `kind` (its spec) has held a lock kind: the records the lock walks visit. */
function locksHere(kind: Spec | undefined): kind is Spec {
  return kind !== undefined && LOCK_KINDS.some((k) => kind.codes.has(k));
}

/**
 * The lock walks visit the records whose `kind` has held a lock kind when the layout was made. A
 * `kind` that has held none (a record tagged 'free', say) gets a lock kind only as a misfit, so
 * the search starts again with walks that visit it (in a parallel search too, where new values
 * otherwise get shared codes).
 */
function guardLockKinds(spec: Spec): void {
  const kind = spec.rec?.get('kind');
  if (kind !== undefined) kind.lockKindMisfit = !locksHere(kind);
  for (const child of spec.rec?.values() ?? []) guardLockKinds(child);
  if (spec.list !== undefined) guardLockKinds(spec.list.elem);
}

function mayHoldLock(spec: Spec): boolean {
  const kind = spec.rec?.get('kind');
  if (locksHere(kind)) return true;
  for (const child of spec.rec?.values() ?? []) if (mayHoldLock(child)) return true;
  return spec.list !== undefined && mayHoldLock(spec.list.elem);
}

/**
 * Code that walks the places whose spec can hold a mutex, spinlock or rwsem, as straight-line
 * code (each property read its own access site), running `atLock(v, path)` at each record whose
 * `kind` has held a lock kind (a mutex and a spinlock are the same shape, so `atLock` asks the kind
 * as it runs). `path` is a constant above any list and built as the walk goes below one. Records
 * come before their fields, fields in key order, list elements in index order: the order the
 * reference space's walk lists locks in.
 */
function lockWalkCode(spec: Spec, atLock: (v: string, path: string) => string): string {
  let n = 0;
  const gen = (sp: Spec, v: string, path: { fixed: string } | { expr: string }): string => {
    const pathExpr = 'fixed' in path ? JSON.stringify(path.fixed) : path.expr;
    const child = (k: string): { fixed: string } | { expr: string } =>
      'fixed' in path ? { fixed: path.fixed === '' ? k : `${path.fixed}.${k}` } : { expr: `(${path.expr} + ${JSON.stringify(`.${k}`)})` };
    let code = '';
    const kind = sp.rec?.get('kind');
    if (locksHere(kind)) code += atLock(v, pathExpr);
    for (const [k, c] of sp.rec ?? []) {
      if (!mayHoldLock(c)) continue;
      const x = `x${n++}`;
      code += `{ const ${x} = ${v}[${JSON.stringify(k)}]; if (typeof ${x} === 'object' && ${x} !== null) { ${gen(c, x, child(k))} } }\n`;
    }
    if (sp.list !== undefined && mayHoldLock(sp.list.elem)) {
      const i = `i${n++}`;
      const e = `x${n++}`;
      code += `for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${e} = ${v}[${i}]; if (typeof ${e} === 'object' && ${e} !== null) { ${gen(sp.list.elem, e, { expr: `(${pathExpr} + "[" + ${i} + "]")` })} } }\n`;
    }
    return code;
  };
  return gen(spec, 'v', { fixed: '' });
}

/** The locks a thread holds (`locksHeld`), with their kinds. */
function lockWalker(spec: Spec): LockWalk | undefined {
  if (!mayHoldLock(spec)) return undefined;
  const code = lockWalkCode(
    spec,
    (v, path) => `{ const k = ${v}.kind;
        if ((k === 'mutex' || k === 'spinlock') && ${v}.owner === tid) { out.push({ path: ${path}, name: String(${v}.name), mode: 'exclusive' }); kinds.push(k); }
        if (k === 'rwsem') {
          if (${v}.writer === tid) { out.push({ path: ${path}, name: String(${v}.name), mode: 'write' }); kinds.push(k); }
          const r = ${v}.readers;
          if (r != null && typeof r.includes === 'function' && r.includes(tid)) { out.push({ path: ${path}, name: String(${v}.name), mode: 'read' }); kinds.push(k); }
        } }\n`,
  );
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', 'path', 'tid', 'out', 'kinds', code) as LockWalk;
}

type SpinWalk = (v: unknown, tid: ThreadId) => boolean;

/**
 * Whether a thread holds any spinlock: the might-sleep check's question, asked at every sleeping
 * statement's guard. The same walk as `lockWalker`, returning at the first spinlock held and
 * building nothing.
 */
function spinWalker(spec: Spec): SpinWalk | undefined {
  if (!mayHoldLock(spec)) return undefined;
  const code = lockWalkCode(spec, (v) => `if (${v}.kind === 'spinlock' && ${v}.owner === tid) return true;\n`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('v', 'tid', `${code}return false;`) as SpinWalk;
}

/** Enabled transitions of one state, in parallel arrays that grow as needed. */
class Enabled<G> {
  tid = new Int32Array(64);
  fn = new Int32Array(64);
  stmt = new Int32Array(64);
  alt = new Int32Array(64);
  alts: Alternative<G, unknown>[] = [];
  statements: Statement<G, unknown>[] = [];

  grow(): void {
    const n = this.tid.length * 2;
    const more = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.tid = more(this.tid);
    this.fn = more(this.fn);
    this.stmt = more(this.stmt);
    this.alt = more(this.alt);
  }
}
