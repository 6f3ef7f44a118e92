/**
 * Linux `struct rw_semaphore`: many readers or one writer. As in the kernel, a writer that has to
 * wait queues up, and new readers wait behind a queued writer; so a thread that takes the read side
 * twice deadlocks once a writer queues between the two `down_read`s.
 */
import type { Draft } from 'immer';
import { either, step, type Statement } from '../program.ts';
import type { ThreadId } from '../world.ts';
import { LOCK_DISCIPLINE, type LockOptions, type LockSelector } from './exclusive.ts';
import { trylockStep } from './trylock.ts';

export interface RwSemaphore {
  readonly kind: 'rwsem';
  readonly name: string;
  /** Threads holding the read side, sorted (one entry per hold, so recursion shows). */
  readonly readers: readonly ThreadId[];
  readonly writer: ThreadId | null;
  /** Writers queued, first to be served first. */
  readonly waitingWriters: readonly ThreadId[];
}

export function rwsem(name: string): RwSemaphore {
  return { kind: 'rwsem', name, readers: [], writer: null, waitingWriters: [] };
}

type Opts<G, L> = LockOptions<G, L>;

function readable(s: RwSemaphore): boolean {
  return s.writer === null && s.waitingWriters.length === 0;
}

function addReader(s: Draft<RwSemaphore>, tid: ThreadId): void {
  const at = s.readers.findIndex((r) => r > tid);
  if (at < 0) s.readers.push(tid);
  else s.readers.splice(at, 0, tid);
}

export function down_read<G, L>(label: string, select: LockSelector<G, L, RwSemaphore>, options?: Opts<G, L>): Statement<G, L> {
  return either(
    label,
    [
      {
        when: (g, my) => readable(select(g, my)),
        do: (c) => addReader(select(c.g as G, c.my as L) as Draft<RwSemaphore>, c.tid),
        acquires: (g, my) => select(g, my).name,
      },
    ],
    {
      ...options,
      mightSleep: true,
      waitsFor: (g, my, who) => rwsemText(select(g, my), who),
      // A reader waits for the writer and for every queued writer.
      holders: (g, my) => {
        const s = select(g, my);
        return s.writer === null ? s.waitingWriters : [s.writer, ...s.waitingWriters];
      },
    },
  );
}

/** Sets local `into` to whether the read side was taken (fails while a writer holds or waits). */
export function down_read_trylock<G, L>(
  label: string,
  select: LockSelector<G, L, RwSemaphore>,
  into: keyof L & string,
  options?: Opts<G, L>,
): Statement<G, L> {
  return trylockStep(
    label,
    select,
    into,
    (s, tid) => {
      if (!readable(s)) return false;
      addReader(s, tid);
      return true;
    },
    options,
  );
}

export function up_read<G, L>(label: string, select: LockSelector<G, L, RwSemaphore>, options?: Opts<G, L>): Statement<G, L> {
  return step(
    label,
    (c) => {
      const s = select(c.g as G, c.my as L) as Draft<RwSemaphore>;
      const at = s.readers.indexOf(c.tid);
      c.assert(at >= 0, `up_read(&${s.name}) by ${c.actor}, which does not hold it for read`, LOCK_DISCIPLINE);
      s.readers.splice(at, 1);
    },
    options,
  );
}

/**
 * Takes the write side: at once if the semaphore is free and no other writer is queued; otherwise
 * the thread first queues (a step of its own, after which new readers are held off) and then
 * waits for the last holder to leave.
 */
export function down_write<G, L>(label: string, select: LockSelector<G, L, RwSemaphore>, options?: Opts<G, L>): Statement<G, L> {
  const canTake = (s: RwSemaphore, tid: ThreadId): boolean =>
    s.writer === null && s.readers.length === 0 && (s.waitingWriters.length === 0 || s.waitingWriters[0] === tid);
  return either(
    label,
    [
      {
        when: (g, my, tid) => canTake(select(g, my), tid),
        do: (c) => {
          const s = select(c.g as G, c.my as L) as Draft<RwSemaphore>;
          const queued = s.waitingWriters.indexOf(c.tid);
          if (queued >= 0) s.waitingWriters.splice(queued, 1);
          s.writer = c.tid;
        },
        acquires: (g, my) => select(g, my).name,
      },
      {
        label: 'queues as a waiting writer',
        when: (g, my, tid) => !canTake(select(g, my), tid) && !select(g, my).waitingWriters.includes(tid),
        do: (c) => {
          (select(c.g as G, c.my as L) as Draft<RwSemaphore>).waitingWriters.push(c.tid);
          c.stay();
        },
      },
    ],
    {
      ...options,
      mightSleep: true,
      waitsFor: (g, my, who) => rwsemText(select(g, my), who),
      // A writer waits for the holders and for the writers queued before it.
      holders: (g, my, tid) => {
        const s = select(g, my);
        const ahead = s.waitingWriters.slice(0, Math.max(0, s.waitingWriters.indexOf(tid)));
        return [...(s.writer === null ? [] : [s.writer]), ...new Set(s.readers), ...ahead].filter((t) => t !== tid || s.readers.includes(tid));
      },
    },
  );
}

export function up_write<G, L>(label: string, select: LockSelector<G, L, RwSemaphore>, options?: Opts<G, L>): Statement<G, L> {
  return step(
    label,
    (c) => {
      const s = select(c.g as G, c.my as L) as Draft<RwSemaphore>;
      c.assert(s.writer === c.tid, `up_write(&${s.name}) by ${c.actor}, which does not hold it for write`, LOCK_DISCIPLINE);
      s.writer = null;
    },
    options,
  );
}

/** Atomically turns the caller's write hold into a read hold (queued writers still hold off new readers). */
export function downgrade_write<G, L>(label: string, select: LockSelector<G, L, RwSemaphore>, options?: Opts<G, L>): Statement<G, L> {
  return step(
    label,
    (c) => {
      const s = select(c.g as G, c.my as L) as Draft<RwSemaphore>;
      c.assert(s.writer === c.tid, `downgrade_write(&${s.name}) by ${c.actor}, which does not hold it for write`, LOCK_DISCIPLINE);
      s.writer = null;
      addReader(s, c.tid);
    },
    options,
  );
}

function rwsemText(s: RwSemaphore, who: (tid: ThreadId) => string): string {
  const parts: string[] = [];
  if (s.writer !== null) parts.push(`write-held by ${who(s.writer)}`);
  if (s.readers.length > 0) parts.push(`read-held by ${s.readers.map(who).join(', ')}`);
  if (s.waitingWriters.length > 0) parts.push(`writers queued: ${s.waitingWriters.map(who).join(', ')}`);
  return `rwsem ${s.name} (${parts.join('; ') || 'free'})`;
}
