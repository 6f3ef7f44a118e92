/** Mutual exclusion: at most one thread at a time is in its critical section. */
import { always, type Always, type ThreadId, type WorldView } from '../src/index.ts';

export type InCritical<G> = (g: G, w: WorldView, tid: ThreadId) => boolean;

/**
 * `critical` is either the name (or label) of the critical-section statement, or a predicate
 * telling whether a thread is inside.
 */
export function mutualExclusion<G>(critical: string | InCritical<G>, name = 'mutual exclusion'): Always<G> {
  const inside: InCritical<G> = typeof critical === 'string' ? (_g, w, tid) => w.at(tid, critical) : critical;
  const holders = (g: G, w: WorldView): ThreadId[] => {
    const out: ThreadId[] = [];
    for (let tid = 0; tid < w.threadCount; tid++) if (inside(g, w, tid)) out.push(tid);
    return out;
  };
  return always<G>(
    name,
    (g, w) => holders(g, w).length <= 1,
    (g, w) => `${holders(g, w).map((t) => w.actorName(t)).join(' and ')} are in the critical section together`,
  );
}
