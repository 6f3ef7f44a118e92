/**
 * Fewer context switches: a counterexample found by BFS is shortest, but its interleaving is
 * whatever the search met first. The minimiser moves whole runs of one actor's steps next to that
 * actor's neighbouring run (so two runs become one) and keeps a move only if replaying the new
 * order still reaches the same problem, judged by the explorer's own checks. It repeats until no
 * move removes a switch, so the result is a local minimum, never longer than the input.
 */
import type { Model } from '../core/model.ts';
import type { Transition } from '../core/transitions.ts';
import type { ReplayPath } from '../explorer/result.ts';
import { runSteps, transitionsOf, type Problem } from './counterexampleCheck.ts';

export interface Minimised {
  readonly path: ReplayPath;
  readonly switchesBefore: number;
  readonly switchesAfter: number;
  /** Candidate orders tried (each one a replay). */
  readonly candidates: number;
}

export interface MinimiseOptions {
  /** The `--property` selection the counterexample was found under. */
  readonly properties?: readonly string[];
  /** Stop after this many replays (default 2,000). */
  readonly maxCandidates?: number;
}

function switches(ts: readonly Transition[]): number {
  let n = 0;
  for (let i = 1; i < ts.length; i++) if (ts[i]!.tid !== ts[i - 1]!.tid) n++;
  return n;
}

interface Block {
  readonly tid: number;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

function blocks(ts: readonly Transition[]): Block[] {
  const out: Block[] = [];
  ts.forEach((t, i) => {
    const last = out[out.length - 1];
    if (last && last.tid === t.tid) out[out.length - 1] = { ...last, end: i + 1 };
    else out.push({ tid: t.tid, start: i, end: i + 1 });
  });
  return out;
}

/** Orders that join two runs of one actor: the later run pulled back, or the earlier pushed on. */
function* joins(ts: readonly Transition[]): Generator<Transition[]> {
  const bs = blocks(ts);
  for (let a = 0; a < bs.length; a++) {
    const b = bs.findIndex((x, k) => k > a && x.tid === bs[a]!.tid);
    if (b < 0) continue;
    const A = bs[a]!;
    const B = bs[b]!;
    const between = ts.slice(A.end, B.start);
    yield [...ts.slice(0, A.end), ...ts.slice(B.start, B.end), ...between, ...ts.slice(B.end)];
    yield [...ts.slice(0, A.start), ...between, ...ts.slice(A.start, A.end), ...ts.slice(B.start)];
  }
}

function sameProblem(a: Problem, b: Problem): boolean {
  return a.verdict === b.verdict && a.property === b.property;
}

/**
 * Reorders the steps of a counterexample (a replay path ending in a problem) towards the fewest
 * context switches. Returns the input unchanged if it does not replay to a problem.
 */
export function minimiseSwitches<G>(model: Model<G>, path: ReplayPath, options: MinimiseOptions = {}): Minimised {
  const limit = options.maxCandidates ?? 2000;
  let best = transitionsOf(model, path);
  const start = runSteps(model, options.properties, best);
  const before = switches(best);
  if (!start?.problem) return { path, switchesBefore: before, switchesAfter: before, candidates: 0 };
  const target = start.problem;
  let bestPath: ReplayPath = start.path;
  best = start.transitions;
  let tried = 0;
  let improved = true;
  while (improved && tried < limit) {
    improved = false;
    for (const candidate of joins(best)) {
      if (++tried > limit) break;
      const run = runSteps(model, options.properties, candidate);
      if (!run?.problem || !sameProblem(run.problem, target)) continue;
      if (switches(run.transitions) < switches(best)) {
        best = run.transitions;
        bestPath = run.path;
        improved = true;
        break;
      }
    }
  }
  return { path: bestPath, switchesBefore: before, switchesAfter: switches(best), candidates: tried };
}
