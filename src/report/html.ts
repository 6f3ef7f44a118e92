/**
 * The HTML counterexample report: one self-contained page (inline CSS, SVG and script; a
 * Content-Security-Policy forbids every network request) with a sequence diagram of the trace.
 * Actors are lifelines, steps are events on them, lock hand-offs are arrows, waits are dashed,
 * holding a lock thickens the lifeline, and the violation is marked. Clicking a step shows the
 * full state after it and what it changed. Every model-provided string is escaped.
 */
import { lockName, stateFields, threadLine, type StateView, type Story } from '../trace/story.ts';

export interface HtmlReportInput {
  readonly story: Story;
  /** Headline, e.g. `VIOLATION hmm/v5.2-valid-flag: "lock discipline" is violated`. */
  readonly title: string;
  /** Lines under the headline: message, stats, replay command, parameters. */
  readonly details: readonly string[];
  /** For a liveness lasso: index of the first step of the cycle that repeats for ever. */
  readonly cycleStart?: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no `<!--`, no line separators). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const LANE = 270;
const LEFT = 44;
const TOP = 56;
const ROW = 38;
const LABEL_CHARS = 40;

function short(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function stateData(view: StateView): { fields: { path: string; value: string }[]; threads: string[] } {
  return {
    fields: stateFields(view),
    threads: view.threads.map(threadLine),
  };
}

/** The SVG sequence diagram. Exported for tests; `htmlReport` embeds it. */
export function sequenceDiagram(story: Story, cycleStart?: number): string {
  const n = story.actors.length;
  const rows = story.steps.length;
  const width = LEFT + n * LANE + 20;
  const height = TOP + (rows + 1) * ROW + 40;
  const x = (tid: number): number => LEFT + tid * LANE + 14;
  const y = (i: number): number => TOP + (i + 1) * ROW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" id="diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="sequence diagram">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>');

  // Lifelines: one segment per row, styled by what the thread does during it.
  story.actors.forEach((actor, tid) => {
    out.push(`<g class="lifeline" data-actor="${escapeHtml(actor)}">`);
    out.push(`<rect class="actor-box" x="${x(tid) - 10}" y="8" width="${LANE - 30}" height="28" rx="4"/>`);
    out.push(`<text class="actor-name" x="${x(tid)}" y="27">${escapeHtml(short(actor, 30))}</text>`);
    let view = story.initial;
    for (let i = 0; i <= rows; i++) {
      const t = view.threads[tid]!;
      if (t.stack.length > 0) {
        const kind = t.waitsFor !== undefined ? 'waiting' : t.locks.length > 0 ? 'holding' : 'running';
        const why = t.waitsFor !== undefined ? `waits for ${t.waitsFor}` : t.locks.length > 0 ? `holds ${t.locks.map(lockName).join(', ')}` : 'running';
        out.push(`<line class="seg ${kind}" x1="${x(tid)}" y1="${i === 0 ? 36 : y(i - 1) + 8}" x2="${x(tid)}" y2="${y(i) - 8}"><title>${escapeHtml(`${actor}: ${why}`)}</title></line>`);
      }
      view = story.steps[i]?.after ?? view;
    }
    out.push('</g>');
  });

  // Lock hand-offs: a release by one actor followed by the next acquire of the same lock by another.
  const lastRelease = new Map<string, { tid: number; i: number }>();
  story.steps.forEach((s, i) => {
    for (const e of s.locks) {
      if (e.kind === 'release') lastRelease.set(e.name, { tid: s.tid, i });
      else {
        const r = lastRelease.get(e.name);
        if (r && r.tid !== s.tid) {
          out.push(`<line class="handoff" x1="${x(r.tid)}" y1="${y(r.i)}" x2="${x(s.tid) + (r.tid < s.tid ? -7 : 7)}" y2="${y(i)}" marker-end="url(#arrow)"><title>${escapeHtml(`${e.name} passes from ${story.actors[r.tid]!} to ${s.actor}`)}</title></line>`);
        }
        lastRelease.delete(e.name);
      }
    }
  });

  // Steps.
  story.steps.forEach((s, i) => {
    const cls = s.failed || (i === rows - 1 && story.verdict.verdict !== 'ok') ? 'step violating' : 'step';
    const locks = s.locks.map((e) => `${e.kind === 'acquire' ? '+' : '−'}${lockName(e)}`).join(' ');
    const sub = [s.nested ? s.routine : '', locks].filter((t) => t !== '').join('  ');
    out.push(`<g class="${cls}" data-step="${i + 1}" data-actor="${escapeHtml(s.actor)}" tabindex="0">`);
    out.push(`<title>${escapeHtml(`${i + 1}. ${s.actor}: ${s.label}`)}</title>`);
    out.push(`<rect class="hit" x="${x(s.tid) - 12}" y="${y(i) - 15}" width="${LANE - 8}" height="${ROW - 4}"/>`);
    out.push(`<text class="num" x="${LEFT - 8}" y="${y(i) + 4}">${i + 1}</text>`);
    out.push(`<circle class="dot" cx="${x(s.tid)}" cy="${y(i)}" r="6"/>`);
    out.push(`<text class="label" x="${x(s.tid) + 12}" y="${y(i) + 1}">${escapeHtml(short(s.label, LABEL_CHARS))}</text>`);
    if (sub) out.push(`<text class="sub" x="${x(s.tid) + 12}" y="${y(i) + 14}">${escapeHtml(short(sub, LABEL_CHARS + 8))}</text>`);
    out.push('</g>');
  });

  // A lasso: bracket the steps that repeat for ever, or mark where the execution stalls.
  if (cycleStart !== undefined) {
    const top = cycleStart < rows ? y(cycleStart) - 15 : y(rows - 1) + 10;
    const bottom = cycleStart < rows ? y(rows - 1) + 10 : top;
    const text = cycleStart < rows ? `↻ steps ${cycleStart + 1}–${rows} repeat for ever` : '■ the execution stops here for ever: no actor can take a step';
    out.push(`<g class="cycle" data-cycle-start="${cycleStart + 1}"><path d="M${LEFT - 24},${top} h-6 V${bottom} h6"/><text x="${LEFT - 30}" y="${top - 3}">${escapeHtml(text)}</text><title>${escapeHtml(text)}</title></g>`);
  }

  const v = story.verdict;
  if (v.verdict !== 'ok') {
    const yy = y(rows - 1) + ROW / 2 + 12;
    out.push(`<g class="violation"><line x1="${LEFT - 30}" y1="${yy - 14}" x2="${width - 10}" y2="${yy - 14}"/><text x="${LEFT - 30}" y="${yy + 6}">✗ ${escapeHtml(v.verdict === 'deadlock' ? `deadlock: ${v.message ?? ''}` : `${v.property ?? ''}: ${v.message ?? ''}`)}</text></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{padding:12px 20px;border-bottom:1px solid #d8dde6;background:#fff}
h1{font-size:17px;margin:0 0 4px}h1 .bad{color:#c62828}h1 .good{color:#2e7d32}
header p{margin:2px 0;font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap}
main{display:flex;align-items:flex-start}
#scroll{flex:1 1 auto;overflow:auto;padding:8px}
aside{flex:0 0 38%;position:sticky;top:0;max-height:100vh;overflow:auto;border-left:1px solid #d8dde6;background:#fff;padding:12px 16px;box-sizing:border-box}
aside h2{font-size:15px;margin:0 0 6px}aside h3{font-size:13px;margin:12px 0 4px}
table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px;width:100%}
td{border-bottom:1px solid #eef0f4;padding:2px 6px;vertical-align:top;word-break:break-all}
tr.changed td{background:#fff3c4;font-weight:600}
.threads li{font-family:ui-monospace,monospace;font-size:12px;margin:2px 0}
.legend{font-size:12px;color:#5b6475;margin:4px 0 0}
svg text{font-family:ui-monospace,monospace;font-size:11px;fill:#1d2330}
.actor-box{fill:#e8eef9;stroke:#6a86c4}.actor-name{font-weight:700;font-size:12px}
.seg{stroke:#8a94a6;stroke-width:1.5}.seg.holding{stroke:#1f5fbf;stroke-width:5}.seg.waiting{stroke:#d98200;stroke-dasharray:4 4;stroke-width:2}
.handoff{stroke:#1f5fbf;stroke-dasharray:2 3;stroke-width:1.2}.arrowhead{fill:#1f5fbf}
.step{cursor:pointer}.step .hit{fill:transparent}.step:hover .hit,.step:focus .hit{fill:#eef3fc}
.step.selected .hit{fill:#dbe6fb;stroke:#1f5fbf}
.step .dot{fill:#fff;stroke:#1f5fbf;stroke-width:2}.step .num{text-anchor:end;fill:#8a94a6}.step .sub{fill:#7a5200;font-size:10px}
.step.violating .dot{fill:#c62828;stroke:#c62828}.step.violating .label{fill:#c62828;font-weight:700}
.cycle path{fill:none;stroke:#b26a00;stroke-width:2}.cycle text{fill:#b26a00;font-weight:700}
.violation line{stroke:#c62828;stroke-width:1.5;stroke-dasharray:6 3}.violation text{fill:#c62828;font-weight:700}
.failed{color:#c62828;font-weight:600}
`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('trace-data').textContent);
const panel = document.getElementById('details');
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
function show(i) {
  document.querySelectorAll('.step.selected').forEach((e) => e.classList.remove('selected'));
  const g = document.querySelector('.step[data-step="' + i + '"]');
  if (g) g.classList.add('selected');
  const s = i === 0 ? null : data.steps[i - 1];
  const state = s ? s.state : data.initial;
  panel.replaceChildren();
  panel.appendChild(el('h2', s ? 'Step ' + i + ': ' + s.actor : 'Initial state'));
  if (s) {
    panel.appendChild(el('p', s.label, 'label'));
    if (s.routine) panel.appendChild(el('p', 'in ' + s.routine));
    if (s.locks.length) panel.appendChild(el('p', s.locks.join('  ')));
    if (s.failed) panel.appendChild(el('p', '✗ ' + s.failed, 'failed'));
    panel.appendChild(el('h3', 'Changes'));
    const ct = el('table'); ct.id = 'changes';
    if (s.changes.length === 0) panel.appendChild(el('p', 'none'));
    for (const c of s.changes) { const tr = el('tr'); tr.append(el('td', c.path), el('td', c.from), el('td', '→'), el('td', c.to)); ct.appendChild(tr); }
    panel.appendChild(ct);
  }
  panel.appendChild(el('h3', s ? 'State after the step' : 'State'));
  const changed = s ? s.changes.map((c) => c.path) : [];
  const hit = (f) => changed.some((c) => c === f || c.startsWith(f + '.') || c.startsWith(f + '['));
  const st = el('table'); st.id = 'state';
  for (const f of state.fields) { const tr = el('tr', undefined, hit(f.path) ? 'changed' : ''); tr.append(el('td', f.path), el('td', f.value)); st.appendChild(tr); }
  panel.appendChild(st);
  panel.appendChild(el('h3', 'Threads'));
  const ul = el('ul', undefined, 'threads');
  for (const t of state.threads) ul.appendChild(el('li', t));
  panel.appendChild(ul);
}
document.querySelectorAll('.step').forEach((g) => {
  const i = Number(g.getAttribute('data-step'));
  g.addEventListener('click', () => show(i));
  g.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') show(i); });
});
document.getElementById('show-initial').addEventListener('click', (e) => { e.preventDefault(); show(0); });
show(data.steps.length);
`;

export function htmlReport(input: HtmlReportInput): string {
  const { story } = input;
  const data = {
    initial: stateData(story.initial),
    steps: story.steps.map((s) => ({
      actor: s.actor,
      label: s.label,
      routine: s.nested ? s.routine : '',
      locks: s.locks.map((e) => `${e.kind === 'acquire' ? '+' : '−'}${lockName(e)}`),
      changes: s.changes.map((c) => ({ path: c.path, from: JSON.stringify(c.from) ?? 'null', to: JSON.stringify(c.to) ?? 'null' })),
      ...(s.failed ? { failed: `${s.failed.property}: ${s.failed.message}` } : {}),
      state: stateData(s.after),
    })),
  };
  const bad = story.verdict.verdict !== 'ok';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1><span class="${bad ? 'bad' : 'good'}">${escapeHtml(input.title)}</span></h1>
${input.details.map((d) => `<p>${escapeHtml(d)}</p>`).join('\n')}
<p class="legend">Lifelines: thin running · thick holds a lock · dashed orange waits · dotted arrow: a lock passes between actors. Click a step (or <a href="#" id="show-initial">the initial state</a>) for its full state and changes.</p>
</header>
<main>
<div id="scroll">
${sequenceDiagram(story, input.cycleStart)}
</div>
<aside id="details" aria-live="polite"></aside>
</main>
<script type="application/json" id="trace-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
