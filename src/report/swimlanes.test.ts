import { describe, expect, it } from 'vitest';
import { compileModel } from '../core/model.ts';
import { explore } from '../explorer/explore.ts';
import { catalog } from '../../models/index.ts';
import { tellStory } from '../trace/story.ts';
import { replay } from '../trace/trace.ts';
import { escapeHtml, htmlReport, scriptJson, sequenceDiagram } from './html.ts';
import { palette } from './palette.ts';
import { formatSwimlanes } from './swimlanes.ts';
import { wrap } from './wrap.ts';

function flagshipStory(params: Record<string, string> = {}) {
  const model = compileModel(catalog.find((m) => m.name === 'hmm/v5.2-valid-flag')!, params);
  const r = explore(model);
  if (r.verdict !== 'violation' || !r.path) throw new Error('expected a violation');
  return tellStory(model, replay(model, r.path));
}

const ANSI = /\x1b\[/;

describe('wrap', () => {
  it('breaks at spaces, cuts long words and ends a cut-off text with …', () => {
    expect(wrap('mutex_lock(&range->hmm->lock) then more', 20)).toEqual(['mutex_lock(&range->h', 'mm->lock) then more']);
    expect(wrap('a b c d e f g h', 5, 2)).toEqual(['a b c', 'd e …']);
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('formatSwimlanes', () => {
  const story = flagshipStory({ driver: 'doc' });
  for (const width of [100, 160]) {
    it(`fits ${width} columns, names every actor, numbers every step`, () => {
      const lines = formatSwimlanes(story, palette(false), { mode: 'diff', width });
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(width);
      const header = lines[2]!;
      for (const a of ['driver', 'munmap', 'reclaim']) expect(header).toContain(a);
      for (let i = 1; i <= story.steps.length; i++) expect(lines.some((l) => l.startsWith(String(i).padStart(4) + ' '))).toBe(true);
      expect(lines.join('\n')).toContain('+hmm->lock');
      expect(lines.join('\n')).toContain('"no stale device mapping" violated');
    });
  }
  it('uses colour only when the palette has it', () => {
    expect(formatSwimlanes(story, palette(false), { mode: 'diff', width: 120 }).some((l) => ANSI.test(l))).toBe(false);
    expect(formatSwimlanes(story, palette(true), { mode: 'diff', width: 120 }).some((l) => ANSI.test(l))).toBe(true);
  });
  it('full mode shows the whole state after each step', () => {
    const text = formatSwimlanes(story, palette(false), { mode: 'full', width: 140 }).join('\n');
    expect(text.split('hmm.dead=false').length - 1).toBeGreaterThanOrEqual(story.steps.length);
  });
});

describe('HTML escaping', () => {
  it('escapes markup in text and keeps embedded JSON from closing its script element', () => {
    expect(escapeHtml(`<script>"a" & 'b'</script>`)).toBe('&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;');
    const json = scriptJson({ label: '</script><script>alert(1)</script>\u2028' });
    expect(json).not.toContain('</script>');
    expect(JSON.parse(json)).toEqual({ label: '</script><script>alert(1)</script>\u2028' });
  });
  it('the report has one lifeline per actor and one event per step, and loads nothing from the network', () => {
    const story = flagshipStory();
    const svg = sequenceDiagram(story);
    expect(svg.match(/class="lifeline"/g)).toHaveLength(3);
    expect(svg.match(/<g class="step[ "]/g)).toHaveLength(story.steps.length);
    const page = htmlReport({ story, title: 't', details: [] });
    expect(page).toContain("default-src 'none'");
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('lassos in the HTML diagram', () => {
  it('brackets the cycle of a liveness counterexample and names its steps', async () => {
    const { checkModel } = await import('../explorer/check.ts');
    const definition = catalog.find((m) => m.name === 'classic/tas-spinlock')!;
    const model = compileModel(definition);
    const r = checkModel(model);
    expect(r.verdict).toBe('violation');
    if (r.verdict !== 'violation' || r.cycleStart === undefined) throw new Error('expected a lasso');
    const story = tellStory(model, replay(model, r.path!));
    const svg = sequenceDiagram(story, r.cycleStart);
    expect(svg).toContain(`data-cycle-start="${r.cycleStart + 1}"`);
    expect(svg).toContain(`steps ${r.cycleStart + 1}–${story.steps.length} repeat for ever`);
    expect(sequenceDiagram(story)).not.toContain('class="cycle"');
  });
});
