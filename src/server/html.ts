/** Minimal, escaped HTML rendering for the ops console: server-rendered pages, no client framework. */

export type Html = { readonly __html: string };

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Tagged template: interpolations are escaped unless they are Html already; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return { __html: out };
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'object' && '__html' in (v as object)) return (v as Html).__html;
  return escapeHtml(v);
}

export function raw(s: string): Html {
  return { __html: s };
}

/** The console's stylesheet, served as /assets/console.css (pages carry no inline style or script). */
export const CONSOLE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center}
header a{color:#cfd6e4;text-decoration:none}header a.on,header a:hover{color:#fff}
header strong{margin-right:12px}
main{padding:18px 22px;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 18px}
th,td{border-bottom:1px solid #e3e6eb;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;background:#e3e6eb;font-size:12px}
.ok{background:#d8f0dd}.warn{background:#fbecc8}.bad{background:#f8d7d7}
button{padding:4px 10px;border:1px solid #8a94a6;background:#fff;border-radius:4px;cursor:pointer}
button.primary{background:#2857d6;color:#fff;border-color:#2857d6}
form{display:inline}
.muted{color:#6b7487}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;padding:10px 14px;border:1px solid #e3e6eb;border-radius:6px;min-width:140px}
.card b{display:block;font-size:22px}
pre{background:#fff;border:1px solid #e3e6eb;padding:8px;overflow:auto;max-height:240px}
.flash{background:#d8f0dd;border:1px solid #9bd3a6;padding:8px 12px;margin-bottom:12px}
.flash.error,.alert{background:#f8d7d7;border:1px solid #e0a0a0;padding:8px 12px;margin-bottom:12px}
.choice{margin:3px 0}.choice span{margin:0 4px}
td.reason{min-width:200px;max-width:320px}
main{box-sizing:border-box}
.nowrap{white-space:nowrap}
.cards+p,.cards+.actions{margin-top:14px}.actions{margin:10px 0}
svg.chart{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:8px;display:block;margin:6px 0 18px}
code{font:12px ui-monospace,Menlo,Consolas,monospace}
details summary{cursor:pointer;color:#2857d6}
a.card{color:inherit;text-decoration:none}a.card:hover{border-color:#2857d6}
`;

/**
 * The console's only script, served as /assets/console.js: a form with `data-confirm` asks first;
 * a running run's progress cell (`data-run-progress`) is refreshed from /api/runs/running every 2 s,
 * and the page is loaded again once such a run has finished (its final summary replaces it).
 */
export const CONSOLE_JS = `document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
const live = () => [...document.querySelectorAll('[data-run-progress]')];
if (live().length > 0) {
  const tick = async () => {
    try {
      const res = await fetch('/api/runs/running', { headers: { accept: 'application/json' } });
      const body = await res.json();
      const byId = new Map(body.items.map((r) => [r.id, r.line]));
      for (const cell of live()) {
        const line = byId.get(cell.dataset.runProgress);
        if (line === undefined) return location.reload();
        cell.textContent = line;
      }
    } catch {}
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}
`;

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/review', 'Review queue'],
  ['/dlq', 'Dead letters'],
  ['/runs', 'Runs'],
  ['/validation', 'Validation'],
  ['/monitor', 'Monitoring'],
  ['/models', 'Models'],
];

export function page(title: string, path: string, body: Html, flash?: { text: string; error?: boolean }): string {
  return `<!doctype html>${
    html`<html lang="en"><head><meta charset="utf-8"><title>${title} · inrecord console</title>
<link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head><body>
<header><strong>inrecord</strong>${NAV.map(([href, label]) => html`<a href="${href}" class="${path === href ? 'on' : ''}">${label}</a>`)}</header>
<main><h1>${title}</h1>${flash ? html`<div class="flash ${flash.error ? 'error' : ''}" role="status">${flash.text}</div>` : ''}${body}</main></body></html>`.__html
  }`;
}

/**
 * A small inline SVG bar chart (series side by side per label), for score distributions and daily
 * write outcomes. Bars keep a readable width however few labels there are; the top of the scale is
 * printed so the heights mean something.
 */
export function barChart(labels: string[], series: { name: string; values: number[]; color: string }[], height = 140): Html {
  const axis = 44;
  const group = Math.min(36, Math.max(14, Math.floor(880 / Math.max(1, labels.length))));
  const w = axis + Math.max(240, labels.length * group);
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values));
  const bw = Math.min(14, (group - 6) / Math.max(1, series.length));
  const top = 4;
  const plot = height - 18 - top;
  const scale = (v: number) => (Number.isInteger(max) ? String(Math.round(v)) : v.toFixed(max < 1 ? 3 : 1));
  const bars = labels.flatMap((_, i) =>
    series.map((s, j) => {
      const h = ((s.values[i] ?? 0) / max) * plot;
      const x = axis + i * group + 3 + j * bw;
      return `<rect x="${x.toFixed(1)}" y="${(top + plot - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${escapeHtml(s.name)} ${escapeHtml(labels[i])}: ${escapeHtml(scale(s.values[i] ?? 0))}</title></rect>`;
    }),
  );
  const every = Math.ceil(labels.length / Math.floor((w - axis) / 44));
  const ticks = labels.map((l, i) =>
    i % every === 0 ? `<text x="${axis + i * group + (series.length * bw) / 2 + 3}" y="${height - 4}" font-size="10" text-anchor="middle">${escapeHtml(l)}</text>` : '',
  );
  const grid = [0, 0.5, 1].map((f) => {
    const y = (top + plot - f * plot).toFixed(1);
    return `<line x1="${axis - 4}" x2="${w}" y1="${y}" y2="${y}" stroke="#e3e6eb"/><text x="${axis - 6}" y="${Number(y) + 3}" font-size="10" text-anchor="end" fill="#6b7487">${escapeHtml(scale(max * f))}</text>`;
  });
  const legend = series.map((s, j) => `<tspan fill="${s.color}" dx="${j ? 12 : 0}">■ ${escapeHtml(s.name)}</tspan>`).join('');
  return raw(
    `<svg class="chart" role="img" width="${w}" height="${height + 16}" viewBox="0 -16 ${w} ${height + 16}"><text x="${axis}" y="-4" font-size="11">${legend}</text>${grid.join('')}${bars.join('')}${ticks.join('')}</svg>`,
  );
}
