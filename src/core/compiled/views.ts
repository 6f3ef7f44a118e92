/**
 * Generated accessors over a packed state vector. A `Site` is the compiled form of a `Spec`: a
 * fixed-size region of bytes and how to read, write, decode and clear it. Record and list places
 * are read through view objects (one class per record shape, accessors on the prototype) that the
 * model's own guards, steps and properties use as if they were the state's objects: `g.range.valid`
 * reads one byte, `g.range.valid = false` writes one. Views are allocated once per place and reused
 * for every state: the cursor says which vector they currently read.
 */
import { PRESENT, type Spec } from './spec.ts';

/** Which vector the views read and write, and whether writing is allowed. */
export interface Cursor {
  b: Uint8Array;
  ro: boolean;
  /**
   * Bumped each time reading starts afresh (the views pointed at a vector, or made read-only
   * again after writes): a list's read-only snapshot is good while `gen` and `b` are unchanged.
   */
  gen: number;
}

/** A write the current layout cannot hold: the search widens the layout and starts again. */
export class Misfit extends Error {
  override readonly name = 'Misfit';
}

const VIEW: unique symbol = Symbol('interleave.view');

export function isView(v: unknown): v is View {
  return typeof v === 'object' && v !== null && (v as { [VIEW]?: boolean })[VIEW] === true;
}

/** Plain data for a value that may be or contain views: views decoded, the rest returned as it is (copied only where a view was inside). */
export function plainOf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (isView(v)) return v.$site.decode(v.$c.b, v.$o);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as unknown;
      const p = plainOf(x);
      if (p !== x && out === undefined) out = v.slice(0, i);
      if (out !== undefined) out.push(p);
    }
    return out ?? v;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  let out: Record<string, unknown> | undefined;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    const p = plainOf(x);
    if (p !== x) out ??= { ...(v as Record<string, unknown>) };
    if (out !== undefined) out[k] = p;
  }
  return out ?? v;
}

function readOnly(): never {
  throw new TypeError('Cannot assign to read only property of the state (a guard, property or argument function wrote to it)');
}

function misfit(what: string): never {
  throw new Misfit(what);
}

/** How generated accessors read and write a scalar site inline (see `accessorSource`). */
export type Inline =
  | { readonly kind: 'int'; readonly width: 1 | 2; readonly base: number }
  | { readonly kind: 'dict'; readonly width: 1 | 2; readonly spec: Spec };

export interface Site {
  readonly size: number;
  /** A list site: read-only readers get a frozen array of its elements (ListView.$snap). */
  readonly list?: true;
  /** A tagged site whose shape is a list. */
  readonly shapeList?: boolean;
  readonly inline?: Inline;
  /** A tagged place: its tag's width, dictionary and the code meaning "present". */
  readonly tagged?: { readonly width: 1 | 2; readonly dict: unknown[]; readonly present: number };
  /** The value at absolute offset `a`: a scalar, or a view (cached in `kids[slot]` of the owner). */
  get(c: Cursor, a: number, owner: View, slot: number): unknown;
  set(c: Cursor, a: number, value: unknown): void;
  decode(b: Uint8Array, a: number): unknown;
  /** For list and record sites: the view class instances are made of. */
  readonly makeView?: (c: Cursor, a: number) => View;
  /** For a tagged site: the view of its shape, for a tag at `a`. */
  readonly shapeView?: (c: Cursor, a: number) => View;
}

export abstract class View {
  declare readonly [VIEW]: true;
  $kids: (View | undefined)[] | undefined;
  constructor(
    readonly $c: Cursor,
    readonly $o: number,
    readonly $site: Site,
  ) {}
  $kid(slot: number, site: Site, a: number): View {
    const kids = (this.$kids ??= []);
    return (kids[slot] ??= site.makeView!(this.$c, a));
  }
  toJSON(): unknown {
    return this.$site.decode(this.$c.b, this.$o);
  }
}
Object.defineProperty(View.prototype, VIEW, { value: true });

// ---------------------------------------------------------------------------------------------
// Scalars

