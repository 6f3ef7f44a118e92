/**
 * The transition relation: which steps are enabled in a world, and what applying one yields.
 * Enabled steps come in a fixed order (thread id, then alternative), so a replay path of indices
 * into that list names the same interleaving every time.
 */
import { produce, type Draft } from 'immer';
import { ModelError } from './errors.ts';
import { describeThrown, makeLocals, type CompiledRoutine, type Model } from './model.ts';
import type { Alternative, AnyRoutine, Statement, StepContext } from './program.ts';
import type { Frame, ThreadId, World } from './world.ts';

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

const MAX_CALL_DEPTH = 256;

/** Thrown inside a step by `assert`/`deadlock`; becomes a `failed` outcome, never escapes. */
class StepFailure {
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
  ret?: { value: unknown };
  exit?: boolean;
  call?: { routine: AnyRoutine; args: unknown; into?: string };
}

/** Applies one enabled transition. Model misbehaviour throws ModelError; assertion failures are outcomes. */
export function applyTransition<G>(model: Model<G>, world: World<G>, t: Transition): StepOutcome<G> {
  const s = model.routineAt(t.fn).statements[t.stmt] as Statement<G, Record<string, unknown>>;
  const alt = s.alternatives[t.alt]!;
  const actor = model.actors[t.tid]!.name;
  const control: Control = {};
  let exited = false;
  try {
    const next = produce(world, (draft) => {
      const stack = draft.threads[t.tid] as Draft<Frame>[];
      const frame = stack[stack.length - 1]!;
      if (alt.do !== undefined) {
        const ctx = makeContext(model, t.tid, actor, draft.shared as Draft<G>, frame.locals, control);
        const returned = alt.do(ctx as StepContext<G, Record<string, unknown>>) as unknown;
        if (returned !== undefined) {
          throw new ModelError(
            `the step returned a value (${preview(returned)}) instead of only mutating the draft`,
            { model: model.name, actor, step: s.label },
            'steps are immer recipes: mutate ctx.g / ctx.my and return nothing; an arrow body like `c => c.g.x = 1` returns the assigned value, write `c => { c.g.x = 1; }`',
          );
        }
      }
      const hadFrames = stack.length > 0;
      applyControl(model, draft as Draft<World<G>>, t.tid, frame, control, s.label, actor);
      exited = hadFrames && stack.length === 0;
    });
    return { kind: 'next', world: next, exited };
  } catch (thrown) {
    if (thrown instanceof StepFailure) {
      return { kind: 'failed', verdict: thrown.verdict, property: thrown.property, message: thrown.message };
    }
    throw stepError(model, t.tid, s.label, 'the step threw', thrown);
  }
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
    call(callee, args, into) {
      if (control.call) throw new ModelError('a step may call at most one routine', { model: model.name, actor });
      control.call = {
        routine: callee,
        args,
        ...(into !== undefined ? { into: into as string } : {}),
      };
    },
    ret(value) {
      control.ret = { value: value ?? null };
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

function applyControl<G>(
  model: Model<G>,
  draft: Draft<World<G>>,
  tid: ThreadId,
  frame: Draft<Frame>,
  control: Control,
  stepLabel: string,
  actor: string,
): void {
  const stack = draft.threads[tid] as Draft<Frame>[];
  const site = { model: model.name, actor, step: stepLabel };
  if (control.exit) {
    stack.length = 0;
    return;
  }
  if (control.ret) {
    if (control.call || control.goto !== undefined) {
      throw new ModelError('a step cannot both return and call or goto', site);
    }
    popFrame(stack, control.ret.value);
  } else {
    const r = model.routineAt(frame.fn);
    frame.pc = control.goto !== undefined ? targetOf(model, r, control.goto, site) : frame.pc + 1;
    if (control.call) pushFrame(model, stack, control.call.routine, control.call.args, control.call.into, actor);
  }
  settle(model, draft, tid, actor);
}

function targetOf<G>(
  model: Model<G>,
  r: CompiledRoutine<G>,
  target: string,
  site: { model: string; actor: string; step: string },
): number {
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

function pushFrame<G>(
  model: Model<G>,
  stack: Draft<Frame>[],
  callee: AnyRoutine,
  args: unknown,
  into: string | undefined,
  actor: string,
): void {
  if (stack.length >= MAX_CALL_DEPTH) {
    throw new ModelError(`call depth exceeds ${MAX_CALL_DEPTH} (unbounded recursion?)`, { model: model.name, actor });
  }
  const fn = model.routineIndex(callee);
  const locals = makeLocals(model.name, actor, callee, args);
  stack.push({ fn, pc: 0, locals: locals as Draft<Record<string, unknown>>, ...(into !== undefined ? { into } : {}) });
}

function popFrame(stack: Draft<Frame>[], value: unknown): void {
  const done = stack.pop();
  const caller = stack[stack.length - 1];
  if (done?.into !== undefined && caller !== undefined) {
    (caller.locals as Record<string, unknown>)[done.into] = value ?? null;
  }
}

/** Enters calls and leaves finished routines until the top frame is at a real step (or the thread is done). */
export function settle<G>(model: Model<G>, draft: Draft<World<G>>, tid: ThreadId, actor: string): void {
  const stack = draft.threads[tid] as Draft<Frame>[];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const r = model.routineAt(top.fn);
    const s = r.statements[top.pc];
    if (s === undefined) {
      popFrame(stack, null);
      continue;
    }
    if (s.kind !== 'call') return;
    let args: unknown;
    try {
      args = s.args(draft.shared as G, top.locals as never, tid);
    } catch (thrown) {
      throw stepError(model, tid, `call ${s.routine.name}`, 'computing its arguments threw', thrown);
    }
    top.pc += 1;
    pushFrame(model, stack, s.routine, args, s.into, actor);
  }
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
