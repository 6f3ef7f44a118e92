import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, findNonPlain, fingerprint, NotPlainData, seal } from './canonical.ts';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('encode', () => {
  it('encodes primitives to fixed strings', () => {
    expect(encode(null)).toBe('N');
    expect(encode(true)).toBe('T');
    expect(encode(false)).toBe('F');
    expect(encode(42)).toBe('42');
    expect(encode('a"b')).toBe('"a\\"b"');
  });

  it('encodes equal objects with different key insertion order equally', () => {
    const a = { x: 1, y: { p: 'q', r: [1, 2] }, z: null };
    const b = { z: null, y: { r: [1, 2], p: 'q' }, x: 1 };
    expect(encode(a)).toBe(encode(b));
    expect(encode(a)).toBe('{"x":1,"y":{"p":"q","r":[1,2]},"z":N}');
  });

  it('distinguishes different values', () => {
    expect(encode({ x: 1 })).not.toBe(encode({ x: 2 }));
    expect(encode({ x: '1' })).not.toBe(encode({ x: 1 }));
    expect(encode([])).not.toBe(encode({}));
    expect(encode({ a: { b: 1 } })).not.toBe(encode({ a: 1, b: 1 }));
  });

  it('keeps array order', () => {
    expect(encode([1, 2, 3])).toBe('[1,2,3]');
    expect(encode([1, 2, 3])).not.toBe(encode([3, 2, 1]));
    expect(encode([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });

  it('encodes -0 as 0', () => {
    expect(encode(-0)).toBe('0');
    expect(encode({ v: -0 })).toBe(encode({ v: 0 }));
    expect(encode([-0])).toBe('[0]');
  });

  it('rejects object properties whose value is undefined, as it rejects [1, undefined] (issue 13, defect 4)', () => {
    expect(() => encode({ a: 1, b: undefined })).toThrow('undefined under key "b"');
  });

  it('accepts objects without a prototype', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.k = 1;
    expect(encode(o)).toBe('{"k":1}');
  });

  it('gives the same answer for a frozen object on the second (cached) call', () => {
    const o = Object.freeze({ b: Object.freeze([1, 2]), a: 'x' });
    const first = encode(o);
    expect(encode(o)).toBe(first);
    expect(first).toBe('{"a":"x","b":[1,2]}');
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a nested NaN', { a: [1, Number.NaN] }],
    ['a function', () => 1],
    ['a nested function', { f: () => 1 }],
    ['a Map', new Map([[1, 2]])],
    ['a Set', new Set([1])],
    ['a nested Set', { s: [new Set()] }],
    ['a class instance', new Point(1, 2)],
    ['a Date', new Date(0)],
    ['undefined in an array', [1, undefined, 3]],
    ['undefined at top level', undefined],
    ['a bigint', 1n],
    ['a symbol', Symbol('s')],
  ])('throws NotPlainData on %s', (_what, value) => {
    expect(() => encode(value)).toThrow(NotPlainData);
  });

  it('names what is not plain in the NotPlainData message', () => {
    expect(() => encode({ m: new Map() })).toThrow('a Map');
    expect(() => encode({ s: new Set() })).toThrow('a Set');
    expect(() => encode(new Point(0, 0))).toThrow('an instance of Point');
    expect(() => encode(Number.NaN)).toThrow('non-finite number NaN');
    expect(() => encode(() => 0)).toThrow('a value of type function');
  });
});

describe('fingerprint', () => {
  const fp = (v: unknown): string => {
    const f = fingerprint(v);
    return `${f.hi}:${f.lo}`;
  };

  it('is independent of key insertion order, like encode', () => {
    const a = { x: 1, y: { p: 'q', r: [1, 2] }, z: null };
    const b = { z: null, y: { r: [1, 2], p: 'q' }, x: 1 };
    expect(fp(a)).toBe(fp(b));
    expect(fp(Object.freeze(a))).toBe(fp(Object.freeze(b)));
  });

  it('distinguishes values that encode differently', () => {
    const values: unknown[] = [null, true, false, 0, 1, -1, 0.5, 2 ** 40, '', '0', '1', 'a', [], {}, [0], [[]], [1, 2], [2, 1], { x: 1 }, { x: 2 }, { y: 1 }, { x: '1' }, { a: { b: 1 } }, { a: 1, b: 1 }, { a: [1], b: [] }, { a: [], b: [1] }, [null], [false]];
    const seen = new Map<string, unknown>();
    for (const v of values) {
      const f = fp(v);
      expect(seen.has(f) ? `${encode(v)} and ${encode(seen.get(f))} share a fingerprint` : undefined).toBeUndefined();
      seen.set(f, v);
    }
  });

  it('maps -0 to 0 and rejects undefined properties, as encode does', () => {
    expect(fp({ v: -0 })).toBe(fp({ v: 0 }));
    expect(() => fingerprint({ a: 1, b: undefined })).toThrow(NotPlainData);
  });

  it('agrees with encode on random data: equal encodings, equal fingerprints; different encodings, different fingerprints', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(fp(a) === fp(b)).toBe(encode(a) === encode(b));
      }),
    );
  });

  it('gives a cached frozen object the same fingerprint as an equal fresh one', () => {
    const frozen = Object.freeze({ k: Object.freeze([1, 2, 3]) });
    expect(fp(frozen)).toBe(fp(frozen));
    expect(fp({ outer: frozen })).toBe(fp({ outer: { k: [1, 2, 3] } }));
  });

  it('seal attaches fingerprints that copies do not carry stale', () => {
    const sealed = seal({ a: 1, inner: { b: [1, 2] } });
    expect(Object.isFrozen(sealed.inner)).toBe(true);
    expect(fp(sealed)).toBe(fp({ a: 1, inner: { b: [1, 2] } }));
    // A copy with every descriptor (as immer's current() makes) carries the symbol; changed, it must not keep the old fingerprint.
    const descriptors = Object.getOwnPropertyDescriptors(sealed);
    for (const d of Reflect.ownKeys(descriptors)) Object.assign(descriptors[d as keyof typeof descriptors]!, { writable: true, configurable: true });
    const copy = Object.create(Object.prototype, descriptors) as { a: number };
    copy.a = 2;
    expect(fp(copy)).toBe(fp({ a: 2, inner: { b: [1, 2] } }));
    expect(fp(seal(copy))).toBe(fp({ a: 2, inner: { b: [1, 2] } }));
  });

  it('rejects non-plain data', () => {
    expect(() => fingerprint({ m: new Map() })).toThrow(NotPlainData);
    expect(() => fingerprint([Number.NaN])).toThrow(NotPlainData);
  });
});

