/**
 * A heartbeat that also learns replay paths, for the watchdog's second run (see searchThread.ts).
 *
 * The search writes its heartbeat before every step (explorer/options.ts, `Heartbeat`): the state
 * being expanded, the step's index in its enabled list, and how many states are stored. A step that
 * stored a new state shows as a store size one larger at the next beat, and that state's index is
 * the old size; so the beats alone give every state's parent and the step that reached it, without
 * touching the search. This costs a few property traps per step, so it is used only to rerun a
 * search that hung, never for the run itself.
 */
import { Heartbeat } from '../explorer/options.ts';

/** Slots of the `published` array: the state whose path is there, the path's length, then the path. */
export const Published = { state: 0, length: 1, path: 2 } as const;

/**
 * A proxy over `target` that the search can use as its heartbeat. Every write goes through to
 * `target` (so another thread still sees the beats); from beat `from` on, whenever the search starts
 * expanding another state, that state's replay path is written to `published` (length -1 when it
 * does not fit). A search that starts again (a new layout, or a second search) starts a new record.
 * `known`: the parents and steps of the states a resumed search starts with (its checkpoint's).
 */
export function recordingHeartbeat(target: Int32Array, from: number, published: Int32Array, known?: { readonly parents: Int32Array; readonly vias: Uint16Array }): Int32Array {
  // A search resumed from a checkpoint: the states stored before it have their parents there.
  let parent: number[] = known ? Array.from(known.parents) : [];
  let via: number[] = known ? Array.from(known.vias) : [];
  let stored = -1;
  let expanding = 0;
  let choice = 0;
  let shown = -1;
  published[Published.state] = -1;
  const publish = (state: number): void => {
    const path: number[] = [];
    for (let s = state; s > 0; s = parent[s]!) path.push(via[s]!);
    path.reverse();
    published[Published.state] = -1;
    const fits = path.length <= published.length - Published.path;
    if (fits) published.set(path, Published.path);
    published[Published.length] = fits ? path.length : -1;
    published[Published.state] = state;
    shown = state;
  };
  return new Proxy(target, {
    get(t, key) {
      const v: unknown = Reflect.get(t, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
    set(t, key, value: number) {
      Reflect.set(t, key, value);
      // Both searches write the state being expanded and the step's choice before the store size.
      if (key !== String(Heartbeat.states)) return true;
      if (value < stored) {
        parent = [];
        via = [];
        shown = -1;
      } else if (value === stored + 1) {
        parent[stored] = expanding;
        via[stored] = choice;
      }
      stored = value;
      expanding = t[Heartbeat.state]!;
      choice = t[Heartbeat.choice]!;
      if (t[Heartbeat.beat]! >= from && expanding !== shown) publish(expanding);
      return true;
    },
  });
}

/** The path `published` holds for `state`, or undefined (another state's, or too long to keep). */
export function publishedPath(published: Int32Array, state: number): number[] | undefined {
  if (published[Published.state] !== state) return undefined;
  const n = published[Published.length]!;
  return n < 0 ? undefined : [...published.subarray(Published.path, Published.path + n)];
}