function intSite(width: 1 | 2, base: number): Site {
  const max = width === 1 ? 255 : 65535;
  const set =
    width === 1
      ? (c: Cursor, a: number, v: unknown): void => {
          if (c.ro) readOnly();
          const x = (v as number) - base;
          if (typeof v !== 'number' || !(x >= 0 && x <= max) || (x | 0) !== x) misfit(`value ${String(v)}`);
          c.b[a] = x;
        }
      : (c: Cursor, a: number, v: unknown): void => {
          if (c.ro) readOnly();
          const x = (v as number) - base;
          if (typeof v !== 'number' || !(x >= 0 && x <= max) || (x | 0) !== x) misfit(`value ${String(v)}`);
          c.b[a] = x & 255;
          c.b[a + 1] = x >>> 8;
        };
  const read = width === 1 ? (b: Uint8Array, a: number): number => b[a]! + base : (b: Uint8Array, a: number): number => (b[a]! | (b[a + 1]! << 8)) + base;
  return { size: width, inline: { kind: 'int', width, base }, get: (c, a) => read(c.b, a), set, decode: read };
}

/** Interns a scalar in a dictionary-coded slot's dictionary; the code, or a misfit if the slot is full. */
function intern(spec: Spec, v: unknown): number {
  let code = spec.codes.get(v);
  if (code !== undefined) return code;
  const t = typeof v;
  if (!(t === 'string' || t === 'boolean' || v === null || (t === 'number' && Number.isFinite(v)))) misfit(`value of type ${t}`);
  if (spec.lockKindMisfit && (v === 'mutex' || v === 'spinlock' || v === 'rwsem')) misfit('a lock where the layout has seen none');
  if (spec.frozen) {
    if (spec.sharedCode === undefined) misfit('a value the layout has not seen');
    code = spec.sharedCode(v);
    if (code < 0 || code > (spec.wide ? 65535 : 255)) misfit('dictionary full');
    // Codes other workers gave leave holes here: this worker never reads a code it did not intern.
    spec.dict[code] = v;
    spec.codes.set(v, code);
    return code;
  }
  code = spec.dict.length;
  if (code > (spec.wide ? 65535 : 255)) {
    spec.wide = true;
    misfit('dictionary full');
  }
  spec.dict.push(v);
  spec.codes.set(v, code);
  return code;
}

function dictSite(spec: Spec): Site {
  const dict = spec.dict;
  if (spec.wide) {
    return {
      size: 2,
      inline: { kind: 'dict', width: 2, spec },
      get: (c, a) => dict[c.b[a]! | (c.b[a + 1]! << 8)],
      set: (c, a, v) => {
        if (c.ro) readOnly();
        const code = intern(spec, v);
        c.b[a] = code & 255;
        c.b[a + 1] = code >>> 8;
      },
      decode: (b, a) => dict[b[a]! | (b[a + 1]! << 8)],
    };
  }
  return {
    size: 1,
    inline: { kind: 'dict', width: 1, spec },
    get: (c, a) => dict[c.b[a]!],
    set: (c, a, v) => {
      if (c.ro) readOnly();
      c.b[a] = intern(spec, v);
    },
    decode: (b, a) => dict[b[a]!],
  };
}

// ---------------------------------------------------------------------------------------------
// Records

class RecordView extends View {}

/** Names the views themselves use: a record field with one of these cannot be given an accessor. */
const RESERVED = new Set(['$c', '$o', '$site', '$kids', '$kid', 'toJSON', 'constructor', '__proto__']);

function recordSite(rec: Map<string, Spec>): Site {
  const keys = [...rec.keys()];
  const sites = keys.map((k) => compileSite(rec.get(k)!));
  const offs: number[] = [];
  let size = 0;
  for (const s of sites) {
    offs.push(size);
    size += s.size;
  }
  const keySet = new Set(keys);
  for (const k of keys) if (RESERVED.has(k)) misfit(`the field name "${k}" is reserved by the packed layout's views`);
  const Rec = generateClass(
    RecordView,
    keys.map((k, i) => ({ key: k, off: offs[i]!, site: sites[i]!, slot: i })),
  );
  const site: Site = {
    size,
    get: (c, a, owner, slot) => owner.$kid(slot, site, a),
    set: (c, a, v) => {
      if (c.ro) readOnly();
      const p = plainOf(v);
      if (typeof p !== 'object' || p === null || Array.isArray(p)) misfit('not a record');
      const proto = Object.getPrototypeOf(p) as unknown;
      if (proto !== Object.prototype && proto !== null) misfit('not plain data');
      const o = p as Record<string, unknown>;
      for (const k of Object.keys(o)) if (o[k] !== undefined && !keySet.has(k)) misfit(`new key ${k}`);
      for (let i = 0; i < keys.length; i++) sites[i]!.set(c, a + offs[i]!, o[keys[i]!]);
    },
    decode: (b, a) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const v = sites[i]!.decode(b, a + offs[i]!);
        if (v !== undefined) out[keys[i]!] = v;
      }
      return out;
    },
    makeView: (c, a) => {
      const v = new Rec(c, a, site);
      v.$kids = sites.map((s, i) => kidOf(s, c, a + offs[i]!));
      Object.preventExtensions(v);
      return v;
    },
  };
  return site;
}

