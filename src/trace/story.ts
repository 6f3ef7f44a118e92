/**
 * A counterexample told for people: each state of a replayed trace annotated with where every
 * thread is, what it holds, who waits on what, and which locks each step took or let go. The
 * swimlane text, the HTML report and the explorer all render this one shape.
 */
import { locksHeld, type HeldLock } from '../core/kernel/locksHeld.ts';
import type { Model } from '../core/model.ts';
import { enabledTransitions, statementAt } from '../core/transitions.ts';
import type { World } from '../core/world.ts';
import { blockedThreads } from '../explorer/blocked.ts';
import { formatValue } from './formatValue.ts';
import { judgeTrace, type Judgement } from './judge.ts';
import type { Trace, TraceStep } from './trace.ts';

export interface ThreadView {
  readonly actor: string;
  /** Routine names, outermost first; empty once the thread has finished. */
  readonly stack: readonly string[];
  /** Label of the statement the thread runs next, or null once finished. */
  readonly next: string | null;
  readonly locals: Readonly<Record<string, unknown>>;
  readonly locks: readonly HeldLock[];
  /** Unfinished and no step enabled: what it waits for. */
  readonly waitsFor?: string;
}

export interface StateView {
  readonly shared: unknown;
  readonly threads: readonly ThreadView[];
}

export interface LockEvent {
  /** The lock's C expression, e.g. `hmm->lock`. */
  readonly name: string;
  readonly mode: HeldLock['mode'];
  readonly kind: 'acquire' | 'release';
}

export interface StoryStep extends TraceStep {
  /** Index of the acting actor in `Story.actors`. */
  readonly tid: number;
  /** Locks the acting thread took or released in this step. */
  readonly locks: readonly LockEvent[];
  /** The state after the step (for a failed final step, the state it failed in). */
  readonly after: StateView;
}

export interface Story {
  readonly model: string;
  readonly actors: readonly string[];
  readonly path: Trace['path'];
  readonly initial: StateView;
  readonly steps: readonly StoryStep[];
  /** What is wrong with the final state, if anything. */
  readonly verdict: Judgement;
}

/** Compact lock text: `hmm->lock`, `mm->mmap_sem(r)`, `mm->mmap_sem(w)`. */
export function lockName(l: { readonly name: string; readonly mode: HeldLock['mode'] }): string {
  return l.mode === 'exclusive' ? l.name : `${l.name}(${l.mode === 'read' ? 'r' : 'w'})`;
}

export function viewState<G>(model: Model<G>, world: World<G>): StateView {
  const enabled = new Set(enabledTransitions(model, world).map((t) => t.tid));
  const waits = new Map(blockedThreads(model, world).map((b) => [b.actor, b.waitsFor]));
  return {
    shared: world.shared,
    threads: model.actors.map((a, tid) => {
      const stack = world.threads[tid]!;
      const top = stack[stack.length - 1];
      const waitsFor = top && !enabled.has(tid) ? waits.get(a.name) : undefined;
      return {
        actor: a.name,
        stack: stack.map((f) => model.routineAt(f.fn).name),
        next: top ? statementAt(model, top).label : null,
        locals: top?.locals ?? {},
        locks: locksHeld(world.shared, tid),
        ...(waitsFor !== undefined ? { waitsFor } : {}),
      };
    }),
  };
}

function lockEvents(before: readonly HeldLock[], after: readonly HeldLock[]): LockEvent[] {
  const key = (l: HeldLock): string => `${l.path}:${l.mode}`;
  const was = new Set(before.map(key));
  const now = new Set(after.map(key));
  return [
    ...before.filter((l) => !now.has(key(l))).map((l) => ({ name: l.name, mode: l.mode, kind: 'release' as const })),
    ...after.filter((l) => !was.has(key(l))).map((l) => ({ name: l.name, mode: l.mode, kind: 'acquire' as const })),
  ];
}

export function tellStory<G>(model: Model<G>, trace: Trace<G>): Story {
  const actors = model.actors.map((a) => a.name);
  const initial = viewState(model, trace.initial);
  let before = initial;
  const steps = trace.steps.map((s, i) => {
    const tid = actors.indexOf(s.actor);
    const after = viewState(model, trace.states[i]!);
    const step: StoryStep = { ...s, tid, locks: lockEvents(before.threads[tid]!.locks, after.threads[tid]!.locks), after };
    before = after;
    return step;
  });
  return { model: trace.model, actors, path: trace.path, initial, steps, verdict: judgeTrace(model, trace) };
}

/** Adjacent steps by different actors. */
export function contextSwitches(steps: readonly { readonly actor: string }[]): number {
  let n = 0;
  for (let i = 1; i < steps.length; i++) if (steps[i]!.actor !== steps[i - 1]!.actor) n++;
  return n;
}

export interface Field {
  readonly path: string;
  /** Display text: JSON for data, `held by driver` / `read: driver, reclaim` for locks. */
  readonly value: string;
}

/** The shared state as display fields, each mutex or rwsem folded into one field naming its holders. */
export function stateFields(view: StateView): Field[] {
  const who = (tid: unknown): string => (typeof tid === 'number' ? (view.threads[tid]?.actor ?? `thread ${tid}`) : String(tid));
  const out: Field[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (o.kind === 'mutex') {
        out.push({ path, value: o.owner === null ? 'free' : `held by ${who(o.owner)}` });
        return;
      }
      if (o.kind === 'rwsem') {
        const readers = Array.isArray(o.readers) ? o.readers.map(who) : [];
        const queued = Array.isArray(o.waitingWriters) ? o.waitingWriters.map(who) : [];
        const parts = [
          ...(o.writer !== null && o.writer !== undefined ? [`write: ${who(o.writer)}`] : []),
          ...(readers.length > 0 ? [`read: ${readers.join(', ')}`] : []),
          ...(queued.length > 0 ? [`writers queued: ${queued.join(', ')}`] : []),
        ];
        out.push({ path, value: parts.length > 0 ? parts.join('; ') : 'free' });
        return;
      }
      for (const k of Object.keys(o).sort()) walk(o[k], path === '' ? k : `${path}.${k}`);
      return;
    }
    if (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)) {
      v.forEach((x, i) => walk(x, `${path}[${i}]`));
      return;
    }
    out.push({ path, value: typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v)) });
  };
  walk(view.shared, '');
  return out;
}

/** Whether a change at `changed` (e.g. `hmm.lock.owner`) falls inside the field at `field` (e.g. `hmm.lock`). */
export function within(changed: string, field: string): boolean {
  return changed === field || changed.startsWith(`${field}.`) || changed.startsWith(`${field}[`);
}

/** One line per thread: where it is, its locals, what it holds and waits for. */
export function threadLine(t: ThreadView): string {
  if (t.stack.length === 0) return `${t.actor}: finished`;
  const locals = Object.entries(t.locals).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
  const holds = t.locks.length > 0 ? `; holds ${t.locks.map(lockName).join(', ')}` : '';
  const waits = t.waitsFor !== undefined ? `; waits for ${t.waitsFor}` : '';
  return `${t.actor} in ${t.stack.join(' › ')}, next: ${t.next ?? ''}${locals ? ` {${locals}}` : ''}${holds}${waits}`;
}
