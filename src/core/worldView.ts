import type { Model } from './model.ts';
import type { WorldView } from './property.ts';
import type { ThreadId, World } from './world.ts';

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** The `WorldView` given to property predicates; one instance is re-pointed at each state. */
export class ModelWorldView<G> implements WorldView {
  world: World<G>;
  private readonly tids = new Map<string, ThreadId>();

  constructor(private readonly model: Model<G>) {
    this.world = model.initial;
    model.actors.forEach((a, i) => this.tids.set(a.name, i));
  }

  get threadCount(): number {
    return this.model.actors.length;
  }

  actorName(tid: ThreadId): string {
    return this.model.actors[tid]?.name ?? `thread ${tid}`;
  }

  tidOf(name: string): ThreadId {
    const tid = this.tids.get(name);
    if (tid === undefined) throw new Error(`no actor named "${name}" in model ${this.model.name}`);
    return tid;
  }

  finished(tid: ThreadId): boolean {
    return (this.world.threads[tid]?.length ?? 0) === 0;
  }

  at(tid: ThreadId, statement: string): boolean {
    const stack = this.world.threads[tid];
    const frame = stack?.[stack.length - 1];
    if (frame === undefined) return false;
    const r = this.model.routineAt(frame.fn);
    if (r.targets.get(statement) === frame.pc) return true;
    const s = r.statements[frame.pc];
    return s !== undefined && s.kind === 'step' && s.label === statement;
  }

  /** Set while an `onExit` property judges a thread's exit: that thread and the locals it finished with. */
  exiting: { readonly tid: ThreadId; readonly locals: Readonly<Record<string, unknown>> } | undefined;

  locals(tid: ThreadId): Readonly<Record<string, unknown>> {
    const stack = this.world.threads[tid];
    const top = stack?.[stack.length - 1]?.locals;
    if (top === undefined && this.exiting?.tid === tid) return this.exiting.locals;
    return top ?? EMPTY;
  }
}
