import { describe, expect, it } from 'vitest';
import { ModelError, UsageError } from '../core/errors.ts';
import { locksHeld } from '../core/kernel/locksHeld.ts';
import { mutex, mutex_lock, mutex_unlock, type Mutex } from '../core/kernel/mutex.ts';
import { compileModel } from '../core/model.ts';
import { always, atEnd, onExit, sometimes } from '../core/property.ts';
import { call, either, routine, step, when } from '../core/program.ts';
import { toy, walk, modelErrorOf } from '../testing/helpers.ts';
import { bothCounted, lostUpdate, type Counter } from '../testing/models.ts';
import { explore } from './explore.ts';
import { catalog } from '../../models/index.ts';

type Empty = Record<string, never>;
const twoSteps = routine<Empty>('two_steps', { body: [step('first'), step('second')] });

/** Two independent threads of two steps: 3 positions each (before, between, finished) → 3 × 3 = 9 states. */
const independent = () =>
  toy<Empty>('independent', {}, [
    { name: 'A', routine: twoSteps },
    { name: 'B', routine: twoSteps },
  ]);

/** A clock for `now`: returns `first` on the first call and `later` on every call after it. */
function jumpClock(first: number, later: number): () => number {
  let calls = 0;
  return () => (calls++ === 0 ? first : later);
}

describe('state counts', () => {
  it('two independent threads with two steps each: 9 states, 12 transitions, depth 4', () => {
    const r = explore(independent());
    expect(r.verdict).toBe('pass');
    expect(r.stats).toMatchObject({ states: 9, transitions: 12, depth: 4 });
    expect(r.witnesses).toEqual([]);
  });

  it('the same under DFS', () => {
    expect(explore(independent(), { strategy: 'dfs' }).stats).toMatchObject({ states: 9, transitions: 12, depth: 4 });
  });

  it('the lost-update counter: 12 states, 14 transitions, depth 4', () => {
    const r = explore(compileModel(lostUpdate()));
    expect(r.verdict).toBe('pass');
    expect(r.stats).toMatchObject({ states: 12, transitions: 14, depth: 4 });
  });

  it('three independent threads: 27 states', () => {
    const m = toy<Empty>('independent3', {}, [
      { name: 'A', routine: twoSteps },
      { name: 'B', routine: twoSteps },
      { name: 'C', routine: twoSteps },
    ]);
    expect(explore(m).stats).toMatchObject({ states: 27, depth: 6 });
  });
});

describe('counterexamples', () => {
  /**
   * A (thread 0): a1, then a2 sets bad. B (thread 1): three steps that change nothing shared.
   * Shortest path to bad: A, A = [0, 0]. DFS expands the last-enabled (B) branch first and only
   * reaches bad after B has finished: B, B, B, A, A = [1, 1, 1, 0, 0].
   */
  type Bad = { bad: boolean };
  const shortAndLong = () =>
    toy<Bad>(
      'short-and-long',
      { bad: false },
      [
        { name: 'A', routine: routine<Bad>('a', { body: [step('a1'), step('a2: bad = true', ({ g }) => { g.bad = true; })] }) },
        { name: 'B', routine: routine<Bad>('b', { body: [step('b1'), step('b2'), step('b3')] }) },
      ],
      [always<Bad>('never bad', (g) => !g.bad)],
    );

  it('BFS gives a shortest counterexample', () => {
    const m = shortAndLong();
    const r = explore(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property).toEqual({ name: 'never bad', kind: 'always' });
    expect(r.message).toBe('invariant "never bad" does not hold');
    expect(r.path).toEqual([0, 0]);
    expect(walk(m, r.path!).shared).toEqual({ bad: true });
    expect(r.pathKeys).toHaveLength(3);
  });

  it('DFS finds the violation too (here by a longer path)', () => {
    const m = shortAndLong();
    const r = explore(m, { strategy: 'dfs' });
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property.name).toBe('never bad');
    expect(r.path).toEqual([1, 1, 1, 0, 0]);
    expect(walk(m, r.path!).shared).toEqual({ bad: true });
  });

  it('a violation in the initial state has an empty path', () => {
    const m = toy<Bad>('bad-at-start', { bad: true }, [{ name: 'A', routine: routine<Bad>('a', { body: [step('s')] }) }], [
      always<Bad>('never bad', (g) => !g.bad, () => 'bad from the start'),
    ]);
    const r = explore(m);
    expect(r).toMatchObject({ verdict: 'violation', path: [], message: 'bad from the start' });
    expect(r.stats.states).toBe(1);
  });

  it('a failed step assertion is a violation whose path ends with the failing step', () => {
    const checker = routine<Counter>('checker', {
      body: [step('assert count == 0', ({ g, assert }) => assert(g.count === 0, `count is ${g.count}`, 'count unchanged'))],
    });
    const bump = routine<Counter>('bump', { body: [step('count++', ({ g }) => { g.count++; })] });
    const m = toy<Counter>('assert', { count: 0 }, [
      { name: 'checker', routine: checker },
      { name: 'bumper', routine: bump },
    ]);
    const r = explore(m);
    expect(r).toMatchObject({
      verdict: 'violation',
      property: { name: 'count unchanged', kind: 'assertion' },
      message: 'count is 1',
      path: [1, 0],
    });
  });
});

