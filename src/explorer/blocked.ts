import type { Model } from '../core/model.ts';
import { statementAt } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import type { BlockedThread } from './result.ts';

/** Threads that have not finished, are not parked at an `end` statement, and have nothing enabled. */
export function blockedThreads<G>(model: Model<G>, world: World<G>): BlockedThread[] {
  const out: BlockedThread[] = [];
  const who = (tid: number): string => model.actors[tid]?.name ?? `thread ${tid}`;
  world.threads.forEach((stack, tid) => {
    const frame = stack[stack.length - 1];
    if (frame === undefined) return;
    const s = statementAt(model, frame);
    if (s.end) return;
    const w = s.waitsFor;
    const waitsFor =
      typeof w === 'function' ? w(world.shared, frame.locals as never, who, tid) : (w ?? 'its guard to become true');
    const routine = model.routineAt(frame.fn).name;
    out.push({ actor: who(tid), step: stack.length > 1 ? `${routine}: ${s.label}` : s.label, waitsFor });
  });
  return out;
}

export function describeDeadlock(blocked: readonly BlockedThread[]): string {
  return `no step is enabled, but ${blocked.map((b) => b.actor).join(', ')} ${blocked.length === 1 ? 'has' : 'have'} not finished`;
}
