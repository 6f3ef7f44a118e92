/**
 * The search that goes on past a violation (SPIN's `-e`, TLC's `-continue`): after each violation
 * the property it broke is set aside and the search runs again, so every violated property gets
 * its own counterexample, the shortest under BFS, found with the others still checked.
 */
import type { Model } from '../core/model.ts';
import { checkModel, type CheckOptions } from './check.ts';
import { selectableProperties, type ExploreOutcome } from './explore.ts';

export type Failed = Extract<ExploreOutcome, { verdict: 'violation' | 'deadlock' }>;

export interface EveryViolation {
  /** One result per violated property, in the order found. */
  readonly violations: readonly Failed[];
  /** The last search: `pass` when nothing else is violated, `incomplete` when a budget ran out first. */
  readonly rest: ExploreOutcome;
}

/** The selection name a violation answers to: a model's own assertion names count as "assertion". */
export function violatedName<G>(model: Model<G>, r: Failed): string {
  const name = r.verdict === 'deadlock' ? 'deadlock' : r.property.name;
  return selectableProperties(model).includes(name) ? name : 'assertion';
}

/** `first`: the first search's result, when the caller already has it. */
export function everyViolation<G>(model: Model<G>, options: CheckOptions = {}, first: ExploreOutcome = checkModel(model, options)): EveryViolation {
  const violations: Failed[] = [];
  let selection = options.properties ? [...options.properties] : selectableProperties(model);
  let r = first;
  while (r.verdict === 'violation' || r.verdict === 'deadlock') {
    violations.push(r);
    const name = violatedName(model, r);
    const rest = selection.filter((n) => n !== name);
    // Nothing left to check, or a violation the selection cannot set aside: stop rather than find it again.
    if (rest.length === 0 || rest.length === selection.length) break;
    selection = rest;
    r = checkModel(model, { ...options, properties: selection });
  }
  return { violations, rest: r };
}
