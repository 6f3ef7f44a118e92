/** `interleave check`: compile, explore, rebuild and minimise the counterexample, report. Returns the exit code. */
import { compileModel, expectedOf, noteOf, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { blockedThreads } from '../explorer/blocked.ts';
import { checkModel, type CheckOptions } from '../explorer/check.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { everyViolation, violatedName, type Failed } from '../explorer/everyViolation.ts';
import { selectableProperties } from '../explorer/explore.ts';
import { formatPath } from '../explorer/result.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { formatStats, formatTextReport } from '../report/text.ts';
import { minimiseSwitches } from '../trace/minimise.ts';
import { preemptionBounded } from '../trace/preemptionBounded.ts';
import { contextSwitches, tellStory } from '../trace/story.ts';
import { replay, type Trace } from '../trace/trace.ts';
import type { Story } from '../trace/story.ts';
import { shellCommand } from './shellQuote.ts';
import { EXIT, exitCodeFor } from './exitCodes.ts';
import { defaultHtmlPath, laneWidth, switchNote, writeHtml, type PresentArgs } from './present.ts';
import { progressPrinter } from './progress.ts';
import type { Output } from './output.ts';
import { checkpointing, type CheckpointPlan } from './checkpointRun.ts';

export interface CheckArgs extends PresentArgs {
  readonly spec: string;
  readonly params: Params;
  readonly json: boolean;
  readonly options: CheckOptions;
  /** `--preemption-bound N`: search within N preemptions first. */
  readonly preemptionBound?: number;
  /** Reorder the counterexample towards fewest context switches (default true). */
  readonly minimise: boolean;
  /** `--continue`: search on past each violation and report every violated property. */
  readonly continue?: boolean;
  /** The safety search's result, when a parallel search (--workers) already ran it. */
  readonly safety?: ExploreOutcome;
  /** The whole check's result (safety and liveness), when the search thread (searchThread.ts) already ran it. */
  readonly checked?: ExploreOutcome;
  /** Say that --continue would report every violated property (default true; not for a swarm's find). */
  readonly continueHint?: boolean;
  /** `--checkpoint`, `--resume` (checkpointRun.ts): carried out here when no search thread ran the check. */
  readonly checkpoint?: CheckpointPlan;
}

/** The bounded search's find, in the explorer's result shape. */
function boundedOutcome<G>(model: Model<G>, args: CheckArgs, out: Output): { result: ExploreOutcome; note: string } | undefined {
  const bound = args.preemptionBound!;
  const started = Date.now();
  const found = preemptionBounded(model, {
    bound,
    ...(args.options.engine !== undefined ? { engine: args.options.engine } : {}),
    ...(args.options.properties ? { properties: args.options.properties } : {}),
    ...(args.options.maxStates !== undefined ? { maxStates: args.options.maxStates } : {}),
  });
  const elapsedMs = Date.now() - started;
  const stats = { states: found.states, transitions: 0, depth: 0, elapsedMs, statesPerSecond: elapsedMs > 0 ? Math.round((found.states * 1000) / elapsedMs) : found.states };
  if (found.kind !== 'found') {
    const why = found.kind === 'none' ? `no counterexample within ${bound} preemption${bound === 1 ? '' : 's'}` : 'the preemption-bounded search ran out of states';
    if (!args.json) out.stderr(`interleave: ${why} (${found.states.toLocaleString('en-US')} search states); running the full search`);
    return undefined;
  }
  const note = `Found by the preemption-bounded search: ${found.preemptions} preemption${found.preemptions === 1 ? '' : 's'} (bound ${bound}; fewest possible within it).`;
  const p = found.problem;
  if (p.verdict === 'deadlock') {
    const last = replay(model, found.path, { checkDeterminism: false }).states.at(-1) ?? model.initial;
    return { result: { verdict: 'deadlock', message: p.message, path: found.path, blocked: blockedThreads(model, last), stats: { ...stats, depth: found.path.length }, witnesses: [] }, note };
  }
  const kind = model.properties.find((q) => q.name === p.property)?.kind ?? 'assertion';
  return { result: { verdict: 'violation', property: { name: p.property, kind }, message: p.message, path: found.path, stats: { ...stats, depth: found.path.length }, witnesses: [] }, note };
}

/** A counterexample ready to print: replayed, reordered towards fewest context switches, told as a story. */
interface Shown {
  readonly result: ExploreOutcome;
  readonly trace?: Trace;
  readonly story?: Story;
  readonly found: number;
  readonly shown: number;
  readonly replayCommand?: string;
  readonly note?: string;
}

/** The command that replays `path`: the path before the options, every word shell-quoted. */
export function replayCommandFor(spec: string, params: Params, path: readonly number[]): string {
  const words = ['npx', 'interleave', 'replay', spec, formatPath(path) || '-'];
  for (const [k, v] of Object.entries(params)) words.push('-p', `${k}=${String(v)}`);
  return shellCommand(words);
}

function show<G>(model: Model<G>, definition: AnyModelDefinition, result: ExploreOutcome, args: CheckArgs, selection: readonly string[] | undefined): Shown {
  if ((result.verdict !== 'violation' && result.verdict !== 'deadlock') || !result.path) return { result, found: 0, shown: 0 };
  let trace = replay(model, result.path, result.pathKeys ? { expectedKeys: result.pathKeys } : {});
  const found = contextSwitches(trace.steps);
  // A lasso must keep its cycle and a lock-order path its last acquisition: only plain counterexamples are reordered.
  const reorderable = result.verdict === 'deadlock' || (result.cycleStart === undefined && result.lockOrder === undefined);
  if (args.minimise && reorderable) {
    const m = minimiseSwitches(model, result.path, selection ? { properties: selection } : {});
    if (m.switchesAfter < m.switchesBefore) trace = replay(model, m.path);
  }
  const name = result.verdict === 'deadlock' ? 'deadlock' : result.property.name;
  const note = noteOf(definition, model.params, name);
  return {
    result,
    trace,
    story: tellStory(model, trace),
    found,
    shown: contextSwitches(trace.steps),
    replayCommand: replayCommandFor(args.spec, args.params, trace.path),
    ...(note ? { note } : {}),
  };
}

/** How a property's kind reads in a report: `eventually` and `alwaysEventually` are leadsTo underneath. */
function kindLabel<G>(model: Model<G>, result: ExploreOutcome): string | undefined {
  if (result.verdict !== 'violation') return undefined;
  const p = model.properties.find((q) => q.name === result.property.name);
  return p && p.kind === 'leadsTo' ? (p.form ?? 'leadsTo') : undefined;
}

function jsonOf<G>(model: Model<G>, s: Shown, expected: ReturnType<typeof expectedOf>): Record<string, unknown> {
  const report = jsonReport(model.name, s.result, s.trace, { ...(expected ? { expected } : {}), params: model.params });
  return {
    ...report,
    ...(s.note ? { note: s.note } : {}),
    ...(report.trace ? { trace: { ...report.trace, contextSwitches: { found: s.found, shown: s.shown } } } : {}),
  };
}

function textOf<G>(model: Model<G>, s: Shown, args: CheckArgs, out: Output, expected: ReturnType<typeof expectedOf>, extra: string | undefined, hint: boolean): string {
  const note = [extra, s.trace ? switchNote(s.found, s.shown) : undefined].filter((x) => x !== undefined).join('\n');
  const kind = kindLabel(model, s.result);
  return formatTextReport(
    {
      model: model.name,
      result: s.result,
      ...(s.trace && s.story ? { trace: s.trace, story: s.story, replayCommand: s.replayCommand!, lanes: { mode: args.trace, width: laneWidth(out, args.width) } } : {}),
      ...(note ? { note } : {}),
      ...(s.note ? { finding: s.note } : {}),
      ...(kind ? { propertyKind: kind } : {}),
      ...(hint ? { continueHint: true } : {}),
      ...(expected ? { expected } : {}),
    },
    palette(out.color),
  );
}

function htmlOf<G>(model: Model<G>, s: Shown, target: string, out: Output): void {
  if (!s.story) return;
  const v = s.story.verdict;
  const title = `${v.verdict === 'deadlock' ? 'DEADLOCK' : 'VIOLATION'} ${model.name}: ${v.verdict === 'deadlock' ? v.message : `"${v.property}" is violated`}`;
  const details = [
    ...(v.verdict === 'violation' && v.message ? [v.message] : []),
    ...(s.note ? [s.note] : []),
    `${s.story.steps.length} steps, ${s.story.actors.length} actors; ${switchNote(s.found, s.shown)}`,
    ...(Object.keys(model.params).length > 0 ? [`Parameters: ${Object.entries(model.params).map(([k, x]) => `${k}=${String(x)}`).join(' ')}`] : []),
    `Replay with: ${s.replayCommand}`,
    `Explored ${formatStats(s.result.stats)}`,
  ];
  writeHtml(target, model.name, s.story, title, details, out, s.result.verdict === 'violation' ? s.result.cycleStart : undefined);
}

/** `reports/x.html` → `reports/x-2.html` for the second violation of a --continue run. */
function numbered(target: string, model: string, k: number): string {
  const file = target === '' ? defaultHtmlPath(model) : target;
  if (k === 0) return file;
  return /\.html?$/i.test(file) ? file.replace(/(\.html?)$/i, `-${k + 1}$1`) : `${file}-${k + 1}`;
}

export function runCheck(definition: AnyModelDefinition, args: CheckArgs, out: Output): number {
  const cp = args.checkpoint && !args.checked ? checkpointing(args.checkpoint, { failed: (message) => out.stderr(message) }) : undefined;
  const model = compileModel(definition, args.params, cp?.numbering);
  const bounded = args.preemptionBound !== undefined ? boundedOutcome(model, args, out) : undefined;
  let result: ExploreOutcome;
  if (bounded) result = bounded.result;
  else if (args.checked) result = args.checked;
  else {
    const progress = args.json || !out.stderrIsTTY ? undefined : progressPrinter(out);
    result = checkModel(model, { ...args.options, ...cp?.options, ...(progress ? { onProgress: progress.update } : {}) }, args.safety);
    progress?.done();
  }
  const fallback = result.stats.engine?.fallback;
  if (args.checkpoint && fallback !== undefined) out.stderr(`interleave: the search ran on the reference state space (${fallback}), which is not checkpointed: no checkpoint was written after it began`);
  const expected = expectedOf(definition, model.params);
  if (args.continue) return reportEvery(model, definition, result, args, out, expected);
  const selection = args.options.properties;
  const s = show(model, definition, result, args, selection);
  if (args.json) out.stdout(JSON.stringify({ ...jsonOf(model, s, expected), source: args.spec }));
  else out.stdout(textOf(model, s, args, out, expected, bounded?.note, s.trace !== undefined && args.continueHint !== false));
  if (args.html !== undefined) {
    if (!s.story) out.stderr(`interleave: no counterexample, so no HTML report (verdict ${result.verdict})`);
    else htmlOf(model, s, args.html, out);
  }
  return exitCodeFor(result.verdict);
}

/** `--continue`: a counterexample per violated property, the list of them first. */
function reportEvery<G>(model: Model<G>, definition: AnyModelDefinition, first: ExploreOutcome, args: CheckArgs, out: Output, expected: ReturnType<typeof expectedOf>): number {
  const progress = args.json || !out.stderrIsTTY ? undefined : progressPrinter(out);
  const every = everyViolation(model, { ...args.options, ...(progress ? { onProgress: progress.update } : {}) }, first);
  progress?.done();
  const shown = every.violations.map((v, k) => show(model, definition, v, args, k === 0 ? args.options.properties : selectionAfter(model, every.violations.slice(0, k), args.options.properties)));
  const code = every.violations.length > 0 ? EXIT.failed : exitCodeFor(every.rest.verdict);
  if (args.json) {
    const [head] = shown;
    const base = head ? jsonOf(model, head, expected) : jsonOf(model, { result: every.rest, found: 0, shown: 0 }, expected);
    out.stdout(
      JSON.stringify({
        ...base,
        source: args.spec,
        violations: shown.map((s) => ({ ...jsonOf(model, s, undefined), replay: s.replayCommand })),
        rest: { verdict: every.rest.verdict, ...(every.rest.verdict === 'incomplete' ? { budget: every.rest.budget } : {}), stats: every.rest.stats },
      }),
    );
  } else {
    const p = palette(out.color);
    const lines: string[] = [];
    if (shown.length === 0) lines.push(textOf(model, { result: every.rest, found: 0, shown: 0 }, args, out, expected, undefined, false));
    else {
      lines.push(p.red(`${shown.length} ${shown.length === 1 ? 'property' : 'properties'} violated in ${model.name}`) + ' (the search went on past each violation: --continue)');
      shown.forEach((s, k) => lines.push(`  ${k + 1}. ${summary(s)}`));
      lines.push(`  ${restLine(every.rest)}`);
      shown.forEach((s, k) => lines.push('', p.bold(`── ${k + 1} of ${shown.length} ──`), textOf(model, s, args, out, k === 0 ? expected : undefined, undefined, false)));
    }
    out.stdout(lines.join('\n'));
  }
  if (args.html !== undefined) shown.forEach((s, k) => htmlOf(model, s, numbered(args.html!, model.name, k), out));
  return code;
}

function selectionAfter<G>(model: Model<G>, before: readonly Failed[], selection: readonly string[] | undefined): string[] {
  const gone = new Set(before.map((v) => violatedName(model, v)));
  return (selection ?? selectableProperties(model)).filter((n) => !gone.has(n));
}

function summary(s: Shown): string {
  const r = s.result;
  const what = r.verdict === 'violation' ? `"${r.property.name}"` : 'deadlock';
  const steps = s.trace ? `${s.trace.steps.length} steps` : 'no reachable witness';
  return `${what}, ${steps}${s.note ? `: ${s.note}` : ''}`;
}

function restLine(rest: ExploreOutcome): string {
  if (rest.verdict === 'incomplete') return `then the ${rest.budget} budget ran out: other properties may be violated too`;
  return `every other property holds (${rest.stats.states.toLocaleString('en-US')} states in the last search)`;
}