describe('budgets', () => {
  it('maxStates stops with verdict incomplete, not an exception', () => {
    const r = explore(independent(), { maxStates: 5 });
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'maxStates' });
    expect(r.stats.states).toBe(5);
  });

  it('maxStates equal to the state count is enough', () => {
    expect(explore(independent(), { maxStates: 9 })).toMatchObject({ verdict: 'pass', stats: { states: 9 } });
    expect(explore(independent(), { maxStates: 8 })).toMatchObject({ verdict: 'incomplete', budget: 'maxStates', stats: { states: 8 } });
  });

  it('maxDepth cuts off deeper states: incomplete with depth ≤ 2 states only (1 + 2 + 3 = 6)', () => {
    const r = explore(independent(), { maxDepth: 2 });
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'maxDepth' });
    expect(r.stats).toMatchObject({ states: 6, depth: 2 });
  });

  it('maxDepth 3 stores 8 states; maxDepth 4 (the real depth) passes', () => {
    expect(explore(independent(), { maxDepth: 3 })).toMatchObject({ verdict: 'incomplete', budget: 'maxDepth', stats: { states: 8 } });
    expect(explore(independent(), { maxDepth: 4 })).toMatchObject({ verdict: 'pass', stats: { states: 9 } });
  });

  /** One thread counting x from 0 to 400: 400 states at the loop plus the finished one = 401. */
  type X = { x: number };
  const counting = () =>
    toy<X>('counting', { x: 0 }, [
      {
        name: 'counter',
        routine: routine<X>('count', {
          body: [step('x++', ({ g, goto }) => { g.x++; if (g.x < 400) goto('loop'); }, { name: 'loop' })],
        }),
      },
    ]);

  it('a clock that does not move never times out', () => {
    const r = explore(counting(), { timeoutMs: 1, now: () => 0 });
    expect(r).toMatchObject({ verdict: 'pass', stats: { states: 401, depth: 400, elapsedMs: 0 } });
  });

  it('timeout gives verdict incomplete (deterministic with an injected clock)', () => {
    const r = explore(counting(), { timeoutMs: 5_000, now: jumpClock(1_000, 10_000) });
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'timeout' });
    // The clock is read after every 256 units of work (a state expanded or a step applied). On this
    // chain each state costs 2, so the first check comes before expanding the 129th state.
    expect(r.stats).toMatchObject({ states: 129, elapsedMs: 9_000 });
  });

  it.each(['compiled', 'reference'] as const)('a wide model (%s space) is stopped on time: the clock is read after every state with hundreds of steps', (engine) => {
    // 300 threads: every state has about 300 enabled steps. Reading the clock only every 256
    // expanded states would apply some 77,000 steps before the first look at it.
    let t = 0;
    const now = (): number => (t += 10);
    const wide = compileModel(catalog.find((m) => m.name === 'classic/lost-update')!, { n: 300 });
    const r = explore(wide, { timeoutMs: 100, now, engine });
    expect(r).toMatchObject({ verdict: 'incomplete', budget: 'timeout' });
    expect(r.stats.transitions).toBeLessThan(20 * 300);
  });

  it('reports progress through onProgress', () => {
    const seen: { states: number; queued: number }[] = [];
    explore(counting(), {
      now: jumpClock(0, 5_000),
      progressIntervalMs: 1_000,
      onProgress: (p) => seen.push({ states: p.states, queued: p.queued }),
    });
    // A single chain: the state being expanded has just been popped, nothing else is queued.
    expect(seen[0]).toEqual({ states: 129, queued: 0 });
  });

  it('memory budget gives verdict incomplete with budget maxMemory (injected probe and clock)', () => {
    let t = 0;
    const clock = () => (t += 1_000);
    const over = explore(counting(), { now: clock, maxMemoryMiB: 100, memoryProbe: () => 200 * 2 ** 20 });
    expect(over).toMatchObject({ verdict: 'incomplete', budget: 'maxMemory' });
    // The probe is read with the clock, every 256 units of work (128 states of this chain).
    expect(over.stats.states).toBe(129);
    const under = explore(counting(), { now: clock, maxMemoryMiB: 100, memoryProbe: () => 50 * 2 ** 20 });
    expect(under).toMatchObject({ verdict: 'pass', stats: { states: 401 } });
  });

  it('progress reports carry the probed memory', () => {
    const seen: (number | undefined)[] = [];
    explore(counting(), { now: jumpClock(0, 5_000), memoryProbe: () => 64 * 2 ** 20, onProgress: (p) => seen.push(p.memoryMiB) });
    expect(seen[0]).toBe(64);
  });

  it('fingerprint and exact stores agree; stats give the collision estimate and store size', () => {
    const fp = explore(counting());
    const exact = explore(counting(), { exact: true });
    expect(fp.stats.states).toBe(exact.stats.states);
    expect(exact.stats.collisionProbability).toBe(0);
    // n = 401: n(n-1)/2^65
    expect(fp.stats.collisionProbability).toBeCloseTo((401 * 400) / 2 ** 65, 25);
    expect(fp.stats.storeBytes).toBeGreaterThan(0);
    // The compiled exact store keeps every state's packed vector; the reference one its encoding string.
    expect(exact.stats.engine?.name).toBe('compiled');
    expect(exact.stats.storeBytes!).toBeGreaterThanOrEqual(exact.stats.states * exact.stats.engine!.vectorBytes!);
    expect(fp.stats.storeBytes!).toBeLessThan(explore(counting(), { exact: true, engine: 'reference' }).stats.storeBytes!);
  });

  it('bad options are usage errors', () => {
    expect(() => explore(independent(), { maxMemoryMiB: 10 })).toThrow('maxMemoryMiB needs a memoryProbe');
    const m = independent();
    expect(() => explore(m, { maxStates: 0 })).toThrow(UsageError);
    expect(() => explore(m, { maxStates: -3 })).toThrow('maxStates must be a positive number, got -3');
    expect(() => explore(m, { maxDepth: Number.NaN })).toThrow(UsageError);
    expect(() => explore(m, { strategy: 'random' as 'bfs' })).toThrow('strategy must be "bfs" or "dfs", got "random"');
  });
});

