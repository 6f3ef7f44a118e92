import { viewLocksHeld } from '../compiled/roots.ts';
import type { ThreadId } from '../world.ts';

export interface HeldLock {
  /** Where the lock lives in the shared state, e.g. `hmm.lock`. */
  readonly path: string;
  readonly name: string;
  readonly mode: 'exclusive' | 'read' | 'write';
}

/** Every mutex/rwsem in the shared state that `tid` holds, found by walking the state. */
export function locksHeld(shared: unknown, tid: ThreadId): HeldLock[] {
  const viewed = viewLocksHeld(shared, tid);
  if (viewed !== undefined) return viewed;
  const out: HeldLock[] = [];
  walk(shared, '', tid, out);
  return out;
}

function walk(v: unknown, path: string, tid: ThreadId, out: HeldLock[]): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, `${path}[${i}]`, tid, out));
    return;
  }
  const o = v as Record<string, unknown>;
  if ((o.kind === 'mutex' || o.kind === 'spinlock') && o.owner === tid) out.push({ path, name: String(o.name), mode: 'exclusive' });
  if (o.kind === 'rwsem') {
    if (o.writer === tid) out.push({ path, name: String(o.name), mode: 'write' });
    if (Array.isArray(o.readers) && o.readers.includes(tid)) out.push({ path, name: String(o.name), mode: 'read' });
  }
  for (const [k, x] of Object.entries(o)) walk(x, path === '' ? k : `${path}.${k}`, tid, out);
}
