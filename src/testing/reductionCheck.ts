/**
 * Checking mode for the declarations the reductions trust. A wrong footprint or symmetry would
 * make a reduced search silently unsound, so tests run this over the states of every model that
 * declares them:
 *
 * - writes: what a step changed (a structural diff of the frozen states before and after, which
 *   immer shares wherever nothing changed: the same paths its patches would list) must lie inside
 *   its declared writes;
 * - reads: two steps of different actors that the footprints call independent must commute (same
 *   state either way round) and neither may change whether the other's alternatives are enabled;
 * - property reads: what a property with declared `reads` reads (a read-tracking view of the
 *   state) must lie inside them;
 * - holding: a statement declared to run under locks runs only with them held;
 * - locks: a step changes only which locks its own thread holds;
 * - symmetry: a renamed state must enable the renamed steps, reach the renamed successors and give
 *   every property the same value.
 *
 * The first problem becomes a ModelError naming the model, actor, step (or property, or group).
 */
import { encodeWorld } from '../core/determinism.ts';
import { ModelError } from '../core/errors.ts';
import { locksHeld } from '../core/kernel/locksHeld.ts';
import type { CompiledSymmetry, Model } from '../core/model.ts';
import type { OnExit, Property, WorldView } from '../core/property.ts';
import { applyTransition, enabledTransitions, statementAt, transitionLabel, type StepOutcome, type Transition } from '../core/transitions.ts';
import { ModelWorldView } from '../core/worldView.ts';
import type { World } from '../core/world.ts';
import { explore } from '../explorer/explore.ts';
import { dependent, dotted, footprintOf, parsePath, reachableRoutines, uncovered, type Path } from '../reduction/footprint.ts';
import { permuteWorld } from '../reduction/symmetry.ts';

export interface CheckDeclarationsOptions {
  /** Check at most this many states (default 2,000). */
  readonly maxStates?: number;
}

/** Explores the model without reduction and checks its footprints, property reads and symmetry groups on every stored state. */
export function checkReductionDeclarations<G>(model: Model<G>, options: CheckDeclarationsOptions = {}): number {
  const states: World<G>[] = [];
  explore(model, { properties: [], maxStates: options.maxStates ?? 2_000, onStore: (w) => states.push(w as World<G>) });
  for (const w of states) checkState(model, w);
  return states.length;
}

function site<G>(model: Model<G>, t: Transition): { model: string; actor: string; step: string } {
  return { model: model.name, actor: model.actors[t.tid]!.name, step: transitionLabel(model, t) };
}

const show = (ps: readonly Path[]): string => (ps.length === 0 ? 'nothing' : ps.map((p) => p.join('.')).join(', '));

function outcomeKey<G>(model: Model<G>, out: StepOutcome<G>): string {
  return out.kind === 'next' ? encodeWorld(model, out.world) : `${out.verdict}:${out.property}:${out.message}`;
}

function footprint<G>(model: Model<G>, world: World<G>, tid: number) {
  const stack = world.threads[tid]!;
  return footprintOf(statementAt(model, stack[stack.length - 1]!), tid);
}