// ---------------------------------------------------------------------------------------------
// Lists: a length slot, then `cap` elements of one site each

const ARRAY_READERS = ['map', 'filter', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex', 'forEach', 'reduce', 'reduceRight', 'indexOf', 'lastIndexOf', 'includes', 'slice', 'join', 'at', 'flatMap', 'entries', 'keys', 'values', 'concat', 'toSorted', 'toReversed', 'with'] as const;
const ARRAY_WRITERS = ['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin'] as const;

export class ListView extends View {
  declare length: number;
  /** The read-only snapshot (see $snap), and the cursor generation and vector it was taken of. */
  $s: readonly unknown[] | undefined = undefined;
  $sg = -1;
  $sb: Uint8Array | undefined = undefined;
  /** A copy of the list's bytes (length slot and elements) that `$s` was read from. */
  $sk: Uint8Array | undefined = undefined;
  /**
   * The list as a frozen array, for guards, properties and argument functions (the cursor is
   * read-only): indexing a plain array is a fast element load, where the view's index accessors
   * (on its prototype) are a slow keyed lookup, about 70 ns each. Made once per list and state
   * read; elements that are lists are snapshots too. (Set per site by listSite.)
   */
  $snap(): readonly unknown[] {
    return this.toArray();
  }
  /** The elements as an array (scalars, or views of composite elements). */
  toArray(): unknown[] {
    const n = this.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = (this as unknown as Record<number, unknown>)[i];
    return out;
  }
  [Symbol.iterator](): Iterator<unknown> {
    return this.toArray()[Symbol.iterator]();
  }
}

type Item = Record<number, unknown>;
type Test = (x: unknown, i: number, list: unknown) => unknown;
/** The common searches without building an array (the callback's third argument is the view). */
const NATIVE_READERS: Record<string, (this: ListView, ...args: never[]) => unknown> = {
  includes(this: ListView, x: unknown): boolean {
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const y = (this as unknown as Item)[i];
      if (y === x || (y !== y && x !== x)) return true;
    }
    return false;
  },
  indexOf(this: ListView, x: unknown): number {
    const n = this.length;
    for (let i = 0; i < n; i++) if ((this as unknown as Item)[i] === x) return i;
    return -1;
  },
  some(this: ListView, f: Test): boolean {
    const n = this.length;
    for (let i = 0; i < n; i++) if (f((this as unknown as Item)[i], i, this)) return true;
    return false;
  },
  every(this: ListView, f: Test): boolean {
    const n = this.length;
    for (let i = 0; i < n; i++) if (!f((this as unknown as Item)[i], i, this)) return false;
    return true;
  },
  find(this: ListView, f: Test): unknown {
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const y = (this as unknown as Item)[i];
      if (f(y, i, this)) return y;
    }
    return undefined;
  },
  findIndex(this: ListView, f: Test): number {
    const n = this.length;
    for (let i = 0; i < n; i++) if (f((this as unknown as Item)[i], i, this)) return i;
    return -1;
  },
  forEach(this: ListView, f: Test): void {
    const n = this.length;
    for (let i = 0; i < n; i++) f((this as unknown as Item)[i], i, this);
  },
  map(this: ListView, f: Test): unknown[] {
    const n = this.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = f((this as unknown as Item)[i], i, this);
    return out;
  },
  filter(this: ListView, f: Test): unknown[] {
    const n = this.length;
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const y = (this as unknown as Item)[i];
      if (f(y, i, this)) out.push(y);
    }
    return out;
  },
};
for (const m of ARRAY_READERS) {
  Object.defineProperty(ListView.prototype, m, {
    value:
      NATIVE_READERS[m] ??
      function (this: ListView, ...args: unknown[]) {
        return (Array.prototype[m] as (...a: unknown[]) => unknown).apply(this.toArray(), args);
      },
  });
}
for (const m of ARRAY_WRITERS) {
  Object.defineProperty(ListView.prototype, m, {
    value(this: ListView, ...args: unknown[]) {
      if (this.$c.ro) readOnly();
      const arr = plainOf(this) as unknown[];
      const r = (Array.prototype[m] as (...a: unknown[]) => unknown).apply(arr, args);
      this.$site.set(this.$c, this.$o, arr);
      return r === arr ? this : r;
    },
  });
}

