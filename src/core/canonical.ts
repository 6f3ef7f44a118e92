/**
 * Canonical encoding of plain data: object keys sorted, so equal states encode equally whatever the
 * insertion order. Encodings of frozen objects are cached per object (WeakMap): immer shares
 * unchanged subtrees between a state and its successor, so encoding a successor costs in
 * proportion to what the step changed.
 */

const cache = new WeakMap<object, string>();
/** Encoded form of each object key seen (`"name":`), so keys are quoted once, not per state. */
const keyCache = new Map<string, string>();

function encodeKey(k: string): string {
  let e = keyCache.get(k);
  if (e === undefined) {
    e = `${JSON.stringify(k)}:`;
    if (keyCache.size < 100_000) keyCache.set(k, e);
  }
  return e;
}

export const PLAIN_HINT =
  'state must be plain data: objects, arrays, strings, finite numbers, booleans and null (no functions, class instances, Map/Set, undefined)';

/** Thrown by `encode` on data that is not plain; callers turn it into a ModelError with context. */
export class NotPlainData extends Error {
  override readonly name = 'NotPlainData';
}

export function encode(value: unknown): string {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) throw new NotPlainData(`non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'T' : 'F';
    case 'object':
      return value === null ? 'N' : encodeObject(value);
    default:
      throw new NotPlainData(`a value of type ${typeof value}`);
  }
}

function encodeObject(value: object): string {
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += encode(value[i]);
    }
    out += ']';
  } else {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new NotPlainData(describeInstance(value));
    const keys = Object.keys(value).sort();
    out = '{';
    let first = true;
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) throw new NotPlainData(`undefined under key "${k}"`);
      if (!first) out += ',';
      first = false;
      out += encodeKey(k) + encode(v);
    }
    out += '}';
  }
  if (Object.isFrozen(value)) cache.set(value, out);
  return out;
}

function describeInstance(value: object): string {
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
  return `an instance of ${ctor ?? 'a class'}`;
}

/** Finds the first non-plain value and describes where it is (`hmm.ranges[0].cb: a function`), or undefined. */
export function findNonPlain(value: unknown, path = 'state'): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: non-finite number ${value}`;
    case 'string':
    case 'boolean':
      return undefined;
    case 'undefined':
      return path === 'state' ? undefined : `${path}: undefined (use null, or delete the key)`;
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) return `${path}[${i}]: undefined (use null)`;
          const bad = findNonPlain(value[i], `${path}[${i}]`);
          if (bad !== undefined) return bad;
        }
        return undefined;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return `${path}: ${describeInstance(value)}`;
      for (const [k, v] of Object.entries(value)) {
        const bad = findNonPlain(v, `${path}.${k}`);
        if (bad !== undefined) return bad;
      }
      return undefined;
    }
    default:
      return `${path}: a ${typeof value}`;
  }
}

/**
 * A 64-bit fingerprint of plain data, as two 32-bit halves: equal values (in the sense of `encode`)
 * have equal fingerprints whatever their key insertion order, because an object's entries are
 * combined by addition. Two murmur3-style lanes with different constants each absorb both halves of
 * every child. Fingerprints of frozen objects are cached per object, so fingerprinting a successor
 * costs in proportion to the objects the step replaced; no strings are built.
 */
export interface Fingerprint {
  readonly hi: number;
  readonly lo: number;
}

class Fp implements Fingerprint {
  constructor(
    readonly hi: number,
    readonly lo: number,
  ) {}
}

const fpCache = new WeakMap<object, Fp>();
const strFp = new Map<string, Fp>();
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

// Tags keep values of different kinds apart ([] vs {}, "1" vs 1, null vs false).
const T_NULL = 0x6e756c6c;
const T_TRUE = 0x74727565;
const T_FALSE = 0x66616c73;
const T_INT = 0x696e7433;
const T_FLOAT = 0x666c6f61;
const T_STR = 0x73747269;
const T_ARR = 0x61727261;
const T_OBJ = 0x6f626a65;
const T_ENTRY = 0x656e7472;

