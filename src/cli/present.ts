/** Shared by `check` and `replay`: terminal width, the HTML file, the context-switch note. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { htmlReport } from '../report/html.ts';
import type { TraceMode } from '../report/swimlanes.ts';
import type { Story } from '../trace/story.ts';
import type { Output } from './output.ts';

export interface PresentArgs {
  readonly trace: TraceMode;
  /** `--html`: a file path, or '' for the default under reports/. */
  readonly html?: string;
  readonly width?: number;
}

/** Columns for swimlanes: the terminal's, kept within 60–160; 120 when not a terminal. */
export function laneWidth(out: Output, requested?: number): number {
  if (requested !== undefined) return Math.max(40, Math.floor(requested));
  return out.columns ? Math.min(160, Math.max(60, out.columns)) : 120;
}

/** `reports/hmm-v5.2-valid-flag.html` for `hmm/v5.2-valid-flag`. */
export function defaultHtmlPath(model: string): string {
  return `reports/${model.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'trace'}.html`;
}

export function writeHtml(
  target: string,
  model: string,
  story: Story,
  title: string,
  details: readonly string[],
  out: Output,
  cycleStart?: number,
): void {
  const file = resolve(target === '' ? defaultHtmlPath(model) : target);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, htmlReport({ story, title, details, ...(cycleStart !== undefined ? { cycleStart } : {}) }));
  } catch (e) {
    throw new UsageError(`cannot write the HTML report to ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  out.stderr(`HTML report: ${file}`);
}

export function switchNote(found: number, shown: number): string {
  return found === shown
    ? `Context switches: ${shown}`
    : `Context switches: ${shown} (reordered from ${found} in the order the search met; --no-minimise shows that order)`;
}
