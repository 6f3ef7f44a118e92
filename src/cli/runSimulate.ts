/** `interleave simulate`: random runs, shrink a failing one, print it like a counterexample. */
import { compileModel, type AnyModelDefinition, type Params } from '../core/model.ts';
import { formatPath } from '../explorer/result.ts';
import { simulate, type SimulateOptions } from '../explorer/simulate.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { formatTrace } from '../report/text.ts';
import { replay } from '../trace/trace.ts';
import { EXIT } from './exitCodes.ts';
import type { Output } from './output.ts';

export interface SimulateArgs {
  readonly spec: string;
  readonly params: Params;
  readonly json: boolean;
  readonly options: SimulateOptions & { readonly seed: number };
}

export function runSimulate(definition: AnyModelDefinition, args: SimulateArgs, out: Output): number {
  const model = compileModel(definition, args.params);
  const r = simulate(model, args.options);
  const p = palette(out.color);
  const paramText = Object.entries(args.params).map(([k, v]) => ` -p ${k}=${String(v)}`).join('');
  const again = `npx interleave simulate ${args.spec}${paramText} --seed ${r.seed} --runs ${args.options.runs ?? 1000} --depth ${r.depth} --scheduler ${r.scheduler}`;
  const f = r.failure;
  const trace = f ? replay(model, f.path) : undefined;
  if (args.json) {
    const stats = { states: 0, transitions: 0, depth: f ? f.path.length : 0, elapsedMs: r.elapsedMs, statesPerSecond: 0 };
    const base = f
      ? f.verdict === 'deadlock'
        ? jsonReport(model.name, { verdict: 'deadlock', message: f.message, path: f.path, blocked: [], stats, witnesses: [] }, trace)
        : jsonReport(model.name, { verdict: 'violation', property: { name: f.property, kind: 'assertion' }, message: f.message, path: f.path, stats, witnesses: [] }, trace)
      : jsonReport(model.name, { verdict: 'pass', stats, witnesses: [] });
    out.stdout(
      JSON.stringify({
        ...base,
        simulation: { seed: r.seed, scheduler: r.scheduler, depth: r.depth, runs: r.runs, shrinks: r.shrinks, foundLength: f?.foundPath.length ?? null },
      }),
    );
  } else if (f && trace) {
    out.stdout(p.red(`${f.verdict === 'deadlock' ? 'DEADLOCK' : 'VIOLATION'}  ${model.name}: "${f.property}" after ${r.runs} random run${r.runs === 1 ? '' : 's'} (${r.scheduler}, seed ${r.seed})`));
    out.stdout(`  ${f.message}`);
    out.stdout(`  the failing run had ${f.foundPath.length} steps; shrunk to ${f.path.length} in ${r.shrinks} shrink steps`);
    out.stdout(['', ...formatTrace(trace, p), '', `Replay path: ${formatPath(f.path) || '(initial state)'}`].join('\n'));
    out.stdout(`Replay with: npx interleave replay ${args.spec}${paramText} ${formatPath(f.path) || '-'}`);
    out.stdout(`Repeat with: ${again}`);
  } else {
    out.stdout(p.green(`no failure in ${r.runs} random runs of up to ${r.depth} steps (${r.scheduler}, seed ${r.seed}, ${(r.elapsedMs / 1000).toFixed(1)} s)`));
    out.stdout(p.dim('  random runs prove nothing: an exhaustive `check` does, where the model is small enough'));
  }
  return f ? EXIT.failed : EXIT.pass;
}
