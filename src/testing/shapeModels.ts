/**
 * Random models whose state changes shape: lists that grow and shrink (push, pop, shift, splice,
 * filter), records that come and go (null ↔ object), strings, integers of every width (negative,
 * past one and two bytes), nested records in lists, routines called with arguments and returning a
 * value into a local. They exercise everything the compiled state space must learn and hold, and
 * are searched on both spaces by the engine tests, which must agree state for state.
 */
import fc from 'fast-check';
import {
  always,
  atEnd,
  defineModel,
  either,
  onExit,
  routine,
  sometimes,
  type Alternative,
  type ModelDefinition,
  type Property,
  type Statement,
  type StepContext,
} from '../index.ts';

interface Item {
  id: number;
  on: boolean;
}
interface Shared {
  n: number;
  s: string | null;
  q: number[];
  obj: { a: number; b: { c: number } | null } | null;
  items: Item[];
}
interface Locals {
  x: number;
  r: number | null;
  tag: string;
}

const NUMS = [0, 1, -1, 2, 255, 256, 70_000, 0.5];
const STRS = [null, 'a', 'bb', 'é'];

export type ShapeOp =
  | { readonly kind: 'setN'; readonly i: number }
  | { readonly kind: 'incN' }
  | { readonly kind: 'setS'; readonly i: number }
  | { readonly kind: 'push'; readonly c: number; readonly max: number }
  | { readonly kind: 'pop' }
  | { readonly kind: 'shift' }
  | { readonly kind: 'splice'; readonly at: number; readonly c: number }
  | { readonly kind: 'index'; readonly at: number; readonly c: number }
  | { readonly kind: 'obj'; readonly mode: number }
  | { readonly kind: 'deep' }
  | { readonly kind: 'addItem'; readonly id: number }
  | { readonly kind: 'toggle'; readonly at: number }
  | { readonly kind: 'dropOff' }
  | { readonly kind: 'awaitQ'; readonly c: number }
  | { readonly kind: 'choice'; readonly c: number }
  | { readonly kind: 'assert'; readonly c: number }
  | { readonly kind: 'call'; readonly c: number }
  | { readonly kind: 'local'; readonly i: number }
  | { readonly kind: 'loop'; readonly c: number }
  | { readonly kind: 'alias' };

export type ShapeProp =
  | { readonly kind: 'never'; readonly c: number }
  | { readonly kind: 'reach'; readonly len: number }
  | { readonly kind: 'end'; readonly c: number }
  | { readonly kind: 'exit'; readonly c: number }
  | { readonly kind: 'items'; readonly atMost: number };

export interface ShapeModel {
  readonly bodies: readonly (readonly ShapeOp[])[];
  readonly cyclic: readonly boolean[];
  readonly props: readonly ShapeProp[];
}

const small = fc.nat(3);
const shapeOp: fc.Arbitrary<ShapeOp> = fc.oneof(
  fc.record({ kind: fc.constant('setN' as const), i: fc.nat(NUMS.length - 1) }),
  fc.constant({ kind: 'incN' as const }),
  fc.record({ kind: fc.constant('setS' as const), i: fc.nat(STRS.length - 1) }),
  fc.record({ kind: fc.constant('push' as const), c: small, max: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'pop' as const }),
  fc.constant({ kind: 'shift' as const }),
  fc.record({ kind: fc.constant('splice' as const), at: small, c: small }),
  fc.record({ kind: fc.constant('index' as const), at: small, c: small }),
  fc.record({ kind: fc.constant('obj' as const), mode: fc.nat(2) }),
  fc.constant({ kind: 'deep' as const }),
  fc.record({ kind: fc.constant('addItem' as const), id: small }),
  fc.record({ kind: fc.constant('toggle' as const), at: small }),
  fc.constant({ kind: 'dropOff' as const }),
  fc.record({ kind: fc.constant('awaitQ' as const), c: small }),
  fc.record({ kind: fc.constant('choice' as const), c: small }),
  fc.record({ kind: fc.constant('assert' as const), c: small }),
  fc.record({ kind: fc.constant('call' as const), c: small }),
  fc.record({ kind: fc.constant('local' as const), i: fc.nat(STRS.length - 1) }),
  fc.record({ kind: fc.constant('loop' as const), c: small }),
  fc.constant({ kind: 'alias' as const }),
);

const shapeProp: fc.Arbitrary<ShapeProp> = fc.oneof(
  fc.record({ kind: fc.constant('never' as const), c: fc.nat(NUMS.length - 1) }),
  fc.record({ kind: fc.constant('reach' as const), len: fc.nat(4) }),
  fc.record({ kind: fc.constant('end' as const), c: small }),
  fc.record({ kind: fc.constant('exit' as const), c: small }),
  fc.record({ kind: fc.constant('items' as const), atMost: fc.nat(3) }),
);

export const shapeModel: fc.Arbitrary<ShapeModel> = fc.integer({ min: 2, max: 3 }).chain((actors) =>
  fc.record({
    bodies: fc.array(fc.array(shapeOp, { minLength: 1, maxLength: 5 }), { minLength: actors, maxLength: actors }),
    cyclic: fc.array(fc.boolean(), { minLength: actors, maxLength: actors }),
    props: fc.array(shapeProp, { maxLength: 2 }),
  }),
);

type Ctx = StepContext<Shared, Locals>;

