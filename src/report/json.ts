/** The machine-readable report: one JSON object per check (shape documented in the README). */
import type { ExploreResult, ReductionStats } from '../explorer/result.ts';
import { formatPath } from '../explorer/result.ts';
import type { Expected } from '../core/model.ts';
import type { Trace } from '../trace/trace.ts';

export interface JsonReport {
  readonly model: string;
  readonly verdict: ExploreResult['verdict'];
  readonly property?: string;
  readonly message?: string;
  readonly budget?: string;
  readonly expected?: Expected;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly stats: {
    states: number;
    transitions: number;
    depth: number;
    elapsedMs: number;
    statesPerSecond: number;
    storeBytes?: number;
    collisionProbability?: number;
  };
  readonly blocked?: readonly { actor: string; step: string; waitsFor: string; heldBy: readonly string[] }[];
  /** For a liveness violation: the trace's steps from this index (0-based) form the repeating cycle. */
  readonly cycleStart?: number;
  readonly lockOrder?: readonly { from: string; to: string; actor: string; step: string; path: string }[];
  readonly witnesses?: readonly { property: string; path: string | null }[];
  /** For a pass: the liveness properties checked on the full state graph and the fairness assumed. */
  readonly liveness?: { fairness: string; properties: readonly string[]; states: number; unreduced?: true };
  readonly trace?: {
    readonly path: string;
    readonly steps: readonly {
      actor: string;
      routine: string;
      label: string;
      changes: readonly { path: string; from: unknown; to: unknown }[];
      failed?: { property: string; message: string };
    }[];
  };
}

export function jsonReport(
  model: string,
  result: ExploreResult,
  trace?: Trace,
  extra: { expected?: Expected; params?: Readonly<Record<string, unknown>> } = {},
): JsonReport {
  return {
    model,
    verdict: result.verdict,
    ...(result.verdict === 'violation' ? { property: result.property.name, message: result.message } : {}),
    ...(result.verdict === 'violation' && result.cycleStart !== undefined ? { cycleStart: result.cycleStart } : {}),
    ...(result.verdict === 'violation' && result.lockOrder
      ? { lockOrder: result.lockOrder.map((e) => ({ ...e, path: formatPath(e.path) })) }
      : {}),
    ...(result.verdict === 'deadlock' ? { property: 'deadlock', message: result.message, blocked: result.blocked } : {}),
    ...(result.verdict === 'incomplete' ? { budget: result.budget } : {}),
    ...(extra.expected ? { expected: extra.expected } : {}),
    ...(extra.params ? { params: extra.params } : {}),
    stats: { ...result.stats },
    ...(result.witnesses.length > 0
      ? { witnesses: result.witnesses.map((w) => ({ property: w.property, path: w.path ? formatPath(w.path) : null })) }
      : {}),
    ...(result.verdict === 'pass' && result.liveness ? { liveness: result.liveness } : {}),
    ...(trace
      ? {
          trace: {
            path: formatPath(trace.path),
            steps: trace.steps.map((s) => ({
              actor: s.actor,
              routine: s.routine,
              label: s.label,
              changes: s.changes.map((c) => ({ path: c.path, from: c.from, to: c.to })),
              ...(s.failed ? { failed: { property: s.failed.property, message: s.failed.message } } : {}),
            })),
          },
        }
      : {}),
  };
}