function mixA(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixB(h: number, k: number): number {
  k = Math.imul(k, 0x85ebca77);
  k = (k << 16) | (k >>> 16);
  h ^= Math.imul(k, 0xc2b2ae3d);
  h = (h << 11) | (h >>> 21);
  return (Math.imul(h, 9) + 0x7f4a7c15) | 0;
}

function finA(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function finB(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return h ^ (h >>> 15);
}

/** Leaf fingerprint of a tag and two words. */
function leaf(tag: number, x: number, y: number): Fp {
  return new Fp(finA(mixA(mixA(mixA(0x1234567, tag), x), y)), finB(mixB(mixB(mixB(0x7654321, tag), y), x)));
}

const FP_NULL = leaf(T_NULL, 0, 0);
const FP_TRUE = leaf(T_TRUE, 0, 0);
const FP_FALSE = leaf(T_FALSE, 0, 0);
/** Small integers are the commonest values in a state; their fingerprints are precomputed. */
const SMALL_INTS: Fp[] = Array.from({ length: 1024 }, (_, i) => leaf(T_INT, i - 256, 0));

function stringFp(s: string): Fp {
  const hit = strFp.get(s);
  if (hit !== undefined) return hit;
  let a = mixA(0x2545f491, T_STR);
  let b = mixB(0x5f356495, T_STR);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = mixA(a, c);
    b = mixB(b, c);
  }
  const fp = new Fp(finA(a ^ s.length), finB(b ^ s.length));
  if (strFp.size < 100_000) strFp.set(s, fp);
  return fp;
}

export function fingerprint(value: unknown): Fingerprint {
  switch (typeof value) {
    case 'number':
      if ((value | 0) === value) {
        // Also maps -0 to 0, as `encode` does.
        const i = value | 0;
        return i >= -256 && i < 768 ? SMALL_INTS[i + 256]! : leaf(T_INT, i, 0);
      }
      if (!Number.isFinite(value)) throw new NotPlainData(`non-finite number ${value}`);
      f64[0] = value;
      return leaf(T_FLOAT, u32[0]!, u32[1]!);
    case 'string':
      return stringFp(value);
    case 'boolean':
      return value ? FP_TRUE : FP_FALSE;
    case 'object':
      return value === null ? FP_NULL : fingerprintObject(value);
    default:
      throw new NotPlainData(`a value of type ${typeof value}`);
  }
}

/** Where `seal` keeps an object's fingerprint: a non-enumerable own property, so copies never carry it. */
const FP = Symbol('interleave.fingerprint');

function fingerprintObject(value: object): Fp {
  // Trusted only on frozen objects: a copy made with all property descriptors (immer's current())
  // can carry the original's fingerprint, but such a copy is not frozen until `seal` redoes it.
  const own = (value as { [FP]?: Fp })[FP];
  if (own !== undefined && Object.isFrozen(value)) return own;
  const hit = fpCache.get(value);
  if (hit !== undefined) return hit;
  const fp = computeFingerprint(value);
  // Objects frozen elsewhere (not by `seal`) are cached in a WeakMap: correct but several times slower.
  if (Object.isFrozen(value)) fpCache.set(value, fp);
  return fp;
}

function computeFingerprint(value: object): Fp {
  if (Array.isArray(value)) {
    let a = mixA(0x3c6ef372, T_ARR);
    let b = mixB(0x6a09e667, T_ARR);
    for (let i = 0; i < value.length; i++) {
      const c = fingerprint(value[i]);
      a = mixA(mixA(a, c.hi), c.lo);
      b = mixB(mixB(b, c.lo), c.hi);
    }
    return new Fp(finA(a ^ value.length), finB(b ^ value.length));
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new NotPlainData(describeInstance(value));
  // Sum of per-entry fingerprints: independent of key order, no sort.
  let sa = 0;
  let sb = 0;
  let n = 0;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined) throw new NotPlainData(`undefined under key "${k}"`);
    const kf = stringFp(k);
    const vf = fingerprint(v);
    sa = (sa + finA(mixA(mixA(mixA(mixA(T_ENTRY, kf.hi), kf.lo), vf.hi), vf.lo))) | 0;
    sb = (sb + finB(mixB(mixB(mixB(mixB(T_ENTRY, kf.lo), kf.hi), vf.lo), vf.hi))) | 0;
    n++;
  }
  return new Fp(finA(mixA(mixA(T_OBJ, sa), n)), finB(mixB(mixB(T_OBJ, sb), n)));
}

/**
 * Deep-freezes the parts of `value` not yet frozen, attaching each new plain object's fingerprint
 * as it goes (children first). States built through `seal` fingerprint in time proportional to the
 * objects a step created, with no WeakMap lookups. Stops at frozen objects: they are shared with
 * states sealed before. Non-plain data is frozen as found and left for `fingerprint` to report.
 */
export function seal<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const o = value as object;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) seal(o[i]);
  } else {
    const proto = Object.getPrototypeOf(o) as unknown;
    if (proto !== Object.prototype && proto !== null) return Object.freeze(value);
    for (const k in o) seal((o as Record<string, unknown>)[k]);
  }
  let fp: Fp | undefined;
  try {
    fp = computeFingerprint(o);
  } catch (thrown) {
    if (!(thrown instanceof NotPlainData)) throw thrown;
  }
  if (fp !== undefined) Object.defineProperty(o, FP, { value: fp });
  return Object.freeze(value);
}