describe('findNonPlain', () => {
  it('returns undefined for plain data', () => {
    expect(findNonPlain({ a: [1, 'x', null, true, { b: -0 }] })).toBeUndefined();
  });

  it('names an undefined property', () => {
    expect(findNonPlain({ a: { b: undefined } })).toBe('state.a.b: undefined (use null, or delete the key)');
  });

  it('names the path to a Map', () => {
    expect(findNonPlain({ a: { b: [0, new Map()] } })).toBe('state.a.b[1]: a Map');
  });

  it('names the path to other non-plain values', () => {
    expect(findNonPlain({ s: new Set() })).toBe('state.s: a Set');
    expect(findNonPlain({ hmm: { ranges: [{ cb: () => 0 }] } })).toBe('state.hmm.ranges[0].cb: a function');
    expect(findNonPlain({ p: new Point(1, 2) })).toBe('state.p: an instance of Point');
    expect(findNonPlain({ n: [Number.POSITIVE_INFINITY] })).toBe('state.n[0]: non-finite number Infinity');
    expect(findNonPlain({ xs: [1, undefined] })).toBe('state.xs[1]: undefined (use null)');
  });

  it('uses the given root name', () => {
    expect(findNonPlain({ m: new Map() }, 'shared')).toBe('shared.m: a Map');
    expect(findNonPlain(new Set(), 'locals')).toBe('locals: a Set');
  });

  it('reports the first offending value in key order of the object', () => {
    expect(findNonPlain({ first: new Map(), second: new Set() })).toBe('state.first: a Map');
  });

  it('agrees with encode: whatever it accepts encodes, whatever it rejects does not', () => {
    const samples: unknown[] = [
      { a: 1 },
      [1, [2, [3]]],
      { m: new Map() },
      [undefined],
      { f: () => 1 },
      { n: Number.NaN },
      { ok: { deep: ['x'] } },
    ];
    for (const s of samples) {
      const bad = findNonPlain(s);
      if (bad === undefined) expect(() => encode(s)).not.toThrow();
      else expect(() => encode(s)).toThrow(NotPlainData);
    }
  });
});