export function checkState<G>(model: Model<G>, world: World<G>): void {
  const enabled = enabledTransitions(model, world);
  const outcomes = enabled.map((t) => applyTransition(model, world, t));
  // Writes against declared writes.
  enabled.forEach((t, i) => {
    const fp = footprint(model, world, t.tid);
    const out = outcomes[i]!;
    if (fp.top || out.kind !== 'next') return;
    const wrong = uncovered(changedPaths(world.shared, out.world.shared), fp.writes);
    if (wrong.length > 0) {
      throw new ModelError(
        `the step wrote ${show(wrong)}, outside its footprint's writes (${show(fp.writes)})`,
        site(model, t),
        'declare every shared-state path the step may write in its footprint',
      );
    }
  });
  // Every routine a step enters is one the thread's routines call or declare in `calls`: the
  // futures partial-order reduction computes for other actors follow exactly those.
  enabled.forEach((t, i) => {
    const out = outcomes[i]!;
    if (out.kind !== 'next') return;
    const before = world.threads[t.tid]!;
    const after = out.world.threads[t.tid]!;
    const known = reachableRoutines(before.map((f) => model.routineAt(f.fn).source), t.tid);
    for (const f of after) {
      const r = model.routineAt(f.fn).source;
      if (!known.has(r)) {
        throw new ModelError(
          `the step entered routine "${r.name}", which no call line or footprint \`calls\` of the thread's routines declares`,
          site(model, t),
          'list every routine a step may enter with ctx.call in its footprint\'s calls',
        );
      }
    }
  });
  // Declared `holding`: the thread holds those locks whenever the statement runs.
  for (const t of enabled) {
    const fp = footprint(model, world, t.tid);
    if (fp.holding.length === 0) continue;
    const held = locksHeld(world.shared, t.tid).map((h) => dotted(h.path));
    const missing = fp.holding.filter((h) => !held.includes(h));
    if (missing.length > 0) {
      throw new ModelError(`the step can run without holding ${missing.join(', ')}, which its footprint's holding says it always holds`, site(model, t), 'list in holding only locks taken on every path to the statement');
    }
  }
  // Only a thread changes which locks it holds (lock-order tracking under reduction relies on it).
  enabled.forEach((t, i) => {
    const out = outcomes[i]!;
    if (out.kind !== 'next' || out.world.shared === world.shared) return;
    for (let q = 0; q < world.threads.length; q++) {
      if (q === t.tid) continue;
      const held = (g: unknown): string => JSON.stringify(locksHeld(g, q));
      if (held(world.shared) !== held(out.world.shared)) {
        throw new ModelError(
          `the step changed which locks ${model.actors[q]!.name} holds`,
          site(model, t),
          'partial-order reduction keeps lock-order tracking exact only if a thread alone takes and releases its locks',
        );
      }
    }
  });
  // Independent pairs commute and do not enable or disable each other.
  for (let tid = 0; tid < world.threads.length; tid++) {
    const stack = world.threads[tid]!;
    if (stack.length === 0) continue;
    const fp = footprint(model, world, tid);
    if (fp.top) continue;
    const frame = stack[stack.length - 1]!;
    const alts = statementAt(model, frame).alternatives.map((_, alt) => ({ tid, fn: frame.fn, stmt: frame.pc, alt }));
    enabled.forEach((u, j) => {
      if (u.tid === tid) return;
      const ufp = footprint(model, world, u.tid);
      if (dependent(fp, ufp)) return;
      const afterU = outcomes[j]!;
      if (afterU.kind !== 'next') return;
      const enabledAfter = enabledTransitions(model, afterU.world);
      for (const a of alts) {
        const before = enabled.findIndex((e) => e.tid === a.tid && e.alt === a.alt);
        const after = enabledAfter.findIndex((e) => e.tid === a.tid && e.alt === a.alt);
        const pair = `${model.actors[a.tid]!.name}: ${transitionLabel(model, a)} and ${model.actors[u.tid]!.name}: ${transitionLabel(model, u)}`;
        const hint = 'one of the two steps reads or writes shared state outside its declared footprint';
        if ((before >= 0) !== (after >= 0)) {
          throw new ModelError(`${model.actors[u.tid]!.name}'s step ${before >= 0 ? 'disables' : 'enables'} ${pair.split(' and ')[0]}, though their footprints say they are independent`, site(model, u), hint);
        }
        if (before < 0) continue;
        const tu = outcomes[before]!;
        const ut = applyTransition(model, afterU.world, enabledAfter[after]!);
        const tuThenU =
          tu.kind !== 'next' ? outcomeKey(model, tu) : (() => {
            const en = enabledTransitions(model, tu.world).find((e) => e.tid === u.tid && e.alt === u.alt);
            return en ? outcomeKey(model, applyTransition(model, tu.world, en)) : 'disabled';
          })();
        const uThenT = outcomeKey(model, ut);
        if (tu.kind === 'next' ? tuThenU !== uThenT : outcomeKey(model, tu) !== uThenT) {
          throw new ModelError(`${pair} are declared independent but do not commute`, site(model, a), hint);
        }
      }
    });
  }
  checkPropertyReads(model, world);
  for (const group of model.symmetry ?? []) checkSymmetry(model, world, group, enabled, outcomes);
}

