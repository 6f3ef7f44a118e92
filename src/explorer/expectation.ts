/** Compares a run's result with the verdict a model declares it should have. */
import type { Expected } from '../core/model.ts';
import type { ExploreResult } from './result.ts';

export interface Outcome {
  readonly verdict: ExploreResult['verdict'];
  /** The failed property ("deadlock" for a deadlock), if any. */
  readonly property?: string;
}

export function outcomeOf(r: ExploreResult): Outcome {
  if (r.verdict === 'violation') return { verdict: 'violation', property: r.property.name };
  if (r.verdict === 'deadlock') return { verdict: 'deadlock', property: 'deadlock' };
  return { verdict: r.verdict };
}

/** True when the result is what the model declares: same verdict, and the same property when one is named. */
export function agrees(expected: Expected, actual: Outcome): boolean {
  if (expected.verdict !== actual.verdict) return false;
  if (expected.verdict === 'violation' && expected.property !== undefined) return expected.property === actual.property;
  return true;
}

export function describeOutcome(o: Outcome | Expected): string {
  return o.verdict === 'violation' && o.property !== undefined ? `violation (${o.property})` : o.verdict;
}