describe('deadlocks', () => {
  type Locks = { a: Mutex; b: Mutex };
  const lockPair = (name: string, first: 'a' | 'b', second: 'a' | 'b') =>
    routine<Locks>(name, {
      body: [
        mutex_lock(`mutex_lock(&${first})`, (g) => g[first]),
        mutex_lock(`mutex_lock(&${second})`, (g) => g[second]),
        mutex_unlock(`mutex_unlock(&${second})`, (g) => g[second]),
        mutex_unlock(`mutex_unlock(&${first})`, (g) => g[first]),
      ],
    });
  const abba = () =>
    toy<Locks>('abba', { a: mutex('a'), b: mutex('b') }, [
      { name: 'T1', routine: lockPair('t1', 'a', 'b') },
      { name: 'T2', routine: lockPair('t2', 'b', 'a') },
    ]);

  it('locking two mutexes in opposite order deadlocks; the report names who waits for what', () => {
    const m = abba();
    const r = explore(m);
    expect(r.verdict).toBe('deadlock');
    if (r.verdict !== 'deadlock') return;
    expect(r.message).toBe('no step is enabled, but T1, T2 have not finished; wait-for cycle: T1 → T2 → T1');
    expect(r.blocked).toEqual([
      { actor: 'T1', step: 'mutex_lock(&b)', waitsFor: 'mutex b, held by T2', heldBy: ['T2'] },
      { actor: 'T2', step: 'mutex_lock(&a)', waitsFor: 'mutex a, held by T1', heldBy: ['T1'] },
    ]);
    expect(r.path).toEqual([0, 1]);
    const end = walk(m, r.path);
    expect(end.shared).toEqual({ a: { kind: 'mutex', name: 'a', owner: 0 }, b: { kind: 'mutex', name: 'b', owner: 1 } });
  });

  it('the same order passes', () => {
    const m = toy<Locks>('ab-ab', { a: mutex('a'), b: mutex('b') }, [
      { name: 'T1', routine: lockPair('t1', 'a', 'b') },
      { name: 'T2', routine: lockPair('t2', 'a', 'b') },
    ]);
    expect(explore(m).verdict).toBe('pass');
  });

  it('relocking a held mutex is a deadlock reported by the step', () => {
    const relock = routine<Locks>('relock', {
      body: [mutex_lock('mutex_lock(&a)', (g) => g.a), mutex_lock('mutex_lock(&a) again', (g) => g.a)],
    });
    const r = explore(toy<Locks>('relock', { a: mutex('a'), b: mutex('b') }, [{ name: 'T', routine: relock }]));
    expect(r).toMatchObject({
      verdict: 'deadlock',
      message: 'T: mutex_lock(&a) while already holding it: self-deadlock (wait-for: T → T)',
      path: [0, 0],
      blocked: [],
    });
  });

  type W = { work: number };
  const producer = routine<W>('producer', { body: [step('work = 1', ({ g }) => { g.work = 1; })] });

  it('a thread blocked at an `end: true` statement is not a deadlock', () => {
    const server = routine<W>('server', {
      body: [when('wait for work', (g) => g.work > 1, ({ g }) => { g.work = 0; }, { end: true })],
    });
    const r = explore(toy<W>('end-ok', { work: 0 }, [
      { name: 'server', routine: server },
      { name: 'producer', routine: producer },
    ]));
    expect(r).toMatchObject({ verdict: 'pass', stats: { states: 2 } });
  });

  it('without `end` the same thread deadlocks, with the default or the given waitsFor text', () => {
    const plain = routine<W>('server', { body: [when('wait for work', (g) => g.work > 1)] });
    const r = explore(toy<W>('end-missing', { work: 0 }, [
      { name: 'server', routine: plain },
      { name: 'producer', routine: producer },
    ]));
    expect(r).toMatchObject({
      verdict: 'deadlock',
      path: [0],
      blocked: [{ actor: 'server', step: 'wait for work', waitsFor: 'its guard to become true' }],
    });

    const explained = routine<W>('server', {
      body: [when('wait for work', (g) => g.work > 1, undefined, { waitsFor: (g) => `work > 1 (work is ${g.work})` })],
    });
    const r2 = explore(toy<W>('end-missing-2', { work: 0 }, [{ name: 'server', routine: explained }]));
    expect(r2).toMatchObject({ verdict: 'deadlock', path: [], blocked: [{ waitsFor: 'work > 1 (work is 0)' }] });
  });

  it('a thread blocked inside a called routine is reported as `routine: step`', () => {
    const waitSub = routine<W>('wait_sub', { body: [when('wait forever', () => false, undefined, { waitsFor: 'nothing' })] });
    const main = routine<W>('main', { body: [call(waitSub), step('after')] });
    const r = explore(toy<W>('nested-block', { work: 0 }, [{ name: 'M', routine: main }]));
    expect(r).toMatchObject({ verdict: 'deadlock', blocked: [{ actor: 'M', step: 'wait_sub: wait forever', waitsFor: 'nothing' }] });
  });
});

