/**
 * Small random multi-actor models for differential testing of the reductions: shared variables
 * with a few values, per-actor slots, locals, guards, locks, loops, assertions that sometimes
 * fail, invariants and reachability properties over random variables, deadlocks from locks (which
 * take part in lock-order tracking) and
 * guards that never become true, and (in symmetric models) interchangeable actors declared as a
 * symmetry group. Every statement declares its exact footprint, so partial-order reduction has
 * something to work with; the models are plain data first so fast-check shrinks and prints them.
 */
import fc from 'fast-check';
import { defineModel, type ModelDefinition } from '../core/model.ts';
import { either, routine, type Alternative, type Footprint, type Statement, type StepContext } from '../core/program.ts';
import { always, atEnd, onExit, reading, sometimes, type Property, type WorldView } from '../core/property.ts';
import type { Renaming } from '../core/symmetry.ts';

/** Values of a shared variable or slot: 0..2. */
const VALUES = 3;

export type Op =
  | { readonly kind: 'local' }
  | { readonly kind: 'set'; readonly v: number; readonly c: number }
  | { readonly kind: 'inc'; readonly v: number }
  | { readonly kind: 'copy'; readonly v: number; readonly from: number }
  | { readonly kind: 'await'; readonly v: number; readonly c: number; readonly then: number; readonly d: number }
  | { readonly kind: 'lock'; readonly l: number }
  | { readonly kind: 'unlock'; readonly l: number }
  | { readonly kind: 'choice'; readonly v: number; readonly c: number }
  | { readonly kind: 'assert'; readonly v: number; readonly c: number }
  | { readonly kind: 'loop'; readonly v: number; readonly c: number }
  | { readonly kind: 'mine'; readonly c: number }
  | { readonly kind: 'awaitMine'; readonly c: number }
  | { readonly kind: 'publish'; readonly v: number };

export type Prop =
  | { readonly kind: 'never'; readonly a: number; readonly b: number; readonly c: number; readonly d: number; readonly declared: boolean }
  | { readonly kind: 'reach'; readonly a: number; readonly b: number }
  | { readonly kind: 'slots'; readonly c: number; readonly atMost: number }
  | { readonly kind: 'end'; readonly a: number; readonly b: number }
  | { readonly kind: 'exit'; readonly a: number; readonly b: number; readonly declared: boolean }
  | { readonly kind: 'at'; readonly k: number; readonly always: boolean };

export interface RandomModel {
  readonly vars: number;
  readonly locks: number;
  /** Symmetric: every actor runs `bodies[0]`, and they form one symmetry group. */
  readonly symmetric: boolean;
  readonly actors: number;
  readonly bodies: readonly (readonly Op[])[];
  /** The last statement loops back to the start instead of finishing. */
  readonly cyclic: readonly boolean[];
  readonly props: readonly Prop[];
}

interface Lock {
  kind: 'mutex';
  name: string;
  owner: number | null;
}
interface Shared {
  v: number[];
  l: Lock[];
  mine: number[];
}
type Locals = { x: number };

const op = (vars: number, locks: number, symmetric: boolean): fc.Arbitrary<Op> => {
  const v = fc.nat(vars - 1);
  const c = fc.nat(VALUES - 1);
  const ops: fc.Arbitrary<Op>[] = [
    fc.constant({ kind: 'local' as const }),
    fc.record({ kind: fc.constant('set' as const), v, c }),
    fc.record({ kind: fc.constant('inc' as const), v }),
    fc.record({ kind: fc.constant('copy' as const), v, from: v }),
    fc.record({ kind: fc.constant('await' as const), v, c, then: v, d: c }),
    fc.record({ kind: fc.constant('choice' as const), v, c }),
    fc.record({ kind: fc.constant('assert' as const), v, c }),
    fc.record({ kind: fc.constant('loop' as const), v, c }),
  ];
  if (locks > 0) {
    // Locks weigh more, so nested acquisitions (and lock-order inversions) are common.
    const lock = fc.record({ kind: fc.constant('lock' as const), l: fc.nat(locks - 1) });
    ops.push(lock, lock, lock);
    ops.push(fc.record({ kind: fc.constant('unlock' as const), l: fc.nat(locks - 1) }));
  }
  if (symmetric) {
    ops.push(fc.record({ kind: fc.constant('mine' as const), c }));
    ops.push(fc.record({ kind: fc.constant('awaitMine' as const), c }));
    ops.push(fc.record({ kind: fc.constant('publish' as const), v }));
  }
  return fc.oneof(...ops);
};

const prop = (vars: number, actors: number, symmetric: boolean): fc.Arbitrary<Prop> => {
  const v = fc.nat(vars - 1);
  const c = fc.nat(VALUES - 1);
  const props: fc.Arbitrary<Prop>[] = [
    fc.record({ kind: fc.constant('never' as const), a: v, b: c, c: v, d: c, declared: fc.boolean() }),
    fc.record({ kind: fc.constant('reach' as const), a: v, b: c }),
    fc.record({ kind: fc.constant('end' as const), a: v, b: c }),
    fc.record({ kind: fc.constant('exit' as const), a: v, b: c, declared: fc.boolean() }),
    fc.record({ kind: fc.constant('at' as const), k: fc.nat(3), always: fc.boolean() }),
  ];
  if (symmetric) props.push(fc.record({ kind: fc.constant('slots' as const), c, atMost: fc.nat(actors - 1) }));
  return fc.oneof(...props);
};