function listSite(list: { cap: number; elem: Spec }): Site {
  const cap = list.cap;
  const elem = compileSite(list.elem);
  const lw = cap < 256 ? 1 : 2;
  const es = elem.size;
  const size = lw + cap * es;
  const lenAt = lw === 1 ? (b: Uint8Array, a: number) => b[a]! : (b: Uint8Array, a: number) => b[a]! | (b[a + 1]! << 8);
  const setLen =
    lw === 1
      ? (b: Uint8Array, a: number, n: number) => {
          b[a] = n;
        }
      : (b: Uint8Array, a: number, n: number) => {
          b[a] = n & 255;
          b[a + 1] = n >>> 8;
        };
  class List extends ListView {
    override $snap(): readonly unknown[] {
      const c = this.$c;
      const b = c.b;
      if (this.$sg === c.gen && this.$sb === b) return this.$s!;
      const a = this.$o;
      const n = lenAt(b, a);
      // The bytes the last snapshot was read from: equal bytes decode to equal elements (interned
      // strings and dictionary codes are stable; composite elements are the same kid views), so
      // the frozen array is reused rather than built and frozen again for every state.
      const m = lw + n * es;
      const k = this.$sk;
      if (k !== undefined && k.length === m) {
        let i = 0;
        while (i < m && k[i] === b[a + i]) i++;
        if (i === m) {
          this.$sg = c.gen;
          this.$sb = b;
          return this.$s!;
        }
        for (; i < m; i++) k[i] = b[a + i]!;
      } else this.$sk = b.slice(a, a + m);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) {
        const x = elem.get(c, a + lw + i * es, this, i);
        out[i] = x instanceof ListView ? x.$snap() : x;
      }
      Object.freeze(out);
      this.$s = out;
      this.$sg = c.gen;
      this.$sb = c.b;
      return out;
    }
  }
  let site: Site;
  Object.defineProperty(List.prototype, 'length', {
    get(this: View) {
      return lenAt(this.$c.b, this.$o);
    },
    set(this: View, n: number) {
      const arr = plainOf(this) as unknown[];
      arr.length = n;
      site.set(this.$c, this.$o, arr);
    },
  });
  // Index accessors up to twice the capacity: writing past the length goes through the whole list
  // (which may be a misfit: the layout grows).
  const indices = Math.max(cap * 2, cap + 8);
  const grow = (view: View, i: number, v: unknown): void => {
    if (view.$c.ro) readOnly();
    const arr = plainOf(view) as unknown[];
    arr[i] = v;
    site.set(view.$c, view.$o, arr);
  };
  defineGenerated(
    List,
    Array.from({ length: indices }, (_, i) => ({ key: i, off: lw + i * es, site: elem, slot: i, bound: { lenWidth: lw, cap, grow } })),
  );
  site = {
    size,
    list: true,
    get: (c, a, owner, slot) => owner.$kid(slot, site, a),
    set: (c, a, v) => {
      if (c.ro) readOnly();
      const p = plainOf(v);
      if (!Array.isArray(p)) misfit('not a list');
      const n = p.length;
      if (n > cap) misfit('list longer than its capacity');
      for (let i = 0; i < n; i++) {
        if (!(i in p)) misfit('a hole in a list');
        elem.set(c, a + lw + i * es, p[i]);
      }
      c.b.fill(0, a + lw + n * es, a + size);
      setLen(c.b, a, n);
    },
    decode: (b, a) => {
      const n = lenAt(b, a);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = elem.decode(b, a + lw + i * es);
      return out;
    },
    makeView: (c, a) => {
      const v = new List(c, a, site);
      v.$kids = Array.from({ length: indices }, (_, i) => (i < cap ? kidOf(elem, c, a + lw + i * es) : undefined));
      Object.preventExtensions(v);
      return v;
    },
  };
  return site;
}

