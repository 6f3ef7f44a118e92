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
    const heldBy = s.holders ? [...new Set(s.holders(world.shared, frame.locals as never, tid))].map(who) : [];
    out.push({ actor: who(tid), step: stack.length > 1 ? `${routine}: ${s.label}` : s.label, waitsFor, heldBy });
  });
  return out;
}

/**
 * A cycle in the wait-for graph (actor → the actors holding what it waits for), as actor names with
 * the first repeated at the end, or undefined when the blocked threads wait on nobody in a cycle
 * (e.g. a wake-up that never comes).
 */
export function waitForCycle(blocked: readonly BlockedThread[]): string[] | undefined {
  const edges = new Map(blocked.map((b) => [b.actor, b.heldBy]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (a: string): string[] | undefined => {
    state.set(a, 'open');
    stack.push(a);
    for (const b of edges.get(a) ?? []) {
      if (state.get(b) === 'open') return [...stack.slice(stack.indexOf(b)), b];
      if (state.get(b) === undefined && edges.has(b)) {
        const found = visit(b);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(a, 'done');
    return undefined;
  };
  for (const b of blocked) {
    if (state.get(b.actor) === undefined) {
      const found = visit(b.actor);
      if (found) return found;
    }
  }
  return undefined;
}

export function describeDeadlock(blocked: readonly BlockedThread[]): string {
  const stuck = `no step is enabled, but ${blocked.map((b) => b.actor).join(', ')} ${blocked.length === 1 ? 'has' : 'have'} not finished`;
  const cycle = waitForCycle(blocked);
  return cycle ? `${stuck}; wait-for cycle: ${cycle.join(' → ')}` : stuck;
}
