/**
 * What the reductions read of a state besides its data: where each thread is and which locks it
 * holds. Both state spaces provide it: `WorldPositions` over a plain world, and the compiled space
 * over the vector its views point at (src/core/compiled/space.ts), which keeps it cheap.
 */
import { locksHeld, type HeldLock } from './kernel/locksHeld.ts';
import type { ThreadId, World } from './world.ts';

export interface Positions {
  readonly threadCount: number;
  /** Frames on the thread's stack (0 once it has finished). */
  depthOf(tid: ThreadId): number;
  /** Routine index of frame `d` (0: outermost). */
  fnAt(tid: ThreadId, d: number): number;
  /** Statement index of the thread's top frame. */
  pcOf(tid: ThreadId): number;
  locksHeld(tid: ThreadId): readonly HeldLock[];
}

export class WorldPositions<G> implements Positions {
  constructor(public world: World<G>) {}
  get threadCount(): number {
    return this.world.threads.length;
  }
  depthOf(tid: ThreadId): number {
    return this.world.threads[tid]!.length;
  }
  fnAt(tid: ThreadId, d: number): number {
    return this.world.threads[tid]![d]!.fn;
  }
  pcOf(tid: ThreadId): number {
    const stack = this.world.threads[tid]!;
    return stack[stack.length - 1]!.pc;
  }
  locksHeld(tid: ThreadId): readonly HeldLock[] {
    return locksHeld(this.world.shared, tid);
  }
}
