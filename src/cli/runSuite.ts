/**
 * `interleave suite` (also `check --all`): checks every registered model at its default
 * parameters against its declared expectation and prints one row per model as it finishes.
 * Exit 0 when every model agrees, 1 when any disagrees (or has no expectation), 3 when none
 * disagrees but a budget cut a run short.
 */
import { compileModel, expectedOf, resolveParams, type AnyModelDefinition } from '../core/model.ts';
import { checkModel, type CheckOptions } from '../explorer/check.ts';
import { agrees, describeOutcome, outcomeOf, type Outcome } from '../explorer/expectation.ts';
import type { Stats } from '../explorer/result.ts';
import type { Expected } from '../core/model.ts';
import { palette } from '../report/palette.ts';
import { EXIT } from './exitCodes.ts';
import type { Output } from './output.ts';

export interface SuiteRow {
  readonly model: string;
  readonly expected: Expected | null;
  readonly actual: Outcome;
  readonly agrees: boolean;
  readonly stats: Stats;
}

export interface SuiteArgs {
  readonly models: readonly AnyModelDefinition[];
  readonly json: boolean;
  readonly options: CheckOptions;
}

export function runSuite(args: SuiteArgs, out: Output): number {
  const p = palette(out.color);
  const rows: SuiteRow[] = [];
  const w = Math.max(5, ...args.models.map((m) => m.name.length));
  // Expected outcomes are known before any run, so the columns fit them; a differing actual outcome may overhang.
  const ow = Math.max(
    15,
    ...args.models.map((m) => {
      const e = expectedOf(m, resolveParams(m, {}));
      return e ? describeOutcome(e).length : 15;
    }),
  );
  const header = `${'model'.padEnd(w)}  ${'expected'.padEnd(ow)}  ${'actual'.padEnd(ow)}  ${'states'.padStart(10)}  ${'time'.padStart(8)}`;
  if (!args.json) out.stdout(p.bold(header));
  for (const definition of args.models) {
    const model = compileModel(definition);
    const expected = expectedOf(definition, model.params) ?? null;
    const result = checkModel(model, args.options);
    const actual = outcomeOf(result);
    const ok = expected !== null && agrees(expected, actual);
    const row: SuiteRow = { model: model.name, expected, actual, agrees: ok, stats: result.stats };
    rows.push(row);
    if (!args.json) {
      const mark = ok ? p.green('✓') : actual.verdict === 'incomplete' ? p.yellow('?') : p.red('✗');
      out.stdout(
        `${model.name.padEnd(w)}  ${(expected ? describeOutcome(expected) : '(none declared)').padEnd(ow)}  ${describeOutcome(actual).padEnd(ow)}  ${result.stats.states.toLocaleString('en-US').padStart(10)}  ${`${(result.stats.elapsedMs / 1000).toFixed(2)} s`.padStart(8)}  ${mark}`,
      );
    }
  }
  const disagree = rows.filter((r) => !r.agrees && r.actual.verdict !== 'incomplete');
  const incomplete = rows.filter((r) => r.actual.verdict === 'incomplete');
  const code = disagree.length > 0 ? EXIT.failed : incomplete.length > 0 ? EXIT.incomplete : EXIT.pass;
  if (args.json) {
    out.stdout(JSON.stringify({ agrees: code === EXIT.pass, models: rows }));
  } else {
    const total = rows.reduce((s, r) => s + r.stats.elapsedMs, 0) / 1000;
    const summary = `${rows.length - disagree.length - incomplete.length} of ${rows.length} models agree with their expected verdicts (${total.toFixed(1)} s)`;
    out.stdout('');
    out.stdout(code === EXIT.pass ? p.green(summary) : p.red(summary));
    for (const r of disagree) {
      out.stdout(p.red(`  ${r.model}: expected ${r.expected ? describeOutcome(r.expected) : 'nothing declared'}, got ${describeOutcome(r.actual)}`));
    }
    for (const r of incomplete) out.stdout(p.yellow(`  ${r.model}: stopped by a budget before a verdict`));
  }
  return code;
}
