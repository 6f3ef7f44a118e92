/** `interleave check`: compile, explore, rebuild the counterexample, report. Returns the exit code. */
import { compileModel, expectedOf, type AnyModelDefinition, type Params } from '../core/model.ts';
import { checkModel, type CheckOptions } from '../explorer/check.ts';
import { formatPath } from '../explorer/result.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { formatTextReport } from '../report/text.ts';
import { replay, type Trace } from '../trace/trace.ts';
import { exitCodeFor } from './exitCodes.ts';
import { progressPrinter } from './progress.ts';
import type { Output } from './output.ts';

export interface CheckArgs {
  readonly spec: string;
  readonly params: Params;
  readonly json: boolean;
  readonly options: CheckOptions;
}

export function runCheck(definition: AnyModelDefinition, args: CheckArgs, out: Output): number {
  const model = compileModel(definition, args.params);
  const progress = args.json || !out.stderrIsTTY ? undefined : progressPrinter(out);
  const result = checkModel(model, { ...args.options, ...(progress ? { onProgress: progress.update } : {}) });
  progress?.done();
  let trace: Trace | undefined;
  if ((result.verdict === 'violation' || result.verdict === 'deadlock') && result.path) {
    trace = replay(model, result.path, result.pathKeys ? { expectedKeys: result.pathKeys } : {});
  }
  const expected = expectedOf(definition, model.params);
  if (args.json) {
    out.stdout(JSON.stringify(jsonReport(model.name, result, trace, { ...(expected ? { expected } : {}), params: model.params })));
  } else {
    const paramText = Object.entries(args.params).map(([k, v]) => ` -p ${k}=${String(v)}`).join('');
    out.stdout(
      formatTextReport(
        {
          model: model.name,
          result,
          ...(trace ? { trace, replayCommand: `npx interleave replay ${args.spec}${paramText} ${formatPath(trace.path) || '-'}` } : {}),
          ...(expected ? { expected } : {}),
        },
        palette(out.color),
      ),
    );
  }
  return exitCodeFor(result.verdict);
}
