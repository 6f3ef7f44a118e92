/**
 * The terminal counterexample: one column (swimlane) per actor, one row per step. A row shows the
 * step's label in its actor's lane, the locks it took (+) or released (−), and what it changed
 * (`diff` mode) or the whole state after it (`full` mode). Other lanes show the lifeline: `│`
 * running, `┃` holding a lock, `┆` waiting, blank once finished.
 */
import { lockName, stateFields, threadLine, within, type StateView, type Story, type StoryStep, type ThreadView } from '../trace/story.ts';
import type { Palette } from './palette.ts';
import { formatValue } from '../trace/formatValue.ts';
import { pad, truncate, width, wrap } from './wrap.ts';

export type TraceMode = 'diff' | 'full';

export interface SwimlaneOptions {
  readonly mode: TraceMode;
  /** For a lasso (liveness counterexample): index of the cycle's first step. */
  readonly cycleStart?: number;
  /** Total columns to fill; lanes share what is left after the step number. */
  readonly width: number;
}

const NUM = 5;
const MAX_LABEL_LINES = 4;
const MAX_CHANGES = 8;

function lifeline(t: ThreadView): string {
  if (t.stack.length === 0) return ' ';
  if (t.waitsFor !== undefined) return '┆';
  return t.locks.length > 0 ? '┃' : '│';
}

/** Lines the acting lane shows for one step, each tagged with how to colour it. */
function laneLines(s: StoryStep, routineChanged: boolean, mode: TraceMode, w: number): { text: string; tone: keyof Palette | 'plain' }[] {
  const out: { text: string; tone: keyof Palette | 'plain' }[] = [];
  if (routineChanged && s.nested) out.push({ text: truncate(`» ${s.routine}`, w), tone: 'dim' });
  for (const l of wrap(s.label, w, MAX_LABEL_LINES)) out.push({ text: l, tone: s.failed ? 'red' : 'bold' });
  for (const e of s.locks) out.push({ text: truncate(`${e.kind === 'acquire' ? '+' : '−'}${lockName(e)}`, w), tone: 'yellow' });
  if (mode === 'diff') {
    const shown = s.changes.filter((c) => !c.path.endsWith('.stack'));
    for (const c of shown.slice(0, MAX_CHANGES)) out.push({ text: truncate(`${c.path}: ${formatValue(c.from)} → ${formatValue(c.to)}`, w), tone: 'dim' });
    if (shown.length > MAX_CHANGES) out.push({ text: `… ${shown.length - MAX_CHANGES} more`, tone: 'dim' });
  }
  return out;
}

/** A state as packed `path=value` fields, then one line per thread (where it is, what it holds). */
export function formatState(view: StateView, p: Palette, w: number, highlight: ReadonlySet<string> = new Set()): string[] {
  const lines: string[] = [];
  let line = '';
  for (const { path, value } of stateFields(view)) {
    const raw = truncate(`${path}=${value}`, w);
    const field = [...highlight].some((c) => within(c, path)) ? p.bold(p.red(raw)) : raw;
    if (line !== '' && width(stripAnsi(line)) + 2 + width(raw) > w) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? field : `${line}  ${field}`;
  }
  if (line !== '') lines.push(line);
  for (const t of view.threads) lines.push(...wrap(threadLine(t), w, 3).map((l, i) => (i === 0 ? l : `    ${l}`)));
  return lines;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

export function formatSwimlanes(story: Story, p: Palette, options: SwimlaneOptions): string[] {
  const n = story.actors.length;
  const lane = Math.max(14, Math.floor((options.width - NUM) / n) - 1);
  const lines: string[] = [];
  const colour = (tone: keyof Palette | 'plain', s: string): string => (tone === 'plain' ? s : p[tone](s));
  const row = (cells: readonly string[], raw: readonly string[]): string =>
    `${' '.repeat(NUM)}${cells.map((c, i) => (i === n - 1 ? c : c + ' '.repeat(Math.max(0, lane - width(raw[i]!)) + 1))).join('')}`.trimEnd();

  lines.push(p.bold(`Counterexample: ${story.steps.length} step${story.steps.length === 1 ? '' : 's'}, ${n} actor${n === 1 ? '' : 's'}`));
  lines.push(p.dim('│ running  ┃ holds a lock  ┆ waiting  +lock taken  −lock released'));
  const header = story.actors.map((a) => truncate(a, lane));
  lines.push(row(header.map((h) => p.cyan(p.bold(h))), header));
  lines.push(row(header.map(() => p.dim('─'.repeat(Math.min(lane, 24)))), header.map(() => '─'.repeat(Math.min(lane, 24)))));

  const lastRoutine: (string | undefined)[] = story.actors.map(() => undefined);
  let before = story.initial;
  story.steps.forEach((s, i) => {
    if (i === options.cycleStart) lines.push(p.yellow(`${' '.repeat(NUM)}↻ the cycle: steps ${i + 1}–${story.steps.length} repeat for ever`));
    const acting = laneLines(s, lastRoutine[s.tid] !== s.routine, options.mode, lane);
    lastRoutine[s.tid] = s.routine;
    acting.forEach((l, k) => {
      const raw = story.actors.map((_, tid) => (tid === s.tid ? l.text : lifeline(k === 0 ? before.threads[tid]! : s.after.threads[tid]!)));
      const cells = raw.map((r, tid) => (tid === s.tid ? colour(l.tone, r) : p.dim(r)));
      const line = row(cells, raw);
      lines.push(k === 0 ? `${String(i + 1).padStart(NUM - 1)}${line.slice(NUM - 1)}` : line);
    });
    if (s.failed) for (const l of wrap(`✗ ${s.failed.property}: ${s.failed.message}`, options.width - NUM)) lines.push(p.red(p.bold(`${' '.repeat(NUM)}${l}`)));
    if (options.mode === 'full') {
      for (const l of formatState(s.after, p, options.width - NUM - 2)) lines.push(p.dim(`${' '.repeat(NUM + 2)}${l}`));
      lines.push('');
    }
    before = s.after;
  });
  if (options.cycleStart !== undefined) {
    lines.push(
      p.yellow(
        options.cycleStart >= story.steps.length
          ? `${' '.repeat(NUM)}■ the execution stops here for ever: no actor can take a step`
          : `${' '.repeat(NUM)}↻ back to the state before step ${options.cycleStart + 1}`,
      ),
    );
  }

  const v = story.verdict;
  if (v.verdict !== 'ok') {
    const last = story.steps[story.steps.length - 1];
    const changed = new Set(last?.changes.map((c) => c.path) ?? []);
    lines.push('', ...wrap(`✗ ${v.verdict === 'deadlock' ? 'deadlock' : `"${v.property}" violated`}: ${v.message}`, options.width).map((l) => p.red(p.bold(l))));
    lines.push(p.bold(`${v.verdict === 'deadlock' ? 'Deadlocked' : 'Violating'} state${changed.size > 0 ? ' (fields the last step changed in bold)' : ''}:`));
    for (const l of formatState(last?.after ?? story.initial, p, options.width - 2, changed)) lines.push(`  ${l}`);
  }
  return lines;
}
