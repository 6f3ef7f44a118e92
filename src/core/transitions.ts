/**
 * The transition relation: which steps are enabled in a world, and what applying one yields.
 * Enabled steps come in a fixed order (thread id, then alternative), so a replay path of indices
 * into that list names the same interleaving every time.
 */
import { current, Immer, isDraft, type Draft } from 'immer';
import { seal } from './canonical.ts';
import { ModelError } from './errors.ts';
import { describeThrown, type CompiledRoutine, type Model } from './model.ts';
import { popFrame, pushFrame, settleStack } from './stack.ts';
import type { Alternative, AnyRoutine, Statement, StepContext } from './program.ts';
import type { Frame, Stack, ThreadId, World } from './world.ts';

/**
 * Steps draft through their own immer instance with auto-freeze off: `seal` freezes what a step
 * created and attaches fingerprints in the same walk, so the state stays frozen (a write outside
 * the draft still throws) without immer's separate freeze pass.
 */
const immer = new Immer({ autoFreeze: false });

export interface Transition {
  readonly tid: ThreadId;
  /** Routine and statement index of the step (what the thread's top frame pointed at). */
  readonly fn: number;
  readonly stmt: number;
  readonly alt: number;
}

export type StepOutcome<G> =
  | { readonly kind: 'next'; readonly world: World<G>; readonly exited: boolean }
  | {
      readonly kind: 'failed';
      readonly verdict: 'violation' | 'deadlock';
      readonly property: string;
      readonly message: string;
    };

/** Thrown inside a step by `assert`/`deadlock`; becomes a `failed` outcome, never escapes. */
export class StepFailure {
  constructor(
    readonly verdict: 'violation' | 'deadlock',
    readonly property: string,
    readonly message: string,
  ) {}
}

export function statementAt<G>(model: Model<G>, frame: Frame): Statement<G, never> {
  const r = model.routineAt(frame.fn);
  const s = r.statements[frame.pc];
  if (s === undefined || s.kind !== 'step') {
    throw new ModelError(`thread is at an invalid position (${r.name}:${frame.pc})`, { model: model.name });
  }
  return s;
}

/** Steps enabled in `world`, in replay order. */
export function enabledTransitions<G>(model: Model<G>, world: World<G>): Transition[] {
  const out: Transition[] = [];
  const threads = world.threads;
  for (let tid = 0; tid < threads.length; tid++) {
    const stack = threads[tid]!;
    if (stack.length === 0) continue;
    const frame = stack[stack.length - 1]!;
    const s = statementAt(model, frame);
    const alts = s.alternatives;
    for (let a = 0; a < alts.length; a++) {
      const guard = alts[a]!.when;
      if (guard === undefined || evalGuard(model, s, tid, guard, world.shared, frame.locals)) {
        out.push({ tid, fn: frame.fn, stmt: frame.pc, alt: a });
      }
    }
  }
  return out;
}

function evalGuard<G>(
  model: Model<G>,
  s: Statement<G, never>,
  tid: ThreadId,
  guard: NonNullable<Alternative<G, never>['when']>,
  shared: G,
  locals: unknown,
): boolean {
  try {
    return guard(shared, locals as never, tid) === true;
  } catch (thrown) {
    throw stepError(model, tid, s.label, 'its guard threw', thrown);
  }
}

/** The label a counterexample shows for a transition: the statement's, plus the chosen alternative's. */
export function transitionLabel<G>(model: Model<G>, t: Transition): string {
  const s = model.routineAt(t.fn).statements[t.stmt];
  if (s === undefined || s.kind !== 'step') return '?';
  const alt = s.alternatives[t.alt]?.label;
  return alt !== undefined ? `${s.label} → ${alt}` : s.label;
}

interface Control {
  goto?: string;
  stay?: boolean;
  ret?: { value: unknown };
  exit?: boolean;
  call?: { routine: AnyRoutine; args: unknown; into?: string };
}

/** The locals a thread finished with, keyed by the world its last step made (the state keeps no frame for it). */
const finalLocals = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** The exiting thread's last locals, for `onExit` properties judging the world `applyTransition` returned. */
export function localsAtExit(world: object): Readonly<Record<string, unknown>> | undefined {
  return finalLocals.get(world);
}

/** Applies one enabled transition. Model misbehaviour throws ModelError; assertion failures are outcomes. */
export function applyTransition<G>(model: Model<G>, world: World<G>, t: Transition): StepOutcome<G> {
  const s = model.routineAt(t.fn).statements[t.stmt] as Statement<G, Record<string, unknown>>;
  const alt = s.alternatives[t.alt]!;
  const actor = model.actors[t.tid]!.name;
  const control: Control = {};
  const before = world.threads[t.tid]!;
  const frame = before[before.length - 1]!;
  let shared = world.shared;
  let locals = frame.locals;
  try {
    if (alt.do !== undefined) {
      // Drafts only of what a step may touch: the shared state and its own frame's locals.
      const g = immer.createDraft(world.shared as object) as Draft<G>;
      const my = immer.createDraft(frame.locals as Record<string, unknown>);
      const returned = alt.do(makeContext(model, t.tid, actor, g, my, control) as StepContext<G, Record<string, unknown>>) as unknown;
      if (returned !== undefined) {
        throw new ModelError(
          `the step returned a value (${preview(returned)}) instead of only mutating the draft`,
          { model: model.name, actor, step: s.label },
          'steps are immer recipes: mutate ctx.g / ctx.my and return nothing; an arrow body like `c => c.g.x = 1` returns the assigned value, write `c => { c.g.x = 1; }`',
        );
      }
      shared = seal(immer.finishDraft(g as Draft<object>) as G);
      locals = seal(immer.finishDraft(my));
    }
    if (control.goto === undefined && !control.stay && s.then !== undefined) control.goto = s.then;
    const stack = nextStack(model, before, frame, locals, control, t, s.label, actor, shared);
    if (shared === world.shared && stack === before) return { kind: 'next', world, exited: false };
    const threads = stack === before ? world.threads : world.threads.with(t.tid, stack);
    const next = seal({ shared, threads });
    if (stack.length === 0) finalLocals.set(next, locals);
    return { kind: 'next', world: next, exited: stack.length === 0 };
  } catch (thrown) {
    if (thrown instanceof StepFailure) {
      return { kind: 'failed', verdict: thrown.verdict, property: thrown.property, message: thrown.message };
    }
    throw stepError(model, t.tid, s.label, 'the step threw', thrown);
  }
}