export const randomModel: fc.Arbitrary<RandomModel> = fc
  .record({ vars: fc.integer({ min: 1, max: 3 }), locks: fc.nat(2), symmetric: fc.boolean(), actors: fc.integer({ min: 2, max: 3 }) })
  .chain(({ vars, locks, symmetric, actors }) =>
    fc.record({
      vars: fc.constant(vars),
      locks: fc.constant(locks),
      symmetric: fc.constant(symmetric),
      actors: fc.constant(actors),
      bodies: fc.array(fc.array(op(vars, locks, symmetric), { minLength: 1, maxLength: 4 }), {
        minLength: symmetric ? 1 : actors,
        maxLength: symmetric ? 1 : actors,
      }),
      cyclic: fc.array(fc.boolean(), { minLength: actors, maxLength: actors }),
      props: fc.array(prop(vars, actors, symmetric), { maxLength: 2 }),
    }),
  );

/** Footprint paths of an op for thread `tid` (its slot is `mine.<tid>`: the group is every actor). */
function footprint(o: Op, tid: number): Footprint {
  switch (o.kind) {
    case 'local':
      return {};
    case 'set':
    case 'choice':
      return { writes: [`v.${o.v}`] };
    case 'inc':
      return { reads: [`v.${o.v}`], writes: [`v.${o.v}`] };
    case 'copy':
      return { reads: [`v.${o.from}`], writes: [`v.${o.v}`] };
    case 'await':
      return { reads: [`v.${o.v}`], writes: [`v.${o.then}`] };
    case 'lock':
    case 'unlock':
      return { reads: [`l.${o.l}`], writes: [`l.${o.l}`] };
    case 'assert':
    case 'loop':
      return { reads: [`v.${o.v}`] };
    case 'mine':
      return { writes: [`mine.${tid}`] };
    case 'awaitMine':
      return { reads: [`mine.${tid}`] };
    case 'publish':
      return { reads: [`mine.${tid}`], writes: [`v.${o.v}`] };
  }
}

type Ctx = StepContext<Shared, Locals>;

/**
 * Locks held whenever each statement of a body runs: in a straight-line body (no loop op, not
 * cyclic), those taken before it and not released; otherwise none are declared.
 */
function holdings(body: readonly Op[], cyclic: boolean): string[][] {
  if (cyclic || body.some((o) => o.kind === 'loop')) return body.map(() => []);
  const held = new Set<number>();
  return body.map((o) => {
    const before = [...held].sort().map((l) => `l.${l}`);
    if (o.kind === 'lock') held.add(o.l);
    if (o.kind === 'unlock') held.delete(o.l);
    return before;
  });
}

function statementOf(o: Op, k: number, last: boolean, cyclic: boolean, holding: readonly string[]): Statement<Shared, Locals> {
  const label = `${k}: ${describeOp(o)}`;
  const options = {
    name: `s${k}`,
    footprint: (tid: number) => ({ ...footprint(o, tid), holding }),
    ...(last && cyclic ? { then: 's0' } : {}),
  };
  const one = (alt: Alternative<Shared, Locals>): Statement<Shared, Locals> => either(label, [alt], options);
  switch (o.kind) {
    case 'local':
      return one({ do: ({ my }: Ctx) => void (my.x = (my.x + 1) % 2) });
    case 'set':
      return one({ do: ({ g }: Ctx) => void (g.v[o.v] = o.c) });
    case 'inc':
      return one({ do: ({ g }: Ctx) => void (g.v[o.v] = (g.v[o.v]! + 1) % VALUES) });
    case 'copy':
      return one({ do: ({ g }: Ctx) => void (g.v[o.v] = g.v[o.from]!) });
    case 'await':
      return one({ when: (g) => g.v[o.v] === o.c, do: ({ g }: Ctx) => void (g.v[o.then] = o.d) });
    case 'lock':
      return one({ when: (g) => g.l[o.l]!.owner === null, do: ({ g, tid }: Ctx) => void (g.l[o.l]!.owner = tid), acquires: (g) => g.l[o.l]!.name });
    case 'unlock':
      return one({ do: ({ g, tid }: Ctx) => void (g.l[o.l]!.owner === tid ? (g.l[o.l]!.owner = null) : undefined) });
    case 'choice':
      return either(label, [{ label: 'shared', do: ({ g }: Ctx) => void (g.v[o.v] = o.c) }, { label: 'local', do: ({ my }: Ctx) => void (my.x = 1) }], options);
    case 'assert':
      return one({ do: ({ g, assert }: Ctx) => assert(g.v[o.v] !== o.c, `v${o.v} is ${o.c}`) });
    case 'loop':
      return one({ do: ({ g, goto }: Ctx) => (g.v[o.v] === o.c && !last ? goto('s0') : undefined) });
    case 'mine':
      return one({ do: ({ g, tid }: Ctx) => void (g.mine[tid] = o.c) });
    case 'awaitMine':
      return one({ when: (g, _my, tid) => g.mine[tid] === o.c });
    case 'publish':
      return one({ do: ({ g, tid }: Ctx) => void (g.v[o.v] = g.mine[tid]!) });
  }
}

