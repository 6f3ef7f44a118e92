/** Plain-text reports for terminals: the verdict, the counterexample step by step, the stats. */
import type { Expected } from '../core/model.ts';
import type { ExploreResult, ReductionStats, Stats } from '../explorer/result.ts';
import { formatPath } from '../explorer/result.ts';
import { waitForCycle } from '../explorer/blocked.ts';
import type { Change } from '../trace/diff.ts';
import type { Trace } from '../trace/trace.ts';
import type { Story } from '../trace/story.ts';
import { formatValue } from '../trace/formatValue.ts';
import type { Palette } from './palette.ts';
import { formatSwimlanes, type SwimlaneOptions } from './swimlanes.ts';

export interface TextReportInput {
  readonly model: string;
  readonly result: ExploreResult;
  readonly trace?: Trace;
  /** The annotated trace; when given, the counterexample is drawn as swimlanes. */
  readonly story?: Story;
  readonly lanes?: SwimlaneOptions;
  /** A line under the counterexample, e.g. how many context switches minimisation saved. */
  readonly note?: string;
  readonly expected?: Expected;
  /** The command that replays the counterexample, shown under it. */
  readonly replayCommand?: string;
  /** The model's note on what this violation means for the code modelled (`notes` in defineModel). */
  readonly finding?: string;
  /** The property's kind as written in the model, when it differs from the result's (`alwaysEventually`). */
  readonly propertyKind?: string;
  /** Say that --continue reports the other violated properties too. */
  readonly continueHint?: boolean;
}

/** Below this many states a per-state size says nothing (the table's fixed part dominates). */
const MIN_STATES_FOR_SIZE = 1000;

export { formatValue };

export function formatChange(c: Change): string {
  return `${c.path}: ${formatValue(c.from)} → ${formatValue(c.to)}`;
}

export function formatStats(s: Stats): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const base = `${n(s.states)} states, ${n(s.transitions)} transitions, depth ${s.depth}, ${(s.elapsedMs / 1000).toFixed(2)} s (${n(s.statesPerSecond)} states/s)${storeNote(s)}${engineNote(s)}${clusterNote(s)}${s.workersNote !== undefined ? `\nWorkers: ${s.workersNote}` : ''}`;
  return s.reduction ? `${base}\n${formatReduction(s.reduction)}` : base;
}

/** Which state space ran the search: said only when it is not the default compiled one. */
function engineNote(s: Stats): string {
  const e = s.engine;
  if (e === undefined || e.name === 'compiled') return '';
  return e.fallback !== undefined ? `\nEngine: reference state space (${e.fallback})` : '\nEngine: reference state space (--engine reference)';
}

/** A distributed search: where it ran, what it cost per state, and what it did differently from a local one. */
function clusterNote(s: Stats): string {
  const c = s.cluster;
  if (c === undefined) return '';
  const per = (x: number): string => (s.states > 0 ? (x / s.states).toFixed(x / s.states < 1 ? 4 : 0) : '0');
  const line = `\nCluster: run ${c.run}, ${c.workers} worker${c.workers === 1 ? '' : 's'}, ${c.partitions} partitions; Redis ${(c.redisMemoryBytes / 2 ** 20).toFixed(0)} MiB; per state ${per(c.clientCommands)} commands and ${per(c.bytesSent)} bytes sent; workers' CPU ${(c.workerCpuMs / 1000).toFixed(1)} s`;
  return `${line}${(c.notes ?? []).map((x) => `\nCluster: ${x}`).join('')}`;
}

/** One line saying which reductions were on and what they pruned. */
export function formatReduction(r: ReductionStats): string {
  const por = r.por
    ? `partial-order reduction pruned ${r.prunedSteps.toLocaleString('en-US')} enabled steps (${r.provisoExpansions.toLocaleString('en-US')} states fully expanded by the cycle proviso)`
    : r.porOff !== undefined
      ? `partial-order reduction off: ${r.porOff}`
      : undefined;
  const sym = r.symmetry
    ? `symmetry reduction (${r.symmetry} representatives): states counted once per renaming of interchangeable actors`
    : r.symmetryOff !== undefined
      ? `symmetry reduction off (searched again without it): ${r.symmetryOff}`
      : undefined;
  return `Reduced: ${[por, sym].filter((x) => x !== undefined).join('; ') || 'no reduction applies to this model'}`;
}

/** Visited-set size per state and, for fingerprints, the estimated chance that a collision hid a state. */
function storeNote(s: Stats): string {
  if (s.storeBytes === undefined || s.states < MIN_STATES_FOR_SIZE) return '';
  // A parallel search's shared parent arrays are allocated up front for its capacity, so its
  // size is not per state; a cluster's visited set is in Redis (said by the cluster line).
  if (s.cluster !== undefined) return '';
  const perState = s.startupMs !== undefined ? `${(s.storeBytes / 2 ** 20).toFixed(0)} MiB shared table` : `${Math.round(s.storeBytes / s.states)} bytes/state`;
  if (s.collisionProbability === undefined || s.collisionProbability === 0) return `\nVisited set: exact, ${perState}`;
  return `\nVisited set: ${perState}, fingerprint collision probability ${s.collisionProbability.toExponential(1)}`;
}