describe('properties', () => {
  const lost = sometimes<Counter>('lost update', (g, w) => w.finished(0) && w.finished(1) && g.count === 1);

  it('sometimes() reports a witness path to a state that satisfies it', () => {
    const m = compileModel(lostUpdate([lost]));
    const r = explore(m);
    expect(r.verdict).toBe('pass');
    expect(r.witnesses).toHaveLength(1);
    const w = r.witnesses[0]!;
    expect(w.property).toBe('lost update');
    expect(w.path).toHaveLength(4);
    const end = walk(m, w.path!);
    expect(end.shared).toEqual({ count: 1 });
    expect(end.threads).toEqual([[], []]);
  });

  it('sometimes() that holds initially has the empty witness path', () => {
    const r = explore(compileModel(lostUpdate([sometimes<Counter>('zero', (g) => g.count === 0)])));
    expect(r.witnesses).toEqual([{ property: 'zero', path: [] }]);
  });

  it('an unreachable sometimes() is a violation with path null', () => {
    const never = sometimes<Counter>('count reaches 3', (g) => g.count === 3);
    const r = explore(compileModel(lostUpdate([lost, never])));
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property).toEqual({ name: 'count reaches 3', kind: 'sometimes' });
    expect(r.path).toBeNull();
    expect(r.message).toBe('no reachable state satisfies "count reaches 3"');
    expect(r.witnesses.map((w) => [w.property, w.path === null ? null : w.path.length])).toEqual([
      ['lost update', 4],
      ['count reaches 3', null],
    ]);
    expect(r.stats.states).toBe(12);
  });

  it('atEnd fires in terminal states', () => {
    const m = compileModel(lostUpdate([bothCounted]));
    const r = explore(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property).toEqual({ name: 'both increments counted', kind: 'atEnd' });
    expect(r.message).toBe('count is 1 after two increments');
    expect(r.path).toHaveLength(4);
    expect(walk(m, r.path!).shared).toEqual({ count: 1 });
  });

  it('atEnd without explain has a default message; it is not checked in non-terminal states', () => {
    const twoAtEnd = atEnd<Counter>('count is 2 at the end', (g) => g.count === 2);
    const inc = step<Counter, Record<string, never>>('count++', ({ g }) => { g.count++; });
    // count is 0 and 1 in the states before the end: only the terminal state counts.
    const twice = routine<Counter>('twice', { body: [inc, inc] });
    expect(explore(toy<Counter>('twice', { count: 0 }, [{ name: 'A', routine: twice }], [twoAtEnd]))).toMatchObject({
      verdict: 'pass',
      stats: { states: 3 },
    });
    const once = routine<Counter>('once', { body: [inc] });
    expect(explore(toy<Counter>('once', { count: 0 }, [{ name: 'A', routine: once }], [twoAtEnd]))).toMatchObject({
      verdict: 'violation',
      property: { name: 'count is 2 at the end', kind: 'atEnd' },
      message: 'end-of-run check "count is 2 at the end" does not hold',
      path: [0],
    });
  });

  type L = { m: Mutex };
  const noLockAtExit = onExit<L>(
    'no lock held at exit',
    (g, _w, tid) => locksHeld(g, tid).length === 0,
    (g, w, tid) => `${w.actorName(tid)} still holds ${locksHeld(g, tid).map((l) => l.name).join(', ')}`,
  );

  it('an onExit property fires when a thread finishes', () => {
    const good = routine<L>('good', { body: [mutex_lock('lock', (g) => g.m), mutex_unlock('unlock', (g) => g.m)] });
    const leaky = routine<L>('leaky', { body: [mutex_lock('lock', (g) => g.m), step('return without unlocking')] });
    const m = toy<L>('leak', { m: mutex('m') }, [
      { name: 'good', routine: good },
      { name: 'leaky', routine: leaky },
    ], [noLockAtExit]);
    const r = explore(m);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation') return;
    expect(r.property).toEqual({ name: 'no lock held at exit', kind: 'onExit' });
    expect(r.message).toBe('leaky finished, violating "no lock held at exit": leaky still holds m');
    expect(r.path).toEqual([1, 0]);
    const end = walk(m, r.path!);
    expect(end.threads[1]).toEqual([]);
    expect(end.shared.m.owner).toBe(1);
  });

  it('an onExit property reads the exiting thread\'s locals as it finished (issue 13, defect 2)', () => {
    type C = { box: number };
    const consumer = routine<C, { got: number }>('consume', {
      locals: () => ({ got: 0 }),
      body: [step('got = box', ({ g, my }) => { my.got = g.box; })],
    });
    const seen: unknown[] = [];
    const gotNothing = onExit<C>(
      'consumer got nothing',
      (_g, w, tid) => { seen.push(w.locals(tid).got); return w.locals(tid).got !== 42; },
      (_g, w, tid) => `${w.actorName(tid)} read ${String(w.locals(tid).got)}`,
    );
    const r = explore(toy<C>('exit-locals', { box: 42 }, [{ name: 'consumer', routine: consumer }], [gotNothing]));
    expect(seen[0]).toBe(42);
    expect(r).toMatchObject({ verdict: 'violation', message: 'consumer finished, violating "consumer got nothing": consumer read 42' });
  });

  it('onExit sees the locals a thread finishes with: a return from its outermost routine, exit() from a callee, running off the end (both spaces)', () => {
    type C = { box: number };
    const inner = routine<C, { y: number }>('inner', {
      locals: () => ({ y: 0 }),
      body: [step('y = box + 1; exit()', ({ g, my, exit }) => { my.y = g.box + 1; exit(); })],
    });
    const returns = routine<C, { x: number }>('returns', {
      locals: () => ({ x: 0 }),
      body: [step('x = box; return', ({ g, my, ret }) => { my.x = g.box; ret(); }), step('never', ({ my }) => { my.x = -1; })],
    });
    const exits = routine<C, { z: number }>('exits', {
      locals: () => ({ z: 5 }),
      body: [step('call inner', ({ call }) => call(inner, undefined))],
    });
    const runsOff = routine<C, { w: number }>('runsOff', {
      locals: () => ({ w: 0 }),
      body: [step('w = 9', ({ my }) => { my.w = 9; }), step('box = 3', ({ g }) => { g.box = 3; })],
    });
    const actors = [
      { name: 'R', routine: returns },
      { name: 'E', routine: exits },
      { name: 'O', routine: runsOff },
    ];
    const seenOn = (engine: 'compiled' | 'reference'): Record<string, string[]> => {
      const seen = new Map<string, Set<string>>();
      const record = onExit<C>('record', (_g, w, tid) => {
        const name = w.actorName(tid);
        if (!seen.has(name)) seen.set(name, new Set());
        seen.get(name)!.add(JSON.stringify(w.locals(tid)));
        return true;
      });
      expect(explore(toy<C>('exit-paths', { box: 42 }, actors, [record]), { engine }).verdict).toBe('pass');
      return Object.fromEntries([...seen].map(([k, v]) => [k, [...v].sort()]));
    };
    const compiled = seenOn('compiled');
    expect(compiled).toEqual({ R: ['{"x":3}', '{"x":42}'], E: ['{"y":43}', '{"y":4}'], O: ['{"w":9}'] });
    expect(compiled).toEqual(seenOn('reference'));
  });

  it('an onExit property is not checked for threads that have not finished', () => {
    const holdForever = routine<L>('hold', {
      body: [mutex_lock('lock', (g) => g.m), when('park', () => false, undefined, { end: true })],
    });
    expect(explore(toy<L>('parked', { m: mutex('m') }, [{ name: 'P', routine: holdForever }], [noLockAtExit])).verdict).toBe('pass');
  });

  /**
   * B's step changes nothing; A's sets x = 1. In the interleaving A, B thread B finishes in a state
   * with x = 1, which the property forbids. Swapping the order of the actors must not change the verdict.
   */
  type X = { x: number };
  const setX = routine<X>('set_x', { body: [step('x = 1', ({ g }) => { g.x = 1; })] });
  const noop = routine<X>('noop', { body: [step('noop')] });
  const bExitsEarly = onExit<X>('B finishes while x is 0', (g, w, tid) => w.actorName(tid) !== 'B' || g.x === 0);

  it('onExit: a thread finishing into a state first reached through another thread\'s exit (A first)', () => {
    const r = explore(toy<X>('exit-order-ab', { x: 0 }, [
      { name: 'A', routine: setX },
      { name: 'B', routine: noop },
    ], [bExitsEarly]));
    expect(r).toMatchObject({ verdict: 'violation', property: { kind: 'onExit' }, message: 'B finished, violating "B finishes while x is 0"' });
  });

  it('onExit: the verdict does not depend on the order of the actors (B first)', () => {
    const r = explore(toy<X>('exit-order-ba', { x: 0 }, [
      { name: 'B', routine: noop },
      { name: 'A', routine: setX },
    ], [bExitsEarly]));
    expect(r).toMatchObject({ verdict: 'violation', property: { kind: 'onExit' }, message: 'B finished, violating "B finishes while x is 0"' });
  });

  it('a property that throws is a ModelError naming it', () => {
    const m = compileModel(lostUpdate([always<Counter>('explodes', () => { throw new Error('oops'); })]));
    expect(() => explore(m)).toThrow('property "explodes" threw: Error: oops');
  });
});

