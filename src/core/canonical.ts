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
      if (v === undefined) continue;
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
      return undefined;
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
