/**
 * What the compiled state space has learnt about the shape of a model's state: for every place in
 * the shared state and in each routine's locals, whether it has held scalars (and which: small
 * integers or anything), objects (and with which keys) or arrays (and how long). A layout is
 * derived from this (see layout.ts); a step that writes something the layout cannot hold makes the
 * search absorb the new state into the spec and start again, so no value ever wraps or is dropped.
 */
import { isView, plainOf } from './views.ts';

export class Spec {
  /** Observations absorbed (an object key first seen after the first observation was absent before). */
  seen = 0;
  /** Some scalar (including null and absent) was seen here. */
  scalars = false;
  /** Every scalar seen is an integer (no null, absent, string, boolean, fraction). */
  intOnly = true;
  lo = 0;
  hi = 0;
  /** The dictionary of a dictionary-coded slot outgrew one byte. */
  wide = false;
  rec: Map<string, Spec> | undefined;
  list: { cap: number; readonly elem: Spec } | undefined;
  /** Dictionary of a dictionary-coded slot: code → value; code 0 is always `undefined` (absent). */
  readonly dict: unknown[] = [undefined];
  readonly codes = new Map<unknown, number>([[undefined, 0]]);
  /**
   * No value may be added to the dictionary (a parallel search: every worker must code each value
   * the same way, so a new value is a misfit and the search starts again with it learnt).
   */
  frozen = false;
  /**
   * With `frozen`: the code of a value not in the dictionary yet, agreed between the workers of a
   * parallel search (the first to meet it numbers it; see SharedStore.dictCode), or -1 when the
   * shared table is full. Without it a new value is a misfit.
   */
  sharedCode: ((value: unknown) => number) | undefined = undefined;
  /** A record's `kind` that held no lock kind when the lock walks were made: a lock kind is a misfit. */
  lockKindMisfit = false;
}

/** A spec as plain data (to hand to worker threads), and back. */
export interface SpecData {
  readonly seen: number;
  readonly scalars: boolean;
  readonly intOnly: boolean;
  readonly lo: number;
  readonly hi: number;
  readonly wide: boolean;
  /** The dictionary after code 0; `{ present: true }` for the composite marker. */
  readonly dict: readonly unknown[];
  readonly rec?: readonly (readonly [string, SpecData])[];
  readonly list?: { readonly cap: number; readonly elem: SpecData };
}

export function specData(s: Spec): SpecData {
  return {
    seen: s.seen,
    scalars: s.scalars,
    intOnly: s.intOnly,
    lo: s.lo,
    hi: s.hi,
    wide: s.wide,
    dict: s.dict.slice(1).map((v) => (v === PRESENT ? { present: true } : v)),
    ...(s.rec ? { rec: [...s.rec].map(([k, c]) => [k, specData(c)] as const) } : {}),
    ...(s.list ? { list: { cap: s.list.cap, elem: specData(s.list.elem) } } : {}),
  };
}

export function specFrom(d: SpecData, frozen: boolean): Spec {
  const s = new Spec();
  s.seen = d.seen;
  s.scalars = d.scalars;
  s.intOnly = d.intOnly;
  s.lo = d.lo;
  s.hi = d.hi;
  s.wide = d.wide;
  for (const raw of d.dict) {
    const v = typeof raw === 'object' && raw !== null ? PRESENT : raw;
    s.codes.set(v, s.dict.length);
    s.dict.push(v);
  }
  if (d.rec) s.rec = new Map(d.rec.map(([k, c]) => [k, specFrom(c, frozen)]));
  if (d.list) s.list = { cap: d.list.cap, elem: specFrom(d.list.elem, frozen) };
  s.frozen = frozen;
  return s;
}

/** The marker a composite place's tag slot holds when an object or array is present. */
export const PRESENT: unique symbol = Symbol('present');

/**
 * Widens `spec` to admit `value`. (Whether the layout changed is judged on the layout itself: see
 * `layoutSignature` in src/explorer/kernel.ts.)
 */
export function absorb(spec: Spec, value: unknown): void {
  const v = isView(value) ? plainOf(value) : value;
  spec.seen++;
  if (Array.isArray(v)) {
    spec.list ??= { cap: 0, elem: new Spec() };
    // Headroom: a list that grew once is likely to grow again; each growth restarts the search.
    if (v.length > spec.list.cap) spec.list.cap = spec.list.cap === 0 ? v.length : Math.max(v.length, spec.list.cap * 2);
    for (const x of v) absorb(spec.list.elem, x);
    return;
  }
  if (typeof v === 'object' && v !== null) {
    const first = spec.rec === undefined;
    const rec = (spec.rec ??= new Map());
    const o = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(o)) {
      if (x === undefined) continue;
      let child = rec.get(k);
      if (child === undefined) {
        child = new Spec();
        rec.set(k, child);
        // A key first seen now was absent from the objects seen before.
        if (!first || spec.seen > 1) absorb(child, undefined);
      }
      absorb(child, x);
    }
    for (const [k, child] of rec) if (o[k] === undefined) absorb(child, undefined);
    return;
  }
  // A scalar.
  spec.scalars = true;
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (spec.intOnly) {
      spec.lo = Math.min(spec.lo, v);
      spec.hi = Math.max(spec.hi, v);
    }
  } else spec.intOnly = false;
  // Known values go in the dictionary up front (lock discovery reads which kinds a place can hold).
  if (!spec.codes.has(v) && spec.dict.length < 65536) {
    spec.codes.set(v, spec.dict.length);
    spec.dict.push(v);
    if (spec.dict.length > 256) spec.wide = true;
  }
}
