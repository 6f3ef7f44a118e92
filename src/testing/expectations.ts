/**
 * Assertions for a model project's own test suite (`import { expectVerdict } from 'interleave/testing'`),
 * like stateright's `assert_properties` / `assert_discovery`. Each one checks the model, returns the
 * result when it matches, and otherwise throws an Error whose message is the checker's text report,
 * counterexample included. They work under any test runner.
 */
import { compileModel, expectedOf, type AnyModelDefinition, type Expected, type Params } from '../core/model.ts';
import { checkModel, type CheckOptions } from '../explorer/check.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { palette } from '../report/palette.ts';
import { formatTextReport } from '../report/text.ts';
import { tellStory } from '../trace/story.ts';
import { replay } from '../trace/trace.ts';

export interface ExpectOptions extends CheckOptions {
  /** Model parameters (default: the model's own). */
  readonly params?: Params;
}

function run(definition: AnyModelDefinition, options: ExpectOptions): { text: () => string; result: ExploreOutcome; params: Params } {
  const { params = {}, ...check } = options;
  const model = compileModel(definition, params);
  const result = checkModel(model, check);
  const text = (): string => {
    const path = result.verdict === 'violation' || result.verdict === 'deadlock' ? result.path : null;
    const trace = path ? replay(model, path, { checkDeterminism: false }) : undefined;
    const story = trace ? tellStory(model, trace) : undefined;
    return formatTextReport({ model: model.name, result, ...(trace && story ? { trace, story } : {}) }, palette(false));
  };
  return { text, result, params: model.params };
}

function failedName(result: ExploreOutcome): string | undefined {
  return result.verdict === 'violation' ? result.property.name : result.verdict === 'deadlock' ? 'deadlock' : undefined;
}

/**
 * The model reaches `expected` (default: the verdict the model declares for these parameters): the
 * same verdict and, when `expected.property` is given, the same violated property.
 */
export function expectVerdict(definition: AnyModelDefinition, expected?: Expected, options: ExpectOptions = {}): ExploreOutcome {
  const { text, result, params } = run(definition, options);
  const want = expected ?? expectedOf(definition, params);
  if (!want) throw new Error(`expectVerdict: model ${definition.name} declares no expected verdict; pass one, e.g. { verdict: 'pass' }`);
  const agrees = result.verdict === want.verdict && (want.property === undefined || want.property === failedName(result));
  if (!agrees) {
    const wanted = `${want.verdict}${want.property ? ` of "${want.property}"` : ''}`;
    throw new Error(`expected ${definition.name} to end in ${wanted}, got ${result.verdict}${failedName(result) ? ` of "${failedName(result)}"` : ''}\n\n${text()}`);
  }
  return result;
}

/** Checking `property` alone, the search completes without a violation. */
export function expectHolds(definition: AnyModelDefinition, property: string, options: ExpectOptions = {}): ExploreOutcome {
  const { text, result } = run(definition, { ...options, properties: [property] });
  if (result.verdict !== 'pass') throw new Error(`expected "${property}" to hold in ${definition.name}, got ${result.verdict}\n\n${text()}`);
  return result;
}

/** The search stores exactly `states` unique states (a regression oracle, as stateright's examples pin counts). */
export function expectStates(definition: AnyModelDefinition, states: number, options: ExpectOptions = {}): ExploreOutcome {
  const { text, result } = run(definition, options);
  if (result.stats.states !== states) {
    throw new Error(`expected ${definition.name} to store ${states.toLocaleString('en-US')} states, got ${result.stats.states.toLocaleString('en-US')}\n\n${text()}`);
  }
  return result;
}
