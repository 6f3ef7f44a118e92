/** `interleave check`: compile, explore, rebuild and minimise the counterexample, report. Returns the exit code. */
import { compileModel, expectedOf, type AnyModelDefinition, type Model, type Params } from '../core/model.ts';
import { blockedThreads } from '../explorer/blocked.ts';
import { checkModel, type CheckOptions } from '../explorer/check.ts';
import type { ExploreOutcome } from '../explorer/explore.ts';
import { formatPath } from '../explorer/result.ts';
import { jsonReport } from '../report/json.ts';
import { palette } from '../report/palette.ts';
import { formatStats, formatTextReport } from '../report/text.ts';
import { minimiseSwitches } from '../trace/minimise.ts';
import { preemptionBounded } from '../trace/preemptionBounded.ts';
import { contextSwitches, tellStory } from '../trace/story.ts';
import { replay, type Trace } from '../trace/trace.ts';
import { exitCodeFor } from './exitCodes.ts';
import { laneWidth, switchNote, writeHtml, type PresentArgs } from './present.ts';
import { progressPrinter } from './progress.ts';
import type { Output } from './output.ts';

export interface CheckArgs extends PresentArgs {
  readonly spec: string;
  readonly params: Params;
  readonly json: boolean;
  readonly options: CheckOptions;
  /** `--preemption-bound N`: search within N preemptions first. */
  readonly preemptionBound?: number;
  /** Reorder the counterexample towards fewest context switches (default true). */
  readonly minimise: boolean;
  /** The safety search's result, when a parallel search (--workers) already ran it. */
  readonly safety?: ExploreOutcome;
}

/** The bounded search's find, in the explorer's result shape. */
function boundedOutcome<G>(model: Model<G>, args: CheckArgs, out: Output): { result: ExploreOutcome; note: string } | undefined {
  const bound = args.preemptionBound!;
  const started = Date.now();
  const found = preemptionBounded(model, {
    bound,
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

export function runCheck(definition: AnyModelDefinition, args: CheckArgs, out: Output): number {
  const model = compileModel(definition, args.params);
  const bounded = args.preemptionBound !== undefined ? boundedOutcome(model, args, out) : undefined;
  let result: ExploreOutcome;
  if (bounded) result = bounded.result;
  else {
    const progress = args.json || !out.stderrIsTTY ? undefined : progressPrinter(out);
    result = checkModel(model, { ...args.options, ...(progress ? { onProgress: progress.update } : {}) }, args.safety);
    progress?.done();
  }
  let trace: Trace | undefined;
  let found = 0;
  if ((result.verdict === 'violation' || result.verdict === 'deadlock') && result.path) {
    trace = replay(model, result.path, result.pathKeys ? { expectedKeys: result.pathKeys } : {});
    found = contextSwitches(trace.steps);
    // A lasso must keep its cycle and a lock-order path its last acquisition: only plain counterexamples are reordered.
    const reorderable = result.verdict === 'deadlock' || (result.cycleStart === undefined && result.lockOrder === undefined);
    if (args.minimise && reorderable) {
      const m = minimiseSwitches(model, result.path, args.options.properties ? { properties: args.options.properties } : {});
      if (m.switchesAfter < m.switchesBefore) trace = replay(model, m.path);
    }
  }
  const story = trace ? tellStory(model, trace) : undefined;
  const expected = expectedOf(definition, model.params);
  const paramText = Object.entries(args.params).map(([k, v]) => ` -p ${k}=${String(v)}`).join('');
  const replayCommand = trace ? `npx interleave replay ${args.spec}${paramText} ${formatPath(trace.path) || '-'}` : undefined;
  const shown = trace ? contextSwitches(trace.steps) : 0;
  if (args.json) {
    const report = jsonReport(model.name, result, trace, { ...(expected ? { expected } : {}), params: model.params });
    out.stdout(JSON.stringify({ ...report, source: args.spec, ...(report.trace ? { trace: { ...report.trace, contextSwitches: { found, shown } } } : {}) }));
  } else {
    const note = [bounded?.note, trace ? switchNote(found, shown) : undefined].filter((x) => x !== undefined).join('\n');
    out.stdout(
      formatTextReport(
        {
          model: model.name,
          result,
          ...(trace && story ? { trace, story, replayCommand: replayCommand!, lanes: { mode: args.trace, width: laneWidth(out, args.width) } } : {}),
          ...(note ? { note } : {}),
          ...(expected ? { expected } : {}),
        },
        palette(out.color),
      ),
    );
  }
  if (args.html !== undefined) {
    if (!story) {
      out.stderr(`interleave: no counterexample, so no HTML report (verdict ${result.verdict})`);
    } else {
      const v = story.verdict;
      const title = `${v.verdict === 'deadlock' ? 'DEADLOCK' : 'VIOLATION'} ${model.name}: ${v.verdict === 'deadlock' ? v.message : `"${v.property}" is violated`}`;
      const details = [
        ...(v.verdict === 'violation' && v.message ? [v.message] : []),
        `${story.steps.length} steps, ${story.actors.length} actors; ${switchNote(found, shown)}`,
        ...(Object.keys(model.params).length > 0 ? [`Parameters: ${Object.entries(model.params).map(([k, x]) => `${k}=${String(x)}`).join(' ')}`] : []),
        `Replay with: ${replayCommand}`,
        `Explored ${formatStats(result.stats)}`,
      ];
      writeHtml(args.html, model.name, story, title, details, out, result.verdict === 'violation' ? result.cycleStart : undefined);
    }
  }
  return exitCodeFor(result.verdict);
}
