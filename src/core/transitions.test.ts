import { describe, expect, it } from 'vitest';
import { pcs, topLocals, toy, walk } from '../testing/helpers.ts';
import { ModelError } from './errors.ts';
import { call, either, label, routine, step, when } from './program.ts';
import { applyTransition, enabledTransitions, transitionLabel } from './transitions.ts';

/** Catches what `f` throws (the test fails if nothing is thrown). */
function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function modelErrorOf(f: () => unknown): ModelError {
  const e = thrownBy(f);
  expect(e).toBeInstanceOf(ModelError);
  return e as ModelError;
}

describe('enabledTransitions', () => {
  type G = { x: number };
  const chooser = routine<G>('chooser', {
    body: [
      either('choose', [
        { label: 'left', do: ({ g }) => { g.x += 1; } },
        { label: 'blocked', when: () => false, do: ({ g }) => { g.x += 100; } },
        { label: 'right', when: (g) => g.x >= 0, do: ({ g }) => { g.x -= 1; } },
      ]),
    ],
  });
  const other = routine<G>('other', { body: [step('noop')] });

  it('lists steps by thread id, then alternative, skipping blocked alternatives', () => {
    // Actor names deliberately not in alphabetical order: the order is by thread id.
    const m = toy('order', { x: 0 }, [
      { name: 'zed', routine: chooser },
      { name: 'alpha', routine: other },
      { name: 'mid', routine: chooser },
    ]);
    const enabled = enabledTransitions(m, m.initial);
    expect(enabled).toEqual([
      { tid: 0, fn: 0, stmt: 0, alt: 0 },
      { tid: 0, fn: 0, stmt: 0, alt: 2 },
      { tid: 1, fn: 1, stmt: 0, alt: 0 },
      { tid: 2, fn: 0, stmt: 0, alt: 0 },
      { tid: 2, fn: 0, stmt: 0, alt: 2 },
    ]);
    expect(enabled.map((t) => transitionLabel(m, t))).toEqual([
      'choose → left',
      'choose → right',
      'noop',
      'choose → left',
      'choose → right',
    ]);
  });

  it('gives one transition per enabled alternative, each with its own successor', () => {
    const m = toy('either', { x: 0 }, [{ name: 'c', routine: chooser }]);
    const [left, right] = enabledTransitions(m, m.initial);
    const a = applyTransition(m, m.initial, left!);
    const b = applyTransition(m, m.initial, right!);
    expect(a.kind === 'next' && a.world.shared).toEqual({ x: 1 });
    expect(b.kind === 'next' && b.world.shared).toEqual({ x: -1 });
    // Guards see the state: with x = -1, 'right' is blocked too.
    expect(enabledTransitions(m, walk(m, [1])).map((t) => t.alt)).toEqual([]);
  });

  it('blocks a when() until its guard holds', () => {
    const waiter = routine<G>('waiter', { body: [when('wait for x == 1', (g) => g.x === 1), step('after')] });
    const setter = routine<G>('setter', { body: [step('x = 1', ({ g }) => { g.x = 1; })] });
    const m = toy('when', { x: 0 }, [
      { name: 'waiter', routine: waiter },
      { name: 'setter', routine: setter },
    ]);
    expect(enabledTransitions(m, m.initial).map((t) => t.tid)).toEqual([1]);
    const w = walk(m, [0]);
    expect(enabledTransitions(m, w).map((t) => ({ tid: t.tid, label: transitionLabel(m, t) }))).toEqual([
      { tid: 0, label: 'wait for x == 1' },
    ]);
    // Passing a when() without an effect changes only the program counter.
    const out = applyTransition(m, w, enabledTransitions(m, w)[0]!);
    expect(out.kind).toBe('next');
    const after = out.kind === 'next' ? out.world : w;
    expect(after.shared).toBe(w.shared);
    expect(pcs(after, 0)).toEqual([1]);
  });

  it('lists nothing for a finished thread', () => {
    const m = toy('finish', { x: 0 }, [{ name: 'o', routine: other }]);
    const done = walk(m, [0]);
    expect(done.threads[0]).toEqual([]);
    expect(enabledTransitions(m, done)).toEqual([]);
  });
});