describe('model errors found by the search', () => {
  type X = { x: number };

  const errorOf = modelErrorOf;

  it('a step using Math.random() is caught by the determinism checks', () => {
    const m = toy<X>('random', { x: 0 }, [
      { name: 'dice', routine: routine<X>('roll', { body: [step('x = random', ({ g }) => { g.x = Math.random(); })] }) },
    ]);
    const e = errorOf(() => explore(m));
    expect(e.problem).toBe('the step is nondeterministic: applied twice to the same state it gave different results');
    expect(e.site).toMatchObject({ model: 'random', actor: 'dice', step: 'x = random', path: '' });
    expect(e.message).toContain('Math.random()');
    // Without the checks nothing notices (each run simply stores other states).
    expect(explore(m, { determinismChecks: 0 })).toMatchObject({ verdict: 'pass', stats: { states: 2 } });
  });

  it('a step using a module-level counter is caught by the determinism checks', () => {
    let counter = 0;
    const m = toy<X>('module-counter', { x: 0 }, [
      { name: 'A', routine: twoStepCounter(() => counter++) },
    ]);
    const e = errorOf(() => explore(m));
    expect(e.message).toContain('model module-counter, actor A, step "x = counter++"');
    expect(e.message).toContain('the step is nondeterministic');
    expect(e.message).toContain('a module-level variable');
  });

  it('a guard that reads a changing module variable is caught by the determinism checks', () => {
    let flip = false;
    const m = toy<X>('flip-guard', { x: 0 }, [
      { name: 'A', routine: routine<X>('r', { body: [when('flip', () => (flip = !flip))] }) },
    ]);
    expect(() => explore(m)).toThrow(/guards are nondeterministic: the same state enabled \[.*\] and then \[.*\]/);
  });

  /** Alternatives 0 and 1 are enabled on alternate evaluations: the third one's guard bumps `round`. */
  function flipping(labels: boolean) {
    let round = 0;
    const r = routine<X>('r', {
      body: [
        either('pick', [
          { ...(labels ? { label: 'one' } : {}), when: () => round % 2 === 0, do: ({ g }) => { g.x = 1; } },
          { ...(labels ? { label: 'two' } : {}), when: () => round % 2 === 1, do: ({ g }) => { g.x = 2; } },
          { ...(labels ? { label: 'bump' } : {}), when: () => { round++; return true; } },
        ]),
      ],
    });
    return toy<X>(labels ? 'flip-labelled' : 'flip-unlabelled', { x: 0 }, [{ name: 'A', routine: r }]);
  }

  it('guards enabling different labelled alternatives on each evaluation are nondeterministic', () => {
    // The explorer's own evaluation comes first (one, bump); the check's two evaluations see two, then one.
    expect(() => explore(flipping(true))).toThrow(
      'guards are nondeterministic: the same state enabled [0:pick → two (alternative 1)|0:pick → bump (alternative 2)] and then [0:pick → one|0:pick → bump (alternative 2)]',
    );
  });

  it('guards enabling different unlabelled alternatives on each evaluation are nondeterministic too', () => {
    expect(() => explore(flipping(false))).toThrow('guards are nondeterministic');
  });

  it('a step storing a Map in the state is a ModelError about plain data', () => {
    type M = { m: unknown };
    const m = toy<M>('map', { m: null }, [
      { name: 'A', routine: routine<M>('r', { body: [step('m = new Map()', ({ g }) => { g.m = new Map(); })] }) },
    ]);
    const e = errorOf(() => explore(m));
    expect(e.message).toContain('the step stored non-plain data: shared.m: a Map');
    expect(e.message).toContain('state must be plain data');
  });

  it('with the determinism checks off, non-plain data is blamed on the actor and step that stored it', () => {
    type M = { m: unknown };
    const m = toy<M>('map-late', { m: null }, [
      { name: 'A', routine: routine<M>('r', { body: [step('m = new Map()', ({ g }) => { g.m = new Map(); })] }) },
    ]);
    const e = errorOf(() => explore(m, { determinismChecks: 0 }));
    expect(e.site).toMatchObject({ model: 'map-late', actor: 'A', step: 'm = new Map()', path: '' });
    expect(e.message).toContain('the step stored non-plain data: shared.m: a Map');
  });

  it('with the default determinism checks, non-plain data is blamed on the actor and step too', () => {
    type M = { m: unknown };
    const m = toy<M>('map-early', { m: null }, [
      { name: 'A', routine: routine<M>('r', { body: [step('m = new Map()', ({ g }) => { g.m = new Map(); })] }) },
    ]);
    const e = errorOf(() => explore(m));
    expect(e.site).toMatchObject({ model: 'map-early', actor: 'A', step: 'm = new Map()' });
  });

  it('a step storing a function in its locals is a ModelError about plain data', () => {
    const r = routine<X, { f: unknown }>('r', {
      locals: () => ({ f: null }),
      body: [step('f = () => 1', ({ my }) => { my.f = () => 1; }), step('after')],
    });
    const e = errorOf(() => explore(toy<X>('fn', { x: 0 }, [{ name: 'A', routine: r }])));
    expect(e.message).toMatch(/non-plain data: .*\.f: a function/);
    expect(e.message).toContain('state must be plain data');
  });

  it('a step that throws deep in the search names the replay path to its state', () => {
    const r = routine<X>('r', {
      body: [step('x++', ({ g }) => { g.x++; }), step('fail when x is 1', ({ g }) => { if (g.x === 1) throw new Error('x is 1'); })],
    });
    const e = errorOf(() => explore(toy<X>('deep', { x: 0 }, [{ name: 'A', routine: r }])));
    expect(e.site).toMatchObject({ model: 'deep', actor: 'A', step: 'fail when x is 1', path: '0' });
    expect(e.message).toContain('replay path 0');
  });
});

function twoStepCounter(next: () => number) {
  return routine<{ x: number }>('counter', { body: [step('x = counter++', ({ g }) => { g.x = next(); }), step('after')] });
}
