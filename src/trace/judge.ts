import type { Model } from '../core/model.ts';
import { enabledTransitions } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads, describeDeadlock } from '../explorer/blocked.ts';
import { PropertyChecks } from '../explorer/propertyChecks.ts';
import { locksHeld } from '../core/kernel/locksHeld.ts';
import type { LockOrderEdge } from '../explorer/result.ts';
import { replay, type Trace } from './trace.ts';

export interface Judgement {
  readonly verdict: 'ok' | 'violation' | 'deadlock';
  readonly property?: string;
  readonly message?: string;
}

/** What is wrong, if anything, with the state a replayed trace ends in. */
export function judgeTrace<G>(model: Model<G>, trace: Trace<G>): Judgement {
  const last = trace.steps[trace.steps.length - 1];
  if (last?.failed) {
    return { verdict: last.failed.verdict, property: last.failed.property, message: last.failed.message };
  }
  const world: World<G> = trace.states[trace.states.length - 1] ?? model.initial;
  const checks = new PropertyChecks(model);
  const exited = last !== undefined && world.threads[model.actors.findIndex((a) => a.name === last.actor)]?.length === 0;
  const failure = checks.checkState(world, exited ? model.actors.findIndex((a) => a.name === last.actor) : undefined);
  if (failure) return { verdict: 'violation', property: failure.property.name, message: failure.message };
  if (enabledTransitions(model, world).length === 0) {
    const blocked = blockedThreads(model, world);
    if (blocked.length > 0) return { verdict: 'deadlock', property: 'deadlock', message: describeDeadlock(blocked) };
    const end = checks.checkEnd(world);
    if (end) return { verdict: 'violation', property: end.property.name, message: end.message };
  }
  return { verdict: 'ok' };
}

/**
 * A "lock order" violation has no single failing state: it is a set of acquisitions seen on
 * different paths. Confirms each by replay: its path ends with its actor holding both locks.
 */
export function confirmLockOrder<G>(model: Model<G>, edges: readonly LockOrderEdge[]): boolean {
  return edges.every((e) => {
    const trace = replay(model, e.path);
    const end = trace.states[trace.states.length - 1] ?? model.initial;
    const tid = model.actors.findIndex((a) => a.name === e.actor);
    const held = locksHeld(end.shared, tid).map((h) => h.name);
    return held.includes(e.from) && held.includes(e.to);
  });
}