describe('control flow', () => {
  type G = { x: number };

  it('goto jumps to a label', () => {
    const r = routine<G, { n: number }>('counter', {
      locals: () => ({ n: 0 }),
      body: [
        step('start', ({ g }) => { g.x = 10; }),
        label('top'),
        step('n++', ({ my, goto }) => {
          my.n++;
          if (my.n < 3) goto('top');
        }),
        step('done', ({ g, my }) => { g.x = my.n; }),
      ],
    });
    const m = toy('goto', { x: 0 }, [{ name: 'A', routine: r }]);
    expect(pcs(walk(m, [0]), 0)).toEqual([1]);
    expect(pcs(walk(m, [0, 0]), 0)).toEqual([1]);
    expect(topLocals(walk(m, [0, 0]), 0)).toEqual({ n: 1 });
    const three = walk(m, [0, 0, 0, 0]);
    expect(topLocals(three, 0)).toEqual({ n: 3 });
    expect(pcs(three, 0)).toEqual([2]);
    expect(transitionLabel(m, enabledTransitions(m, three)[0]!)).toBe('done');
    const end = walk(m, [0, 0, 0, 0, 0]);
    expect(end.shared).toEqual({ x: 3 });
    expect(end.threads[0]).toEqual([]);
  });

  it('a goto to a label at the end of the routine finishes it', () => {
    const r = routine<G>('skip', {
      body: [step('goto out', ({ goto }) => goto('out')), step('never', ({ g }) => { g.x = 99; }), label('out')],
    });
    const m = toy('goto-end', { x: 0 }, [{ name: 'A', routine: r }]);
    const [t] = enabledTransitions(m, m.initial);
    const out = applyTransition(m, m.initial, t!);
    expect(out).toMatchObject({ kind: 'next', exited: true });
    expect(out.kind === 'next' && out.world.shared).toEqual({ x: 0 });
  });

  it('the `then` option loops back to a named statement', () => {
    const r = routine<G>('server', {
      body: [step('first', ({ g }) => { g.x = 100; }), step('tick', ({ g }) => { g.x++; }, { name: 'loop', then: 'loop' })],
    });
    const m = toy('then', { x: 0 }, [{ name: 'S', routine: r }]);
    const w = walk(m, [0, 0, 0, 0]);
    expect(w.shared).toEqual({ x: 103 });
    expect(pcs(w, 0)).toEqual([1]);
  });

  it('a goto in the step overrides its `then`', () => {
    const r = routine<G>('r', {
      body: [
        step('loop or leave', ({ g, goto }) => { g.x++; if (g.x === 2) goto('leave'); }, { name: 'loop', then: 'loop' }),
        label('leave'),
        step('after', ({ g }) => { g.x = -g.x; }),
      ],
    });
    const m = toy('then-goto', { x: 0 }, [{ name: 'A', routine: r }]);
    expect(pcs(walk(m, [0]), 0)).toEqual([0]);
    expect(pcs(walk(m, [0, 0]), 0)).toEqual([1]);
    expect(walk(m, [0, 0, 0]).shared).toEqual({ x: -2 });
  });

  it('ctx.stay() runs the same statement again', () => {
    const r = routine<G>('r', {
      body: [step('until 3', ({ g, stay }) => { g.x++; if (g.x < 3) stay(); }), step('after')],
    });
    const m = toy('stay', { x: 0 }, [{ name: 'A', routine: r }]);
    expect(pcs(walk(m, [0, 0]), 0)).toEqual([0]);
    expect(pcs(walk(m, [0, 0, 0]), 0)).toEqual([1]);
    expect(walk(m, [0, 0, 0]).shared).toEqual({ x: 3 });
  });

  describe('calls', () => {
    type S = { base: number; x: number };
    const add1 = routine<S, { n: number }, { n: number }>('add1', {
      locals: ({ n }) => ({ n }),
      body: [step('return n + 1', ({ my, ret }) => ret(my.n + 1))],
    });

    it('call() enters a shared routine at once and `into` receives its return value', () => {
      const a = routine<S, { r: number }>('a_main', {
        locals: () => ({ r: 0 }),
        body: [call(add1, { n: 1 }, { into: 'r' }), step('use r', ({ g, my }) => { g.x = my.r; })],
      });
      const b = routine<S, { r: number }>('b_main', {
        locals: () => ({ r: 0 }),
        body: [call(add1, (g: S) => ({ n: g.base }), { into: 'r' }), step('after')],
      });
      const m = toy('call', { base: 10, x: 0 }, [
        { name: 'A', routine: a },
        { name: 'B', routine: b },
      ]);
      // The call has no step of its own: both threads start inside add1 (one shared routine index).
      expect(m.initial.threads.map((s) => s.length)).toEqual([2, 2]);
      expect(m.initial.threads[0]![1]!.fn).toBe(m.initial.threads[1]![1]!.fn);
      expect(topLocals(m.initial, 0)).toEqual({ n: 1 });
      expect(topLocals(m.initial, 1)).toEqual({ n: 10 });
      const enabled = enabledTransitions(m, m.initial);
      expect(enabled.map((t) => `${t.tid}:${transitionLabel(m, t)}`)).toEqual(['0:return n + 1', '1:return n + 1']);

      const w = walk(m, [0, 1]);
      expect(w.threads[0]!.length).toBe(1);
      expect(topLocals(w, 0)).toEqual({ r: 2 });
      expect(topLocals(w, 1)).toEqual({ r: 11 });
      expect(walk(m, [0, 1, 0]).shared).toEqual({ base: 10, x: 2 });
    });

    it('ctx.call() from a step enters the routine after the step', () => {
      const main = routine<S, { r: number }>('main', {
        locals: () => ({ r: 0 }),
        body: [step('enter add1(5)', ({ call: enter }) => enter(add1, { n: 5 }, 'r')), step('after')],
      });
      const m = toy('ctx-call', { base: 0, x: 0 }, [{ name: 'A', routine: main }]);
      const inside = walk(m, [0]);
      expect(pcs(inside, 0)).toEqual([1, 0]);
      expect(topLocals(inside, 0)).toEqual({ n: 5 });
      const back = walk(m, [0, 0]);
      expect(pcs(back, 0)).toEqual([1]);
      expect(topLocals(back, 0)).toEqual({ r: 6 });
    });

    it('falling off the end of a callee returns null into `into`', () => {
      const noRet = routine<S>('no_ret', { body: [step('work', ({ g }) => { g.x++; })] });
      const main = routine<S, { r: unknown }>('main', {
        locals: () => ({ r: 'unset' }),
        body: [call(noRet, undefined, { into: 'r' }), step('after')],
      });
      const m = toy('fall-off', { base: 0, x: 0 }, [{ name: 'A', routine: main }]);
      expect(topLocals(walk(m, [0]), 0)).toEqual({ r: null });
    });

    it('ctx.ret(value) from the outermost routine finishes the thread', () => {
      const r = routine<S>('r', { body: [step('ret', ({ ret }) => ret(7)), step('never', ({ g }) => { g.x = 1; })] });
      const m = toy('ret-outer', { base: 0, x: 0 }, [{ name: 'A', routine: r }]);
      const out = applyTransition(m, m.initial, enabledTransitions(m, m.initial)[0]!);
      expect(out).toMatchObject({ kind: 'next', exited: true });
      expect(out.kind === 'next' && out.world.threads[0]).toEqual([]);
    });

    it('ctx.exit() finishes the thread from inside a nested routine', () => {
      const quit = routine<S>('quit', { body: [step('exit', ({ g, exit }) => { g.x = 5; exit(); }), step('never')] });
      const main = routine<S>('main', { body: [call(quit), step('after call', ({ g }) => { g.x = 99; })] });
      const m = toy('exit', { base: 0, x: 0 }, [
        { name: 'A', routine: main },
        { name: 'B', routine: main },
      ]);
      expect(m.initial.threads[0]!.length).toBe(2);
      const out = applyTransition(m, m.initial, enabledTransitions(m, m.initial)[0]!);
      expect(out.kind).toBe('next');
      if (out.kind !== 'next') return;
      expect(out.exited).toBe(true);
      expect(out.world.threads[0]).toEqual([]);
      expect(out.world.threads[1]!.length).toBe(2);
      expect(out.world.shared).toEqual({ base: 0, x: 5 });
    });

    it('ctx.ret() of a value read from the draft delivers plain data to the caller', () => {
      type A = { arr: number[] };
      const sub = routine<A>('sub', { body: [step('return g.arr', (c) => c.ret(c.g.arr))] });
      const main = routine<A, { got: unknown }>('main', {
        locals: () => ({ got: null }),
        body: [call(sub, undefined, { into: 'got' }), step('after')],
      });
      const m = toy('ret-draft', { arr: [1, 2] }, [{ name: 'A', routine: main }]);
      const w = walk(m, [0]);
      expect(JSON.parse(JSON.stringify(topLocals(w, 0)))).toEqual({ got: [1, 2] });
    });
  });
});