// ---------------------------------------------------------------------------------------------
// A place that has held both scalars and an object or list: a tag slot, then the shape.

function taggedSite(spec: Spec, shape: Site): Site {
  const tag = dictSite(spec);
  const ts = tag.size;
  const present = (b: Uint8Array, a: number): boolean => tag.decode(b, a) === PRESENT;
  const size = ts + shape.size;
  const site: Site = {
    size,
    tagged: { width: ts as 1 | 2, dict: spec.dict, present: spec.codes.get(PRESENT)! },
    shapeList: shape.list === true,
    shapeView: (c, a) => shape.makeView!(c, a + ts),
    get: (c, a, owner, slot) => (present(c.b, a) ? owner.$kid(slot, shape, a + ts) : tag.get(c, a, owner, slot)),
    set: (c, a, v) => {
      if (c.ro) readOnly();
      if (typeof v === 'object' && v !== null) {
        shape.set(c, a + ts, v);
        tag.set(c, a, PRESENT);
      } else {
        tag.set(c, a, v);
        c.b.fill(0, a + ts, a + size);
      }
    },
    decode: (b, a) => (present(b, a) ? shape.decode(b, a + ts) : tag.decode(b, a)),
  };
  return site;
}

/** The site a spec compiles to (offsets relative to where it is placed). */
export function compileSite(spec: Spec): Site {
  const rec = spec.rec;
  const list = spec.list;
  if (rec !== undefined && list !== undefined) misfit('a place holds both objects and arrays');
  const shape = rec !== undefined ? recordSite(rec) : list !== undefined ? listSite(list) : undefined;
  if (shape !== undefined) {
    if (!spec.scalars) return shape;
    if (!spec.codes.has(PRESENT)) {
      spec.dict.push(PRESENT);
      spec.codes.set(PRESENT, spec.dict.length - 1);
    }
    return taggedSite(spec, shape);
  }
  if (spec.intOnly && spec.scalars) {
    const base = Math.min(spec.lo, 0);
    if (spec.hi - base <= 255) return intSite(1, base);
    if (spec.hi - base <= 65535) return intSite(2, base);
  }
  return dictSite(spec);
}

// ---------------------------------------------------------------------------------------------
// Generated accessors: one function per field with its offset and coding inlined, so that each
// property access in model code is a monomorphic, inlinable read of the vector.

interface Field {
  readonly key: string | number;
  readonly off: number;
  readonly site: Site;
  readonly slot: number;
  /** List elements: the getter returns undefined past the length; the setter grows the list past it. */
  readonly bound?: { readonly lenWidth: 1 | 2; readonly cap: number; readonly grow: (view: View, i: number, v: unknown) => void };
}

function generateClass(base: typeof RecordView, fields: readonly Field[]): new (c: Cursor, a: number, site: Site) => View {
  class Generated extends base {}
  defineGenerated(Generated, fields);
  return Generated;
}

