/**
 * The local explorer's page: one self-contained HTML document whose script asks the server for the
 * position at a replay path (`/api/position?path=0/2/1`) and draws it. The path lives in the URL's
 * hash, so back, restart, a click in the history and "jump to the violation" only change the path.
 * Model text reaches the page as JSON and is put in with textContent only.
 */
import { escapeHtml, scriptJson } from './html.ts';

export interface ExplorerInfo {
  readonly model: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The checker's (minimised) counterexample, if it found one. */
  readonly violation?: { readonly path: string; readonly problem: string };
  readonly verdict: string;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
header{padding:10px 18px;background:#fff;border-bottom:1px solid #d8dde6}
h1{font-size:17px;margin:0 0 4px}header p{margin:2px 0;font-size:12px;font-family:ui-monospace,monospace}
button{font:inherit;font-size:13px;margin:2px 4px 2px 0;padding:3px 9px;border:1px solid #9aa6bd;border-radius:4px;background:#f1f4fa;cursor:pointer}
button:disabled{opacity:.45;cursor:default}button.choice{display:block;text-align:left;font-family:ui-monospace,monospace;font-size:12px;width:100%}
main{display:grid;grid-template-columns:minmax(320px,1fr) minmax(320px,1fr);gap:12px;padding:12px 18px}
section{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:8px 12px}h2{font-size:14px;margin:0 0 6px}
.actor h3{font-size:13px;margin:8px 0 2px}.actor .waits{color:#a85d00;font-size:12px}.actor .finished{color:#5b6475;font-size:12px}
table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px;width:100%}td{border-bottom:1px solid #eef0f4;padding:2px 6px;word-break:break-all}
#properties li[data-status=fails]{color:#c62828;font-weight:700}#properties li[data-status=holds],#properties li[data-status=reached]{color:#2e7d32}
#problem{color:#c62828;font-weight:700}#history li{cursor:pointer;font-family:ui-monospace,monospace;font-size:12px}#history li:hover{background:#eef3fc}
#threads li{font-family:ui-monospace,monospace;font-size:12px}#error{color:#c62828}
`;

const SCRIPT = `
const info = JSON.parse(document.getElementById('info').textContent);
function el(tag, text, attrs) { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); return e; }
function current() { const h = location.hash.replace(/^#/, ''); return h === '' ? [] : h.split('/').map(Number); }
function go(path) { location.hash = path.join('/'); }
async function draw() {
  const path = current();
  const res = await fetch('api/position?path=' + encodeURIComponent(path.join('/')));
  const body = await res.json();
  const err = document.getElementById('error');
  if (!res.ok) { err.textContent = body.error; return; }
  err.textContent = '';
  const pos = body;
  document.getElementById('where').textContent = pos.steps.length === 0 ? 'Initial state' : 'After ' + pos.steps.length + ' step' + (pos.steps.length === 1 ? '' : 's') + ' (path ' + pos.path + ')';
  document.getElementById('problem').textContent = pos.problem ? '✗ ' + pos.problem : '';
  document.getElementById('back').disabled = path.length === 0;
  const steps = document.getElementById('steps'); steps.replaceChildren();
  const actors = [...new Set(pos.threads.map((t) => t.actor))];
  for (const t of pos.threads) {
    const box = el('div', undefined, { class: 'actor', 'data-actor': t.actor });
    box.appendChild(el('h3', t.actor));
    const mine = pos.enabled.filter((e) => e.actor === t.actor);
    for (const e of mine) {
      const b = el('button', e.label, { class: 'choice', 'data-choice': String(e.choice), 'data-actor': e.actor, title: e.routine });
      b.addEventListener('click', () => go([...path, e.choice]));
      box.appendChild(b);
    }
    if (mine.length === 0) box.appendChild(el('div', t.finished ? 'finished' : t.waitsFor ? 'waits for ' + t.waitsFor : 'no step enabled', { class: t.finished ? 'finished' : 'waits' }));
    steps.appendChild(box);
  }
  const props = document.getElementById('properties'); props.replaceChildren();
  for (const p of pos.properties) props.appendChild(el('li', p.name + ' (' + p.kind + '): ' + p.status + (p.note ? ' — ' + p.note : ''), { 'data-status': p.status, 'data-name': p.name }));
  const hist = document.getElementById('history'); hist.replaceChildren();
  pos.steps.forEach((s, i) => { const li = el('li', s.actor + ': ' + s.label + (s.failed ? '  ✗ ' + s.failed : ''), { 'data-step': String(i + 1) }); li.addEventListener('click', () => go(path.slice(0, i + 1))); hist.appendChild(li); });
  const st = document.getElementById('state'); st.replaceChildren();
  for (const f of pos.fields) { const tr = el('tr'); tr.append(el('td', f.path), el('td', f.value)); st.appendChild(tr); }
  const th = document.getElementById('threads'); th.replaceChildren();
  for (const t of pos.threads) th.appendChild(el('li', t.text));
  document.body.setAttribute('data-path', pos.path);
}
document.getElementById('back').addEventListener('click', () => go(current().slice(0, -1)));
document.getElementById('restart').addEventListener('click', () => go([]));
const jump = document.getElementById('jump');
if (info.violation) jump.addEventListener('click', () => go(info.violation.path === '' ? [] : info.violation.path.split('/').map(Number)));
else jump.disabled = true;
window.addEventListener('hashchange', draw);
draw();
`;

export function explorerPage(info: ExplorerInfo): string {
  const params = Object.entries(info.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'">
<title>interleave explore ${escapeHtml(info.model)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>interleave explore: ${escapeHtml(info.model)}</h1>
<p>${escapeHtml(params ? `Parameters: ${params}` : 'No parameters')} · checker verdict: ${escapeHtml(info.verdict)}${info.violation ? ` (${escapeHtml(info.violation.problem)})` : ''}</p>
<p><button id="back">◀ Back</button><button id="restart">Restart</button><button id="jump">Jump to the violation</button> <span id="where"></span></p>
<p id="problem"></p><p id="error"></p>
</header>
<main>
<section><h2>Enabled steps, by actor</h2><div id="steps"></div></section>
<section><h2>Properties in this state</h2><ul id="properties"></ul><h2>History (click to go back there)</h2><ol id="history"></ol></section>
<section><h2>State</h2><table id="state"></table></section>
<section><h2>Threads</h2><ul id="threads"></ul></section>
</main>
<script type="application/json" id="info">${scriptJson(info)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
