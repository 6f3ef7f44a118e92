/**
 * Partial-order reduction by ample sets (Peled; Clarke, Grumberg and Peled, "Model Checking",
 * ch. 10). In a state, the enabled steps of one actor `p` are expanded alone (the rest pruned)
 * when:
 *
 * - C0: `p` has an enabled step, and some other actor has one too (otherwise nothing is pruned);
 * - C1: every alternative of `p`'s current statement, enabled or not, is independent of every step
 *   any other unfinished actor may still take (all statements of the routines on its stack and
 *   those they may enter). So no other actor can enable, disable or change the outcome of what
 *   `p` does next, and `p`'s steps commute with theirs;
 *   Statements an actor only runs while holding a lock that `p` holds exclusively are left out:
 *   until `p` moves it keeps the lock, so they cannot run (footprints declare `holding`);
 * - C2 (visibility): `p`'s statement writes nothing a selected state property (`always`,
 *   `sometimes`, `onExit`) reads, and, when an `onExit` property reads more than the exiting
 *   thread's own state, the step does not finish `p`'s thread (the explorer checks that on the
 *   applied step and expands the state fully if it does: `exitsVisible`);
 * - C3 (cycle proviso, both strategies): applied by the explorer. Every state keeps the depth at
 *   which it was stored; an ample set is kept only if each of its successors is new or was stored
 *   deeper than the state being expanded, otherwise the state is expanded fully. Along a cycle of
 *   the reduced graph the stored depth cannot rise at every edge, so every cycle has a fully
 *   expanded state and no step is ignored for ever. This needs no DFS stack, so it holds for BFS
 *   as well (the stack proviso alone is not sound for BFS), and it is weaker than "expand fully
 *   whenever a successor is already stored", which in BFS rejects most ample sets.
 *
 * With C0–C2 every deadlock (terminal state) and every failing step of the full graph is reached
 * (the failing step's outcome depends only on what it reads, which the others do not write); with
 * C3 as well, every state-property violation is reached through a path whose visible steps are
 * the same.
 *
 * Lock order: the reduced path to any acquisition runs every actor's own steps in the same order
 * as the full path (independent steps are only reordered, and ample steps of an actor with no
 * step on the full path are only added), so an actor acquires each lock with the same locks held,
 * provided only an actor itself changes which locks it holds. The kernel primitives guarantee that
 * (unlocking another's lock fails its assertion), and the checking mode (check.ts) verifies it for
 * any model that declares footprints; the lock-order graph is then the same.
 */
import type { Positions } from '../core/positions.ts';
import type { Model } from '../core/model.ts';
import type { AnyRoutine } from '../core/program.ts';
import type { Property } from '../core/property.ts';
import { statementAt } from '../core/transitions.ts';
import { dependent, dotted, footprintOf, overlaps, parsePath, reachableStatements, type Path, type Resolved } from './footprint.ts';

/** What the properties being checked read: steps writing it are visible. */
interface Visibility {
  readonly all: boolean;
  readonly threads: boolean;
  readonly reads: readonly Path[];
}

function visibility<G>(properties: readonly Property<G>[]): Visibility {
  let all = false;
  let threads = false;
  const reads: Path[] = [];
  for (const p of properties) {
    if (p.kind !== 'always' && p.kind !== 'sometimes' && p.kind !== 'onExit') continue;
    if (p.reads === undefined) {
      all = true;
      continue;
    }
    for (const r of p.reads) {
      if (r === '@local') continue; // one thread's own state: kept on reduced paths, never visible
      if (r === '@threads') threads = true;
      else if (r === '*' || r === '') all = true;
      else reads.push(parsePath(r));
    }
  }
  return { all, threads, reads };
}

export class AmpleSets<G> {
  private readonly visible: Visibility;
  /**
   * A selected `onExit` property reads more than the exiting thread's own state: it is checked on
   * the step that finishes a thread, so such a step is visible (the explorer expands a state fully
   * when an ample step finishes its thread).
   */
  readonly exitsVisible: boolean;
  /** Footprints of every statement a thread may still run, by thread and the routines on its stack. */
  private readonly futures = new Map<string, Resolved[]>();
  private readonly conflictCache = new Map<Resolved, Map<readonly Resolved[], boolean>>();
  /** Why the reduction is off for this search, if it is. */
  readonly off: string | undefined;