function headline(input: TextReportInput, p: Palette): string {
  const r = input.result;
  switch (r.verdict) {
    case 'pass':
      return `${p.green('PASS')}  ${input.model}: every property holds and no deadlock is reachable`;
    case 'violation':
      return `${p.red('VIOLATION')}  ${input.model}: "${r.property.name}" (${input.propertyKind ?? r.property.kind}) is violated\n  ${r.message}`;
    case 'deadlock':
      return `${p.red('DEADLOCK')}  ${input.model}: ${r.message}`;
    case 'incomplete':
      return `${p.yellow('INCOMPLETE')}  ${input.model}: the ${r.budget} budget ran out before a verdict`;
    default: {
      const never: never = r;
      return String(never);
    }
  }
}

/** `cycleStart`: for a lasso, the index of the first step of the repeating cycle. */
export function formatTrace(trace: Trace, p: Palette, cycleStart?: number): string[] {
  const lines: string[] = [];
  const width = Math.max(5, ...trace.steps.map((s) => s.actor.length));
  lines.push(p.bold(`Counterexample: ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}`));
  trace.steps.forEach((s, i) => {
    if (i === cycleStart) lines.push(p.yellow(`   ↻  the cycle: steps ${i + 1}–${trace.steps.length} repeat for ever`));
    const where = s.nested ? p.dim(`[${s.routine}] `) : '';
    lines.push(`${String(i + 1).padStart(4)}  ${p.cyan(s.actor.padEnd(width))}  ${where}${s.label}`);
    const indent = ' '.repeat(8 + width);
    for (const c of s.changes) lines.push(`${indent}${p.dim(formatChange(c))}`);
    if (s.failed) lines.push(`${indent}${p.red(`✗ ${s.failed.property}: ${s.failed.message}`)}`);
  });
  if (cycleStart !== undefined && cycleStart >= trace.steps.length) {
    lines.push(p.yellow(`   ■  the execution stops here for ever: no actor can take a step`));
  } else if (cycleStart !== undefined) {
    lines.push(p.yellow(`   ↻  back to the state before step ${cycleStart + 1}`));
  }
  return lines;
}

export function formatTextReport(input: TextReportInput, p: Palette): string {
  const r = input.result;
  const lines = [headline(input, p)];
  if (input.finding) lines.push(`  ${p.bold('What it means:')} ${input.finding}`);
  if (r.verdict === 'deadlock' && r.blocked.length > 0) {
    lines.push('  Blocked:');
    for (const b of r.blocked) lines.push(`    ${p.cyan(b.actor)} at ${b.step}: waits for ${b.waitsFor}`);
    const cycle = waitForCycle(r.blocked);
    if (cycle) lines.push(`  Wait-for cycle: ${cycle.map((a) => p.cyan(a)).join(' → ')}`);
  }
  if (r.verdict === 'violation' && r.lockOrder) {
    lines.push('  Lock orders seen (each path ends by taking the second lock):');
    for (const e of r.lockOrder) {
      lines.push(`    ${e.from} → ${e.to}  by ${p.cyan(e.actor)} at ${e.step}  (path ${formatPath(e.path) || 'initial state'})`);
    }
  }
  if (input.trace) {
    const cycleStart = r.verdict === 'violation' ? r.cycleStart : undefined;
    const lanes = { ...(input.lanes ?? { mode: 'diff' as const, width: 120 }), ...(cycleStart !== undefined ? { cycleStart } : {}) };
    lines.push('', ...(input.story ? formatSwimlanes(input.story, p, lanes) : formatTrace(input.trace, p, cycleStart)));
    if (input.note) lines.push('', input.note);
    lines.push('', `Replay path: ${formatPath(input.trace.path) || '(initial state)'}`);
    if (input.replayCommand) lines.push(`Replay with: ${input.replayCommand}`);
    if (input.continueHint) lines.push(p.dim('The search stopped at this first violation; --continue reports every violated property.'));
  }
  for (const w of r.witnesses) {
    lines.push(`sometimes "${w.property}": ${w.path ? `reached (path ${formatPath(w.path) || 'initial state'})` : 'not reached'}`);
  }
  if (r.verdict === 'pass' && r.liveness) {
    for (const name of r.liveness.properties) {
      lines.push(`liveness "${name}": holds under ${r.liveness.fairness} fairness (${r.liveness.states.toLocaleString('en-US')}-state graph)`);
    }
    if (r.liveness.unreduced) {
      lines.push('liveness ran unreduced, on the full state graph: partial-order and symmetry reduction preserve safety verdicts only');
    }
  }
  lines.push('', `Explored ${formatStats(r.stats)}`);
  if (input.expected && r.verdict === 'incomplete') {
    lines.push(`Expected verdict: ${input.expected.verdict}${input.expected.property ? ` of "${input.expected.property}"` : ''} (not reached: the search did not finish)`);
  } else if (input.expected) {
    const property = r.verdict === 'violation' ? r.property.name : r.verdict === 'deadlock' ? 'deadlock' : undefined;
    const same = input.expected.verdict === r.verdict && (input.expected.property === undefined || input.expected.property === property);
    lines.push(`Expected verdict: ${input.expected.verdict}${input.expected.property ? ` of "${input.expected.property}"` : ''} ${same ? p.green('(matches)') : p.yellow('(differs)')}`);
  }
  return lines.join('\n');
}