/** A routine the `call` op enters: it reads its argument, touches the list, and returns a value. */
const helper = routine<Shared, { k: number; seen: number[] }, { k: number }>('helper', {
  locals: ({ k }) => ({ k, seen: [] }),
  body: [
    either('helper: seen.push(q.length)', [{ do: ({ g, my }) => void my.seen.push(g.q.length) }]),
    either('helper: return k + seen[0]', [{ do: ({ my, ret }) => ret(my.k + my.seen[0]!) }]),
  ],
});

function statementOf(o: ShapeOp, k: number, last: boolean, cyclic: boolean): Statement<Shared, Locals> {
  const label = `${k}: ${JSON.stringify(o)}`;
  const options = { name: `s${k}`, ...(last && cyclic ? { then: 's0' } : {}) };
  const one = (alt: Alternative<Shared, Locals>): Statement<Shared, Locals> => either(label, [alt], options);
  switch (o.kind) {
    case 'setN':
      return one({ do: ({ g }: Ctx) => void (g.n = NUMS[o.i]!) });
    case 'incN':
      return one({ when: (g) => g.n < 3, do: ({ g }: Ctx) => void (g.n += 1) });
    case 'setS':
      return one({ do: ({ g }: Ctx) => void (g.s = STRS[o.i]!) });
    case 'push':
      return one({ when: (g) => g.q.length < o.max, do: ({ g }: Ctx) => void g.q.push(o.c) });
    case 'pop':
      return one({ do: ({ g, my }: Ctx) => void (my.r = g.q.pop() ?? null) });
    case 'shift':
      return one({ do: ({ g }: Ctx) => void g.q.shift() });
    case 'splice':
      return one({ when: (g) => g.q.length < 4, do: ({ g }: Ctx) => void g.q.splice(Math.min(o.at, g.q.length), 0, o.c) });
    case 'index':
      return one({ when: (g) => o.at <= g.q.length && g.q.length < 5, do: ({ g }: Ctx) => void (g.q[o.at] = o.c) });
    case 'obj':
      return one({
        do: ({ g }: Ctx) => {
          if (o.mode === 0) g.obj = null;
          else if (o.mode === 1) g.obj = { a: g.q.length, b: null };
          else if (g.obj !== null) g.obj.b = { c: g.n === 0.5 ? 1 : 0 };
        },
      });
    case 'deep':
      return one({ when: (g) => g.obj?.b != null, do: ({ g }: Ctx) => void (g.obj!.b!.c = (g.obj!.b!.c + 1) % 3) });
    case 'addItem':
      return one({ when: (g) => g.items.length < 3, do: ({ g }: Ctx) => void g.items.push({ id: o.id, on: false }) });
    case 'toggle':
      return one({ when: (g) => o.at < g.items.length, do: ({ g }: Ctx) => void (g.items[o.at]!.on = !g.items[o.at]!.on) });
    case 'dropOff':
      return one({ do: ({ g }: Ctx) => void (g.items = g.items.filter((it) => it.on)) });
    case 'awaitQ':
      return one({ when: (g) => g.q.includes(o.c) || g.q.length === 0, do: ({ my }: Ctx) => void (my.x = (my.x + 1) % 2) });
    case 'choice':
      return either(label, [{ label: 'push', when: (g) => g.q.length < 3, do: ({ g }: Ctx) => void g.q.push(o.c) }, { label: 'local', do: ({ my }: Ctx) => void (my.x = 1) }], options);
    case 'assert':
      return one({ do: ({ g, assert }: Ctx) => assert(g.q.filter((x) => x === o.c).length < 3, `three ${o.c}s queued`) });
    case 'call':
      return one({ do: ({ call }: Ctx) => call(helper, { k: o.c }, 'r') });
    case 'local':
      return one({ do: ({ my }: Ctx) => void (my.tag = STRS[o.i] ?? 'none') });
    case 'loop':
      return one({ do: ({ g, goto }: Ctx) => (g.q[0] === o.c && !last ? goto('s0') : undefined) });
    case 'alias':
      // A list held across a write elsewhere keeps its changes.
      return one({
        do: ({ g }: Ctx) => {
          const q = g.q;
          g.obj = { a: q.length, b: null };
          if (q.length < 3) q.push(2);
        },
      });
  }
}

function propertyOf(p: ShapeProp, i: number): Property<Shared> {
  const name = `p${i}`;
  switch (p.kind) {
    case 'never':
      return always<Shared>(name, (g) => g.n !== NUMS[p.c]);
    case 'reach':
      return sometimes<Shared>(name, (g) => g.q.length === p.len);
    case 'end':
      return atEnd<Shared>(name, (g) => !g.q.includes(p.c));
    case 'exit':
      return onExit<Shared>(name, (g, w, tid) => g.q[0] !== p.c || w.locals(tid).x !== undefined);
    case 'items':
      return always<Shared>(name, (g) => g.items.filter((it) => it.on).length <= p.atMost);
  }
}

export function buildShapeModel(spec: ShapeModel): ModelDefinition<Record<string, never>, Shared> {
  return defineModel({
    name: 'random-shapes',
    description: JSON.stringify(spec),
    params: {},
    build: () => {
      const routines = spec.bodies.map((body, b) =>
        routine<Shared, Locals>(`body${b}`, {
          locals: () => ({ x: 0, r: null, tag: 'none' }),
          body: body.map((o, k) => statementOf(o, k, k === body.length - 1, spec.cyclic[b] ?? false)),
        }),
      );
      return {
        shared: { n: 0, s: null, q: [], obj: null, items: [] },
        actors: routines.map((r, a) => ({ name: `a${a}`, routine: r })),
        properties: spec.props.map(propertyOf),
      };
    },
  });
}