function defineGenerated(cls: abstract new (...args: never[]) => View, fields: readonly Field[]): void {
  const env: unknown[] = [readOnly, misfit, intern];
  const names = ['RO', 'MISFIT', 'INTERN'];
  const bind = (v: unknown): string => {
    const name = `E${env.length}`;
    env.push(v);
    names.push(name);
    return name;
  };
  const props: string[] = [];
  for (const f of fields) {
    const key = JSON.stringify(String(f.key));
    const at = `this.$o + ${f.off}`;
    const lenRead = f.bound === undefined ? '' : f.bound.lenWidth === 1 ? 'b[this.$o]' : '(b[this.$o] | (b[this.$o + 1] << 8))';
    const inRange = f.bound === undefined ? '' : `if (${f.key as number} >= ${lenRead}) return undefined;`;
    const inline = f.site.inline;
    let get: string;
    let set: string;
    if (inline?.kind === 'int' && inline.width === 1) {
      get = `const b = this.$c.b; ${inRange} return b[${at}] + ${inline.base};`;
      set = `const x = v - ${inline.base}; if (typeof v !== 'number' || !(x >= 0 && x <= 255) || (x | 0) !== x) MISFIT('value ' + String(v)); c.b[${at}] = x;`;
    } else if (inline?.kind === 'int') {
      get = `const b = this.$c.b; ${inRange} const a = ${at}; return (b[a] | (b[a + 1] << 8)) + ${inline.base};`;
      set = `const x = v - ${inline.base}; if (typeof v !== 'number' || !(x >= 0 && x <= 65535) || (x | 0) !== x) MISFIT('value ' + String(v)); const a = ${at}; c.b[a] = x & 255; c.b[a + 1] = x >>> 8;`;
    } else if (inline?.kind === 'dict') {
      const spec = bind(inline.spec);
      const dict = bind(inline.spec.dict);
      if (inline.width === 1) {
        get = `const b = this.$c.b; ${inRange} return ${dict}[b[${at}]];`;
        set = `c.b[${at}] = INTERN(${spec}, v);`;
      } else {
        get = `const b = this.$c.b; ${inRange} const a = ${at}; return ${dict}[b[a] | (b[a + 1] << 8)];`;
        set = `const code = INTERN(${spec}, v); const a = ${at}; c.b[a] = code & 255; c.b[a + 1] = code >>> 8;`;
      }
    } else if (f.site.tagged !== undefined && f.site.tagged.width === 1) {
      // A place holding null or a record/list: the tag byte says which; the view was made up front.
      const site = bind(f.site);
      const dict = bind(f.site.tagged.dict);
      const kid = f.site.shapeList ? `(this.$c.ro ? this.$kids[${f.slot}].$snap() : this.$kids[${f.slot}])` : `this.$kids[${f.slot}]`;
      get = `const b = this.$c.b; ${inRange} const t = b[${at}]; return t === ${f.site.tagged.present} ? ${kid} : ${dict}[t];`;
      set = `${site}.set(c, ${at}, v);`;
    } else if (f.site.makeView !== undefined) {
      const site = bind(f.site);
      get = f.site.list
        ? `const b = this.$c.b; ${inRange} const k = this.$kids[${f.slot}]; return this.$c.ro ? k.$snap() : k;`
        : `const b = this.$c.b; ${inRange} return this.$kids[${f.slot}];`;
      set = `${site}.set(c, ${at}, v);`;
    } else {
      const site = bind(f.site);
      get = `const b = this.$c.b; ${inRange} return ${site}.get(this.$c, ${at}, this, ${f.slot});`;
      set = `${site}.set(c, ${at}, v);`;
    }
    if (f.bound !== undefined) {
      const grow = bind(f.bound.grow);
      set = `if (${f.key as number} >= ${lenRead.replaceAll('b[', 'c.b[')}) { ${grow}(this, ${f.key as number}, v); return; } ${set}`;
      if (f.key as number >= f.bound.cap) {
        get = `const b = this.$c.b; ${inRange} MISFIT('index past the capacity');`;
        set = `${grow}(this, ${f.key as number}, v);`;
      }
    }
    props.push(`get [${key}]() { ${get} }`, `set [${key}](v) { const c = this.$c; if (c.ro) RO(); ${set} }`);
  }
  const source = `return { ${props.join(',\n')} };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, source) as (...args: unknown[]) => object;
  const accessors = make(...env);
  for (const k of Object.keys(accessors)) {
    const d = Object.getOwnPropertyDescriptor(accessors, k)!;
    Object.defineProperty(cls.prototype, k, { get: d.get!, set: d.set!, enumerable: true, configurable: false });
  }
}

/** The view a composite place gets up front (the shape's view for a tagged place), or undefined for a scalar. */
function kidOf(site: Site, c: Cursor, a: number): View | undefined {
  if (site.makeView !== undefined) return site.makeView(c, a);
  if (site.tagged !== undefined) return site.shapeView!(c, a);
  return undefined;
}