export function describeOp(o: Op): string {
  return JSON.stringify(o);
}

function propertyOf(p: Prop, i: number): Property<Shared> {
  const name = `p${i}`;
  switch (p.kind) {
    case 'never': {
      const pr = always<Shared>(name, (g) => !(g.v[p.a] === p.b && g.v[p.c] === p.d));
      return p.declared ? reading(pr, [`v.${p.a}`, `v.${p.c}`]) : pr;
    }
    case 'reach':
      return reading(sometimes<Shared>(name, (g) => g.v[p.a] === p.b), [`v.${p.a}`]);
    case 'slots':
      return reading(always<Shared>(name, (g) => g.mine.filter((m) => m === p.c).length <= p.atMost), ['mine']);
    case 'end':
      return reading(atEnd<Shared>(name, (g) => g.v[p.a] !== p.b), [`v.${p.a}`]);
    case 'exit': {
      // Checked on the step that finishes a thread, over shared state another actor may write.
      const pr = onExit<Shared>(name, (g) => g.v[p.a] !== p.b);
      return p.declared ? reading(pr, [`v.${p.a}`]) : pr;
    }
    case 'at': {
      // Some thread's own position: preserved by the reduction without making any step visible.
      const someAt = (w: WorldView): boolean => Array.from({ length: w.threadCount }, (_, t) => t).some((t) => w.at(t, `s${p.k}`));
      return reading(p.always ? always<Shared>(name, (_g, w) => !someAt(w)) : sometimes<Shared>(name, (_g, w) => someAt(w)), ['@local']);
    }
  }
}

/** Renames members in the shared state: slots move, lock owners are renamed. */
function permute(g: Shared, r: Renaming): Shared {
  const mine = g.mine.slice();
  g.mine.forEach((m, i) => (mine[r.to[i]!] = m));
  return { v: g.v, l: g.l.map((k) => (k.owner === null ? k : { ...k, owner: r.rename(k.owner) })), mine };
}

export function buildRandom(spec: RandomModel): ModelDefinition<Record<string, never>, Shared> {
  return defineModel({
    name: 'random',
    description: JSON.stringify(spec),
    params: {},
    build: () => {
      const routines = spec.bodies.map((body, b) =>
        routine<Shared, Locals>(`body${b}`, {
          locals: () => ({ x: 0 }),
          body: body.map((o, k) => statementOf(o, k, k === body.length - 1, spec.cyclic[b] ?? false, holdings(body, spec.cyclic[b] ?? false)[k]!)),
        }),
      );
      const actors = Array.from({ length: spec.actors }, (_, a) => ({ name: `a${a}`, routine: routines[spec.symmetric ? 0 : a]! }));
      return {
        shared: { v: Array(spec.vars).fill(0), l: Array.from({ length: spec.locks }, (_, k): Lock => ({ kind: 'mutex', name: `L${k}`, owner: null })), mine: Array(spec.actors).fill(0) },
        actors,
        properties: spec.props.map(propertyOf),
        ...(spec.symmetric
          ? { symmetry: [{ actors: actors.map((a) => a.name), permute, sortKey: (g: Shared, m: number) => g.mine[m]! }] }
          : {}),
      };
    },
  });
}

/** Models that mostly take two locks in turn (in random orders: lock-order inversions are common) around a shared step. */
export const lockingModel: fc.Arbitrary<RandomModel> = fc
  .record({ locks: fc.integer({ min: 2, max: 3 }), symmetric: fc.boolean(), actors: fc.integer({ min: 2, max: 3 }) })
  .chain(({ locks, symmetric, actors }) => {
    const l = fc.nat(locks - 1);
    const body: fc.Arbitrary<Op[]> = fc
      .record({ a: l, b: l, inner: op(1, 0, symmetric), release: fc.boolean() })
      .map(({ a, b, inner, release }): Op[] => [
        { kind: 'lock', l: a },
        { kind: 'lock', l: b },
        inner,
        ...(release ? ([{ kind: 'unlock', l: b }, { kind: 'unlock', l: a }] as const) : []),
      ]);
    return fc.record({
      vars: fc.constant(1),
      locks: fc.constant(locks),
      symmetric: fc.constant(symmetric),
      actors: fc.constant(actors),
      bodies: fc.array(body, { minLength: symmetric ? 1 : actors, maxLength: symmetric ? 1 : actors }),
      cyclic: fc.array(fc.boolean(), { minLength: actors, maxLength: actors }),
      props: fc.array(prop(1, actors, symmetric), { maxLength: 1 }),
    });
  });

/** What the fuzz tests draw from: general models, and one in three taking locks in turn. */
export const fuzzModel: fc.Arbitrary<RandomModel> = fc.oneof({ arbitrary: randomModel, weight: 2 }, { arbitrary: lockingModel, weight: 1 });