describe('assertions', () => {
  type G = { x: number };

  it('a failed ctx.assert is a `failed` outcome naming the property', () => {
    const r = routine<G>('r', {
      body: [step('check', ({ g, assert }) => { g.x = 1; assert(g.x === 0, 'x must stay 0', 'x stays zero'); })],
    });
    const m = toy('assert', { x: 0 }, [{ name: 'A', routine: r }]);
    const out = applyTransition(m, m.initial, enabledTransitions(m, m.initial)[0]!);
    expect(out).toEqual({ kind: 'failed', verdict: 'violation', property: 'x stays zero', message: 'x must stay 0' });
  });

  it('ctx.assert without a property name reports "assertion"; a passing assert changes nothing else', () => {
    const r = routine<G>('r', {
      body: [step('ok', ({ assert }) => assert(true, 'fine')), step('bad', ({ assert }) => assert(false, 'bad'))],
    });
    const m = toy('assert-default', { x: 0 }, [{ name: 'A', routine: r }]);
    const w = walk(m, [0]);
    expect(pcs(w, 0)).toEqual([1]);
    expect(applyTransition(m, w, enabledTransitions(m, w)[0]!)).toEqual({
      kind: 'failed',
      verdict: 'violation',
      property: 'assertion',
      message: 'bad',
    });
  });

  it('ctx.deadlock is a `failed` outcome with verdict deadlock', () => {
    const r = routine<G>('r', { body: [step('relock', ({ deadlock }) => deadlock('self-deadlock'))] });
    const m = toy('ctx-deadlock', { x: 0 }, [{ name: 'A', routine: r }]);
    expect(applyTransition(m, m.initial, enabledTransitions(m, m.initial)[0]!)).toEqual({
      kind: 'failed',
      verdict: 'deadlock',
      property: 'deadlock',
      message: 'self-deadlock',
    });
  });
});

