/**
 * Call stacks as plain frozen arrays: entering routines, returning from them, and settling a stack
 * so that its top frame rests on a real step (calls are entered and finished routines left without
 * a step of their own).
 */
import { findNonPlain, PLAIN_HINT, seal } from './canonical.ts';
import { ModelError } from './errors.ts';
import type { CompiledRoutine } from './model.ts';
import type { AnyRoutine } from './program.ts';
import type { Frame, Stack, ThreadId } from './world.ts';

export const MAX_CALL_DEPTH = 256;

/** The parts of a model that stack operations need (available before the initial world exists). */
export interface RoutineTable<G> {
  readonly name: string;
  readonly actors: readonly { readonly name: string }[];
  routineAt(index: number): CompiledRoutine<G>;
  routineIndex(routine: AnyRoutine): number;
}

export function makeLocals(model: string, actor: string, r: AnyRoutine, args: unknown): Readonly<Record<string, unknown>> {
  const locals = r.locals(args) as unknown;
  if (typeof locals !== 'object' || locals === null || Array.isArray(locals)) {
    throw new ModelError(`locals() of routine ${r.name} must return an object`, { model, actor });
  }
  const bad = findNonPlain(locals, 'locals');
  if (bad !== undefined) {
    throw new ModelError(`locals of routine ${r.name} are not plain data: ${bad}`, { model, actor }, PLAIN_HINT);
  }
  return seal(locals as Record<string, unknown>);
}

/** Pushes a new frame for `callee` onto a mutable stack copy. */
export function pushFrame<G>(
  model: RoutineTable<G>,
  stack: Frame[],
  callee: AnyRoutine,
  args: unknown,
  into: string | undefined,
  tid: ThreadId,
): void {
  const actor = model.actors[tid]?.name ?? `thread ${tid}`;
  if (callee?.kind !== 'routine') {
    throw new ModelError('call() was given something that is not a routine', { model: model.name, actor });
  }
  if (stack.length >= MAX_CALL_DEPTH) {
    throw new ModelError(`call depth exceeds ${MAX_CALL_DEPTH} (unbounded recursion?)`, { model: model.name, actor });
  }
  const frame: Frame = {
    fn: model.routineIndex(callee),
    pc: 0,
    locals: makeLocals(model.name, actor, callee, args),
    ...(into !== undefined ? { into } : {}),
  };
  stack.push(seal(frame));
}

/** Pops the top frame of a mutable stack copy, delivering `value` into the caller's `into` local. */
export function popFrame(stack: Frame[], value: unknown): void {
  const done = stack.pop();
  const caller = stack[stack.length - 1];
  if (done?.into !== undefined && caller !== undefined) {
    stack[stack.length - 1] = seal({ ...caller, locals: seal({ ...caller.locals, [done.into]: value ?? null }) });
  }
}

/** Enters calls and leaves finished routines until the top frame is at a real step (or the stack is empty). */
export function settleStack<G>(model: RoutineTable<G>, stack: Frame[], shared: G, tid: ThreadId): Stack {
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const r = model.routineAt(top.fn);
    const s = r.statements[top.pc];
    if (s === undefined) {
      popFrame(stack, null);
      continue;
    }
    if (s.kind !== 'call') break;
    let args: unknown;
    try {
      args = s.args(shared, top.locals as never, tid);
    } catch (thrown) {
      throw new ModelError(
        `computing the arguments of call ${s.routine.name} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        { model: model.name, actor: model.actors[tid]?.name ?? `thread ${tid}` },
        undefined,
        { cause: thrown },
      );
    }
    stack[stack.length - 1] = seal({ ...top, pc: top.pc + 1 });
    pushFrame(model, stack, s.routine, args, s.into, tid);
  }
  return seal(stack);
}
