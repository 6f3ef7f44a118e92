/**
 * Footprints: the shared-state locations a step may read and write, as dotted paths. Two steps of
 * different actors are independent when neither writes a location the other reads or writes; a
 * path covers everything beneath it, and `*` (or no declaration at all) covers everything.
 */
import type { Model } from '../core/model.ts';
import type { AnyRoutine, Footprint, Statement } from '../core/program.ts';
import type { ThreadId } from '../core/world.ts';

export type Path = readonly string[];

export interface Resolved {
  /** Touches everything: undeclared, or a `*` path. */
  readonly top: boolean;
  readonly reads: readonly Path[];
  readonly writes: readonly Path[];
  readonly calls: readonly AnyRoutine[];
  /** Locks the thread holds whenever the statement runs (dotted paths). */
  readonly holding: readonly string[];
}

export const TOP: Resolved = Object.freeze({ top: true, reads: [], writes: [], calls: [], holding: [] });

/** A lock's path as `locksHeld` reports it (`mni[0].lock`), dotted (`mni.0.lock`). */
export function dotted(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1');
}

export function parsePath(text: string): Path {
  return text === '' ? [] : text.split('.');
}

export function resolve(fp: Footprint): Resolved {
  const reads = (fp.reads ?? []).map(parsePath);
  const writes = (fp.writes ?? []).map(parsePath);
  const top = [...(fp.reads ?? []), ...(fp.writes ?? [])].some((p) => p === '*' || p === '');
  return { top, reads, writes, calls: fp.calls ?? [], holding: (fp.holding ?? []).map(dotted) };
}

// Statement objects may be shared by several routines and actors: cache per statement and thread.
const cache = new WeakMap<object, Map<ThreadId, Resolved>>();

/**
 * The declared footprint of a statement for thread `tid`; TOP when undeclared. A `mightSleep`
 * statement's extra check reads which spinlocks the thread itself holds, which only that thread
 * changes, so it adds nothing another actor could conflict with.
 */
export function footprintOf<G>(s: Statement<G, never>, tid: ThreadId): Resolved {
  let perTid = cache.get(s);
  if (perTid === undefined) cache.set(s, (perTid = new Map()));
  const hit = perTid.get(tid);
  if (hit !== undefined) return hit;
  const decl = s.footprint;
  const fp = decl === undefined ? TOP : resolve(typeof decl === 'function' ? decl(tid) : decl);
  perTid.set(tid, fp);
  return fp;
}

/** One path is a prefix of the other (segment-wise): they name overlapping data. */
export function overlaps(a: Path, b: Path): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function anyOverlap(as: readonly Path[], bs: readonly Path[]): boolean {
  for (const a of as) for (const b of bs) if (overlaps(a, b)) return true;
  return false;
}

/** Steps of different actors with these footprints may not commute or may enable/disable each other. */
export function dependent(x: Resolved, y: Resolved): boolean {
  if (x.top || y.top) return true;
  return anyOverlap(x.writes, y.writes) || anyOverlap(x.writes, y.reads) || anyOverlap(y.writes, x.reads);
}

/** `covered`: every path in `paths` lies beneath some path in `by`. */
export function uncovered(paths: readonly Path[], by: readonly Path[]): Path[] {
  return paths.filter((p) => !by.some((b) => b.length <= p.length && overlaps(b, p)));
}

/**
 * Every step statement a thread may still run, given the routines on its stack: those routines,
 * the routines their `call` lines enter, and those declared in footprints' `calls`, transitively.
 * `complete` is false when a statement without footprint is among them (it may call anything).
 */
/** Every routine a thread may enter from `roots`: static `call` lines and declared `calls`, transitively. */
export function reachableRoutines(roots: readonly AnyRoutine[], tid: ThreadId): Set<AnyRoutine> {
  const seen = new Set<AnyRoutine>();
  const visit = (r: AnyRoutine): void => {
    if (seen.has(r)) return;
    seen.add(r);
    for (const line of r.body) {
      if (line.kind === 'call') visit(line.routine);
      else if (line.kind === 'step') for (const c of footprintOf(line as Statement<unknown, never>, tid).calls) visit(c);
    }
  };
  roots.forEach(visit);
  return seen;
}

export function reachableStatements<G>(model: Model<G>, roots: readonly AnyRoutine[], tid: ThreadId): { statements: Statement<G, never>[]; complete: boolean } {
  const seen = new Set<AnyRoutine>();
  const statements: Statement<G, never>[] = [];
  let complete = true;
  const visit = (r: AnyRoutine): void => {
    if (seen.has(r)) return;
    seen.add(r);
    for (const line of r.body) {
      if (line.kind === 'call') visit(line.routine);
      else if (line.kind === 'step') {
        const s = line as Statement<G, never>;
        statements.push(s);
        const fp = footprintOf(s, tid);
        if (fp === TOP) complete = false;
        for (const c of fp.calls) visit(c);
      }
    }
  };
  roots.forEach(visit);
  void model;
  return { statements, complete };
}