/** The acting thread's stack after the step's control flow: next pc, goto, call, return or exit. */
function nextStack<G>(
  model: Model<G>,
  before: Stack,
  frame: Frame,
  locals: Frame['locals'],
  control: Control,
  t: Transition,
  stepLabel: string,
  actor: string,
  shared: G,
): Stack {
  if (control.exit) return EMPTY_STACK;
  const site = { model: model.name, actor, step: stepLabel };
  const stack = before.slice();
  if (control.ret) {
    if (control.call || control.goto !== undefined) throw new ModelError('a step cannot both return and call or goto', site);
    stack.pop();
    stack.push(frame);
    popFrame(stack, control.ret.value);
  } else {
    if (control.stay && control.goto !== undefined) throw new ModelError('a step cannot both stay and goto', site);
    const pc = control.stay
      ? frame.pc
      : control.goto !== undefined
        ? targetOf(model.routineAt(frame.fn), control.goto, site)
        : frame.pc + 1;
    stack[stack.length - 1] = seal({ ...frame, pc, locals });
    if (control.call) pushFrame(model, stack, control.call.routine, control.call.args, control.call.into, t.tid);
  }
  const settled = settleStack(model, stack, shared, t.tid);
  return sameStack(settled, before) ? before : settled;
}

const EMPTY_STACK: Stack = Object.freeze([]);

function sameStack(a: Stack, b: Stack): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.fn !== y.fn || x.pc !== y.pc || x.locals !== y.locals || x.into !== y.into)) return false;
  }
  return true;
}

export function targetOf<G>(r: CompiledRoutine<G>, target: string, site: { model: string; actor: string; step: string }): number {
  const pc = r.targets.get(target);
  if (pc === undefined) {
    const known = [...r.targets.keys()];
    throw new ModelError(
      `goto("${target}"): routine ${r.name} has no such label`,
      site,
      known.length > 0 ? `labels in ${r.name}: ${known.join(', ')}` : `add label("${target}") to ${r.name}`,
    );
  }
  return pc;
}

function makeContext<G>(
  model: Model<G>,
  tid: ThreadId,
  actor: string,
  g: Draft<G>,
  my: unknown,
  control: Control,
): StepContext<G, unknown> {
  return {
    g,
    my: my as Draft<unknown>,
    tid,
    actor,
    goto(target) {
      control.goto = target;
    },
    stay() {
      control.stay = true;
    },
    call(callee, args, into) {
      if (control.call) throw new ModelError('a step may call at most one routine', { model: model.name, actor });
      control.call = { routine: callee, args: undraft(args), ...(into !== undefined ? { into: into as string } : {}) };
    },
    ret(value) {
      control.ret = { value: undraft(value ?? null) };
    },
    exit() {
      control.exit = true;
    },
    assert(condition, message, property = 'assertion') {
      if (!condition) throw new StepFailure('violation', property, message);
    },
    deadlock(message) {
      throw new StepFailure('deadlock', 'deadlock', message);
    },
    nameOf(other) {
      return model.actors[other]?.name ?? `thread ${other}`;
    },
  };
}

/** Values read from a draft are proxies that finishDraft revokes: copy them out before they escape the step. */
function undraft(value: unknown): unknown {
  if (isDraft(value)) return current(value);
  if (Array.isArray(value)) return value.map(undraft);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, undraft(v)]));
  }
  return value;
}

function stepError<G>(model: Model<G>, tid: ThreadId, step: string, what: string, thrown: unknown): ModelError {
  if (thrown instanceof ModelError) return thrown;
  const actor = model.actors[tid]?.name ?? `thread ${tid}`;
  const site = { model: model.name, actor, step };
  if (thrown instanceof TypeError && /read.only|not extensible|Cannot (assign|add|delete|define)/i.test(thrown.message)) {
    return new ModelError(
      `${what}: it mutated frozen state outside the draft (${thrown.message})`,
      site,
      'only a step effect may change state, and only through ctx.g and ctx.my; guards, properties and argument functions must not write',
      { cause: thrown },
    );
  }
  if (thrown instanceof RangeError && /call stack/i.test(thrown.message)) {
    return new ModelError(
      `${what}: the state it made contains itself (a cycle) or is nested too deeply to copy`,
      site,
      'state must be a tree of plain data: store an index or a name where the step stored a reference to another part of the state',
      { cause: thrown },
    );
  }
  return new ModelError(`${what}: ${describeThrown(thrown)}`, site, undefined, { cause: thrown });
}

function preview(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
  } catch {
    return String(v);
  }
}
