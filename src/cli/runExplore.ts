/** `interleave explore`: check the model once (for "jump to the violation"), then serve the explorer until interrupted. */
import { compileModel, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { explore } from '../explorer/explore.ts';
import { formatPath } from '../explorer/result.ts';
import type { ExplorerInfo } from '../report/explorerPage.ts';
import { judgeTrace } from '../trace/judge.ts';
import { minimiseSwitches } from '../trace/minimise.ts';
import { replay } from '../trace/trace.ts';
import { startExplorer, type RunningExplorer } from './explorerServer.ts';
import type { Output } from './output.ts';

export interface ExploreArgs {
  readonly params: Params;
  readonly host: string;
  readonly port: number;
  /** Run the checker first so the page can jump to its counterexample (default true). */
  readonly check: boolean;
  readonly properties?: readonly string[];
}

/** The model and what the page shows about the checker's verdict. */
export function prepareExplorer<G>(definition: AnyModelDefinition, args: Pick<ExploreArgs, 'params' | 'check' | 'properties'>): { model: Model<G>; info: ExplorerInfo } {
  const model = compileModel(definition, args.params) as Model<G>;
  const base = { model: model.name, params: model.params };
  if (!args.check) return { model, info: { ...base, verdict: 'not checked (--no-check)' } };
  const selection = args.properties ? { properties: args.properties } : {};
  const result = explore(model, selection);
  if ((result.verdict !== 'violation' && result.verdict !== 'deadlock') || !result.path) return { model, info: { ...base, verdict: result.verdict } };
  const path = minimiseSwitches(model, result.path, selection).path;
  const judged = judgeTrace(model, replay(model, path, { checkDeterminism: false }));
  const problem = judged.verdict === 'deadlock' ? `deadlock: ${judged.message ?? ''}` : `"${judged.property ?? ''}" violated`;
  return { model, info: { ...base, verdict: result.verdict, violation: { path: formatPath(path), problem } } };
}

export async function runExplore(definition: AnyModelDefinition, args: ExploreArgs, out: Output, until: Promise<unknown>): Promise<number> {
  const { model, info } = prepareExplorer(definition, args);
  const server: RunningExplorer = await startExplorer(model, info, { host: args.host, port: args.port });
  out.stdout(`Explorer for ${model.name}: ${server.url}  (Ctrl-C stops it)`);
  await until;
  await server.close();
  return 0;
}