describe('model errors', () => {
  type G = { x: number; obj: { v: number } };
  const init = (): G => ({ x: 0, obj: { v: 0 } });
  const run = (m: ReturnType<typeof toy<G>>, choices: number[]) => () => walk(m, choices);

  it('a step that returns a value', () => {
    const r = routine<G>('r', { body: [step('x = 1', ({ g }) => (g.x = 1))] });
    const m = toy('returns', init(), [{ name: 'writer', routine: r }]);
    const e = modelErrorOf(run(m, [0]));
    expect(e.site).toEqual({ model: 'returns', actor: 'writer', step: 'x = 1' });
    expect(e.message).toContain('model returns, actor writer, step "x = 1": the step returned a value (1)');
    expect(e.message).toContain('write `c => { c.g.x = 1; }`');
  });

  it('a step that throws', () => {
    const r = routine<G>('r', {
      body: [step('boom', () => { throw new RangeError('kaboom'); })],
    });
    const m = toy('throws', init(), [{ name: 'bomber', routine: r }]);
    const e = modelErrorOf(run(m, [0]));
    expect(e.message).toBe('model throws, actor bomber, step "boom": the step threw: RangeError: kaboom');
    expect((e.cause as Error).message).toBe('kaboom');
  });

  it('a guard that throws', () => {
    const r = routine<G>('r', {
      body: [when('bad guard', () => { throw new Error('nope'); })],
    });
    const m = toy('guard-throws', init(), [{ name: 'g', routine: r }]);
    const e = modelErrorOf(() => enabledTransitions(m, m.initial));
    expect(e.message).toBe('model guard-throws, actor g, step "bad guard": its guard threw: Error: nope');
  });

  it('a step that writes into an object a guard stashed away (frozen state)', () => {
    let stash: { v: number } | undefined;
    const r = routine<G>('r', {
      body: [
        when('peek', (g) => {
          stash = g.obj;
          return true;
        }),
        step('write stash', () => { stash!.v = 9; }),
      ],
    });
    const m = toy('frozen-stash', init(), [{ name: 'sneaky', routine: r }]);
    const e = modelErrorOf(run(m, [0, 0]));
    expect(e.site).toMatchObject({ model: 'frozen-stash', actor: 'sneaky', step: 'write stash' });
    expect(e.message).toContain('model frozen-stash, actor sneaky, step "write stash"');
    expect(e.message).toContain('mutated frozen state outside the draft');
    expect(m.initial.shared.obj.v).toBe(0);
  });

  it('a step that writes into data created by an earlier step (also frozen)', () => {
    let stash: { v: number } | undefined;
    type F = { fresh: { v: number } | null };
    const r = routine<F>('r', {
      body: [
        step('create', ({ g }) => { g.fresh = { v: 1 }; }),
        when('peek', (g) => {
          stash = g.fresh ?? undefined;
          return true;
        }),
        step('write', () => { stash!.v = 2; }),
      ],
    });
    const m = toy('frozen-fresh', { fresh: null } as F, [{ name: 'A', routine: r }]);
    const e = modelErrorOf(() => walk(m, [0, 0, 0]));
    expect(e.message).toContain('actor A, step "write"');
    expect(e.message).toContain('mutated frozen state outside the draft');
  });

  it('a step that writes to world.shared directly', () => {
    let shared: G | undefined;
    const r = routine<G>('r', { body: [step('poke', () => { shared!.x = 5; })] });
    const m = toy('direct', init(), [{ name: 'poker', routine: r }]);
    shared = m.initial.shared;
    const e = modelErrorOf(run(m, [0]));
    expect(e.message).toContain('model direct, actor poker, step "poke": the step threw: it mutated frozen state');
    expect(m.initial.shared.x).toBe(0);
  });

  it('a goto to an unknown label lists the routine labels', () => {
    const r = routine<G>('worker', {
      body: [label('top'), step('jump', ({ goto }) => goto('nowhere')), step('done', undefined, { name: 'finish' })],
    });
    const m = toy('bad-goto', init(), [{ name: 'W', routine: r }]);
    const e = modelErrorOf(run(m, [0]));
    expect(e.site).toEqual({ model: 'bad-goto', actor: 'W', step: 'jump' });
    expect(e.problem).toBe('goto("nowhere"): routine worker has no such label');
    expect(e.hint).toBe('labels in worker: top, finish');
  });

  it('a step that both stays and jumps', () => {
    const r = routine<G>('r', { body: [step('confused', ({ stay, goto }) => { stay(); goto('x'); }), label('x')] });
    const m = toy('stay-goto', init(), [{ name: 'A', routine: r }]);
    expect(modelErrorOf(run(m, [0])).message).toContain('a step cannot both stay and goto');
  });
});