  constructor(
    private readonly model: Model<G>,
    selected: ReadonlySet<string> | undefined,
  ) {
    const props = model.properties.filter((p) => !selected || selected.has(p.name));
    this.visible = visibility(props);
    this.exitsVisible = props.some((p) => p.kind === 'onExit' && (p.reads === undefined || p.reads.some((r) => r !== '@local')));
    this.off = !this.anyFootprint()
      ? 'no step declares a footprint'
      : this.visible.threads
        ? 'a property reads thread positions or locals, so every step is visible'
        : undefined;
  }

  /**
   * Indices into the enabled steps (whose threads are `tids[0..n)`, in order) of an ample set, or
   * undefined to expand everything. Pure: the explorer applies the C3 proviso.
   */
  ampleAt(pos: Positions, tids: ArrayLike<number>, n: number): number[] | undefined {
    if (this.off !== undefined || n < 2) return undefined;
    let tried = -1;
    for (let k = 0; k < n; k++) {
      const p = tids[k]!;
      if (p === tried) continue;
      tried = p;
      const mine: number[] = [];
      for (let i = k; i < n && tids[i] === p; i++) mine.push(i);
      if (mine.length === n) return undefined;
      if (this.safe(pos, p)) return mine;
    }
    return undefined;
  }

  private safe(pos: Positions, p: number): boolean {
    const top = pos.depthOf(p) - 1;
    const fp = footprintOf(statementAt(this.model, { fn: pos.fnAt(p, top), pc: pos.pcOf(p), locals: {} }), p);
    if (fp.top || this.isVisible(fp)) return false;
    // Locks p holds exclusively: until p moves, no other actor runs a statement that needs one.
    const held = pos
      .locksHeld(p)
      .filter((h) => h.mode !== 'read')
      .map((h) => dotted(h.path));
    for (let q = 0; q < pos.threadCount; q++) {
      if (q === p || pos.depthOf(q) === 0) continue;
      const future = this.future(pos, q);
      if (held.length === 0) {
        if (this.conflicts(fp, future)) return false;
        continue;
      }
      for (const other of future) {
        if (other.holding.some((h) => held.includes(h))) continue;
        if (dependent(fp, other)) return false;
      }
    }
    return true;
  }

  /** Whether `fp` depends on any statement of `future` (both cached objects, so the answer is too). */
  private conflicts(fp: Resolved, future: readonly Resolved[]): boolean {
    let byFuture = this.conflictCache.get(fp);
    if (byFuture === undefined) this.conflictCache.set(fp, (byFuture = new Map()));
    let answer = byFuture.get(future);
    if (answer === undefined) byFuture.set(future, (answer = future.some((other) => dependent(fp, other))));
    return answer;
  }

  private isVisible(fp: Resolved): boolean {
    if (fp.writes.length === 0) return false;
    if (this.visible.all) return true;
    for (const w of fp.writes) for (const r of this.visible.reads) if (overlaps(w, r)) return true;
    return false;
  }

  private future(pos: Positions, q: number): Resolved[] {
    const depth = pos.depthOf(q);
    let key = `${q}`;
    for (let d = 0; d < depth; d++) key += `,${pos.fnAt(q, d)}`;
    let out = this.futures.get(key);
    if (out === undefined) {
      const roots = Array.from({ length: depth }, (_, d) => this.model.routineAt(pos.fnAt(q, d)).source);
      out = [...new Set(reachableStatements(this.model, roots, q).statements)].map((s) => footprintOf(s, q));
      this.futures.set(key, out);
    }
    return out;
  }

  private roots(): Map<number, AnyRoutine[]> {
    const roots = new Map<number, AnyRoutine[]>();
    this.model.initial.threads.forEach((stack, tid) => roots.set(tid, stack.map((f) => this.model.routineAt(f.fn).source)));
    return roots;
  }

  private anyFootprint(): boolean {
    for (const [tid, rs] of this.roots()) {
      if (reachableStatements(this.model, rs, tid).statements.some((s) => s.footprint !== undefined)) return true;
    }
    return false;
  }
}