/** Paths whose values differ between two states (identical subtrees are skipped by reference). */
export function changedPaths(a: unknown, b: unknown, path: string[] = [], out: Path[] = []): Path[] {
  if (a === b) return out;
  const objects = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    out.push(path);
    return out;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) changedPaths(ra[k], rb[k], [...path, k], out);
  return out;
}

/** A read-only view of plain data that records the paths of the values read through it. */
export function readTracked(value: unknown, path: string[], reads: Path[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const target = Array.isArray(value) ? [] : {};
  const real = value as Record<string | symbol, unknown>;
  return new Proxy(target, {
    get(_t, k) {
      const v = real[k];
      if (typeof k === 'symbol' || typeof v === 'function') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(readTracked(value, path, reads)) : v;
      if (typeof v !== 'object' || v === null) reads.push([...path, k]);
      return readTracked(v, [...path, k], reads);
    },
    has(_t, k) {
      if (typeof k !== 'symbol') reads.push([...path, k]);
      return k in real;
    },
    ownKeys() {
      reads.push(path);
      return Reflect.ownKeys(real).filter((k) => k !== 'length' || !Array.isArray(value));
    },
    getOwnPropertyDescriptor(_t, k) {
      const d = Reflect.getOwnPropertyDescriptor(real, k);
      return d ? { ...d, configurable: true } : undefined;
    },
  });
}

function checkPropertyReads<G>(model: Model<G>, world: World<G>): void {
  for (const p of model.properties) {
    if (p.reads === undefined || (p.kind !== 'always' && p.kind !== 'sometimes' && p.kind !== 'atEnd' && p.kind !== 'onExit')) continue;
    const local = p.reads.includes('@local');
    if (p.kind === 'onExit' && local) {
      checkLocalExit(model, world, p);
      continue;
    }
    const declared = p.reads.filter((r) => r !== '@threads' && r !== '@local').map(parsePath);
    const threadsOk = p.reads.includes('@threads') || local;
    const reads: Path[] = [];
    let threads = false;
    const base = new ModelWorldView(model);
    base.world = world;
    const view: WorldView = {
      get threadCount() {
        return base.threadCount;
      },
      actorName: (tid) => base.actorName(tid),
      tidOf: (name) => base.tidOf(name),
      finished: (tid) => ((threads = true), base.finished(tid)),
      at: (tid, s) => ((threads = true), base.at(tid, s)),
      locals: (tid) => ((threads = true), base.locals(tid)),
    };
    const g = readTracked(world.shared, [], reads) as G;
    const run = (q: Property<G>): void => {
      if (q.kind === 'always' || q.kind === 'atEnd') q.holds(g, view);
      else if (q.kind === 'sometimes') q.reached(g, view);
      else if (q.kind === 'onExit') world.threads.forEach((_, tid) => q.holds(g, view, tid));
    };
    run(p);
    const wrong = uncovered(reads, declared);
    if (wrong.length > 0 || (threads && !threadsOk)) {
      throw new ModelError(
        `property "${p.name}" read ${wrong.length > 0 ? show(wrong) : 'thread positions or locals (@threads)'}, outside its declared reads (${p.reads.join(', ') || 'nothing'})`,
        { model: model.name },
        'declare every shared-state path the property reads; `@threads` if it asks where threads are',
      );
    }
  }
}

/** An `onExit` declared `@local`: no step of another thread changes its value for a thread. */
function checkLocalExit<G>(model: Model<G>, world: World<G>, p: OnExit<G>): void {
  const view = new ModelWorldView(model);
  const value = (w: World<G>, tid: number): boolean => {
    view.world = w;
    return p.holds(w.shared, view, tid);
  };
  const enabled = enabledTransitions(model, world);
  for (let tid = 0; tid < world.threads.length; tid++) {
    const before = value(world, tid);
    for (const u of enabled) {
      if (u.tid === tid) continue;
      const out = applyTransition(model, world, u);
      if (out.kind === 'next' && value(out.world, tid) !== before) {
        throw new ModelError(
          `property "${p.name}" is declared @local, but this step changes its value for ${model.actors[tid]!.name}`,
          site(model, u),
          'an onExit property declared @local may depend only on the exiting thread\'s own locals and locks',
        );
      }
    }
  }
}

function checkSymmetry<G>(
  model: Model<G>,
  world: World<G>,
  group: CompiledSymmetry<G>,
  enabled: readonly Transition[],
  outcomes: readonly StepOutcome<G>[],
): void {
  const n = group.tids.length;
  const renamings = [[1, 0, ...Array.from({ length: n - 2 }, (_, i) => i + 2)], Array.from({ length: n }, (_, i) => (i + 1) % n)];
  const name = `symmetry group ${group.spec.actors.join(', ')}`;
  for (const to of renamings) {
    const pw = permuteWorld(world, group, to);
    const where = { model: model.name, path: `a state of ${name} renamed by [${to.join(',')}]` };
    const penabled = enabledTransitions(model, pw);
    for (const p of model.properties) {
      const view = new ModelWorldView(model);
      const value = (w: World<G>): unknown => {
        view.world = w;
        if (p.kind === 'always' || p.kind === 'atEnd') return p.holds(w.shared, view);
        if (p.kind === 'sometimes') return p.reached(w.shared, view);
        return undefined;
      };
      if (value(world) !== value(pw)) {
        throw new ModelError(`property "${p.name}" tells a state and its renaming apart`, where, 'a property over symmetric actors must treat them alike');
      }
      if (p.kind === 'onExit') {
        // Thread tids[i] of the state is thread tids[to[i]] of its renaming; an onExit property must
        // judge them alike (checked for every thread, exited or not; a throw counts as a value).
        const exitValue = (w: World<G>, tid: number): unknown => {
          view.world = w;
          try {
            return p.holds(w.shared, view, tid);
          } catch {
            return 'throws';
          }
        };
        for (let tid = 0; tid < world.threads.length; tid++) {
          const i = group.tids.indexOf(tid);
          const renamed = i < 0 ? tid : group.tids[to[i]!]!;
          if (exitValue(world, tid) !== exitValue(pw, renamed)) {
            throw new ModelError(
              `onExit property "${p.name}" judges ${model.actors[tid]!.name} differently from its renaming`,
              where,
              'a property over symmetric actors must treat them alike',
            );
          }
        }
      }
    }
    // Successors as sets of states: a step may name a member in its alternative (the TM's
    // TmRcvPrepared(rm) in 2pc), so steps are compared by where they lead, not by index.
    const key = (out: StepOutcome<G>, rename: boolean): string =>
      out.kind === 'next' ? encodeWorld(model, rename ? permuteWorld(out.world, group, to) : out.world) : `${out.verdict}:${out.property}`;
    const expected = new Set(outcomes.map((o) => key(o, true)));
    const actual = new Set(penabled.map((t) => key(applyTransition(model, pw, t), false)));
    const missing = [...expected].filter((k) => !actual.has(k)).length + [...actual].filter((k) => !expected.has(k)).length;
    if (missing > 0) {
      const step = enabled.find((_, i) => !actual.has(key(outcomes[i]!, true)));
      throw new ModelError(
        `renaming then stepping differs from stepping then renaming (${name})`,
        step ? site(model, step) : where,
        "check the group's permute and permuteLocals: every member-indexed datum and every thread id of a member must be renamed",
      );
    }
  }
}
