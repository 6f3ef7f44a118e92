/** `interleave replay`: a replay path (or a saved JSON report, `--from`) back into a counterexample. */
import { readFileSync } from 'node:fs';
import { ModelError, UsageError } from '../core/errors.ts';
import { compileModel, type AnyModelDefinition, type Params, type ParamValue } from '../core/model.ts';
import { formatPath, parsePath } from '../explorer/result.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { formatSwimlanes } from '../report/swimlanes.ts';
import { judgeTrace } from '../trace/judge.ts';
import { contextSwitches, tellStory } from '../trace/story.ts';
import { replay } from '../trace/trace.ts';
import { EXIT } from './exitCodes.ts';
import { findRegistered, loadModel } from './loadModel.ts';
import type { Output } from './output.ts';
import { laneWidth, switchNote, writeHtml, type PresentArgs } from './present.ts';

export interface ReplayArgs extends PresentArgs {
  readonly spec?: string;
  readonly path?: string;
  /** A JSON report written by `check --json` (see docs/trace.schema.json). */
  readonly from?: string;
  readonly params: Params;
  readonly json: boolean;
}

interface Saved {
  /** The registered model the report names (`model`); a report never names a file to load. */
  readonly spec: string;
  /** What `check` was given on its command line (`source`), shown when it is not `model`. */
  readonly source?: string;
  readonly params: Params;
  readonly path: number[];
  readonly labels?: readonly string[];
}

/** Reads the parts of a saved report that replay needs, with a message for each thing missing. */
export function readSaved(file: string): Saved {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not JSON (${e instanceof Error ? e.message : String(e)}); write it with \`interleave check … --json > ${file}\``);
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const trace = o.trace as Record<string, unknown> | undefined;
  const spec = o.model;
  if (typeof spec !== 'string') throw new UsageError(`${file} has no "model" (see docs/trace.schema.json)`);
  if (typeof trace !== 'object' || trace === null || typeof trace.path !== 'string') {
    throw new UsageError(`${file} has no "trace.path": it holds no counterexample (verdict ${String(o.verdict)})`);
  }
  const path = parsePath(trace.path);
  if (path === undefined) throw new UsageError(`${file}: "trace.path" must look like 0/2/1/4, got "${trace.path}"`);
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries((o.params ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') throw new UsageError(`${file}: parameter "${k}" must be a number, string or boolean`);
    params[k] = v;
  }
  const steps = trace.steps;
  if (!Array.isArray(steps) || steps.some((s) => typeof s !== 'object' || s === null || typeof (s as { label?: unknown }).label !== 'string')) {
    throw new UsageError(`${file}: "trace.steps" must be the list of steps \`check --json\` wrote (each with a "label"), to check the trace against the model`);
  }
  const labels = (steps as { label: string }[]).map((s) => s.label);
  return { spec, params, path, labels, ...(typeof o.source === 'string' ? { source: o.source } : {}) };
}

export async function runReplay(args: ReplayArgs, out: Output): Promise<number> {
  let saved: Saved;
  if (args.from !== undefined) {
    if (args.path !== undefined) throw new UsageError('give either --from FILE or a replay path, not both');
    saved = readSaved(args.from);
    saved = { ...saved, params: { ...saved.params, ...args.params } };
    return replaySaved(saved, args, out);
  } else {
    if (args.spec === undefined || args.path === undefined) throw new UsageError('replay needs <model> <path>, or --from trace.json');
    const path = parsePath(args.path);
    if (path === undefined) throw new UsageError(`replay path must look like 0/2/1/4, got "${args.path}"`);
    saved = { spec: args.spec, params: args.params, path };
  }
  return replayAt(await loadModel(saved.spec), saved, args, out);
}

/**
 * A saved report is data: it may name a registered model, never a file to import. A model file is
 * loaded only when the user names it on the command line, and then it must be the model the
 * report was written for.
 */
async function replaySaved(saved: Saved, args: ReplayArgs, out: Output): Promise<number> {
  const fileHint = saved.source !== undefined && saved.source !== saved.spec ? ` (it was checked from ${JSON.stringify(saved.source)})` : '';
  let definition;
  if (args.spec !== undefined) definition = await loadModel(args.spec);
  else {
    definition = findRegistered(saved.spec);
    if (definition === undefined) {
      throw new UsageError(
        `${args.from}: model "${saved.spec}" is not a registered model${fileHint}; name its file yourself: interleave replay path/to/model.ts --from ${args.from}` +
          '\n  (a report never makes interleave load a file)',
      );
    }
  }
  if (definition.name !== saved.spec) {
    throw new UsageError(`${args.from} is a report of model "${saved.spec}"${fileHint}, but ${args.spec} is model "${definition.name}"; name the model the report was written for`);
  }
  return replayAt(definition, saved, args, out);
}

async function replayAt(definition: AnyModelDefinition, saved: Saved, args: ReplayArgs, out: Output): Promise<number> {
  const model = compileModel(definition, saved.params);
  const trace = replay(model, saved.path);
  if (saved.labels) {
    const k = trace.steps.findIndex((s, i) => s.label !== saved.labels![i]);
    if (k >= 0 || trace.steps.length !== saved.labels.length) {
      throw new ModelError(
        `the saved trace does not match the model: step ${k >= 0 ? k + 1 : trace.steps.length + 1} was "${saved.labels[k >= 0 ? k : trace.steps.length] ?? '(end)'}" but is now "${trace.steps[k]?.label ?? '(end)'}"`,
        { model: model.name },
        'the model or its parameters changed since the report was written; run check again',
      );
    }
  }
  const judged = judgeTrace(model, trace);
  const story = tellStory(model, trace);
  if (args.json) {
    const report = jsonReport(model.name, { verdict: 'pass', stats: { states: trace.states.length + 1, transitions: trace.steps.length, depth: trace.steps.length, elapsedMs: 0, statesPerSecond: 0 }, witnesses: [] }, trace, { params: model.params });
    out.stdout(JSON.stringify({ ...report, source: args.spec ?? saved.spec, verdict: judged.verdict === 'ok' ? 'pass' : judged.verdict, ...(judged.property ? { property: judged.property, message: judged.message } : {}) }));
  } else {
    const p = palette(out.color);
    out.stdout([...formatSwimlanes(story, p, { mode: args.trace, width: laneWidth(out, args.width) }), '', switchNote(contextSwitches(trace.steps), contextSwitches(trace.steps)), `Replay path: ${formatPath(saved.path) || '(initial state)'}`].join('\n'));
    out.stdout(judged.verdict === 'ok' ? 'The final state violates no property.' : p.red(`The final state: ${judged.verdict} of "${judged.property}": ${judged.message}`));
  }
  if (args.html !== undefined) {
    const title = judged.verdict === 'ok' ? `${model.name}: replayed ${trace.steps.length} steps` : `${judged.verdict.toUpperCase()} ${model.name}: "${judged.property}"`;
    writeHtml(args.html, model.name, story, title, [...(judged.message ? [judged.message] : []), `Replay path: ${formatPath(saved.path) || '(initial state)'}`], out);
  }
  return judged.verdict === 'ok' ? EXIT.pass : EXIT.failed;
}
