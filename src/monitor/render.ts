/** Text rendering of a monitoring report with small terminal charts. Pure: strings in, strings out. */
import type { FlowReport, MonitorReport } from './run.js';

const SPARK = '▁▂▃▄▅▆▇█';
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** One character per value, scaled between the series' min and max. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return values
    .map((v) => SPARK[max === min ? 0 : Math.round(((v - min) / (max - min)) * (SPARK.length - 1))])
    .join('');
}

/** A horizontal bar of `ratio` (0..1) of `width` cells, in eighths of a cell. */
export function bar(ratio: number, width: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, ratio)) * width * 8);
  return `${'█'.repeat(Math.floor(eighths / 8))}${EIGHTHS[eighths % 8]}`;
}

function fmtEdge(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3);
}

/** Side-by-side histogram: training proportions and the window's, bin by bin. */
export function histogramPair(
  edges: readonly number[],
  expected: readonly number[],
  actual: readonly number[],
  width = 20,
): string[] {
  const max = Math.max(...expected, ...actual, 1e-9);
  const labels = expected.map((_, i) => {
    const lo = i === 0 ? '' : fmtEdge(edges[i - 1]);
    const hi = i === edges.length ? '' : fmtEdge(edges[i]);
    return i === 0 ? `≤${hi}` : i === edges.length ? `>${lo}` : `${lo}–${hi}`;
  });
  const lw = Math.max(5, ...labels.map((l) => l.length));
  const head = `${' '.repeat(lw)}  ${'training'.padEnd(width + 7)}  now`;
  return [
    head,
    ...expected.map((e, i) => {
      const a = actual[i];
      return `${labels[i].padStart(lw)}  ${bar(e / max, width).padEnd(width)} ${pct(e).padStart(6)}  ${bar(a / max, width).padEnd(width)} ${pct(a).padStart(6)}`;
    }),
  ];
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function flowSection(f: FlowReport): string[] {
  const lines: string[] = [];
  const gate = f.gate.mode === 'open' ? 'OPEN (writing)' : 'SHADOW (not writing)';
  lines.push(`▸ ${f.flow}  (${f.kind} on ${f.object}, model ${f.modelVersion})`);
  lines.push(`  gate        ${gate} — ${f.gate.reason}`);
  if (f.fellBackToShadow) lines.push('  ⚠ this run sent the flow back to shadow on drift');
  const level = { ok: 'ok', warn: 'WARN', alert: 'ALERT', not_judged: 'not judged' }[f.drift.level];
  lines.push(`  drift       ${level} — ${f.drift.reason}`);
  if (f.drift.ks)
    lines.push(`              ${f.drift.n} scores in the window vs ${f.drift.referenceN} in training`);
  if (f.psiHistory.length > 1)
    lines.push(
      `  PSI trend   ${sparkline(f.psiHistory)}  (${f.psiHistory.map((v) => v.toFixed(2)).join(' ')})`,
    );
  if (f.drift.histogram) {
    lines.push(`  ${f.scoreOutput ?? 'score'} distribution`);
    for (const l of histogramPair(
      f.drift.histogram.edges,
      f.drift.histogram.expected,
      f.drift.histogram.actual,
    ))
      lines.push(`    ${l}`);
  }
  const w = f.writes;
  const outcomes = Object.entries(w.outcomes)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(
    w.attempted === 0
      ? `  writes      none attempted in the window${outcomes ? `  (${outcomes})` : ''}`
      : `  writes      success ${pct(w.successRate)} of ${w.attempted} attempted; not applied ${pct(w.notAppliedRate)}  (${outcomes})`,
  );
  for (const fld of f.fields) {
    lines.push(
      `  field       ${fld.object}.${fld.field}: ${fld.writes} writes on ${fld.records} records (${fld.writesPerRecord.toFixed(2)}/record, ${fld.writesPerDay.toFixed(1)}/day)`,
    );
  }
  return lines;
}

export function renderReport(r: MonitorReport): string {
  const lines: string[] = [];
  lines.push(
    `inrecord monitor — ${r.window.from.slice(0, 16).replace('T', ' ')} → ${r.window.to.slice(0, 16).replace('T', ' ')} UTC (${r.window.days.toFixed(1)} days)`,
  );
  lines.push('');
  if (r.flows.length === 0) lines.push('No flows configured.');
  for (const f of r.flows) {
    lines.push(...flowSection(f));
    lines.push('');
  }
  const id = r.identity;
  lines.push(
    `identity    ${id.decisions} decisions: ${id.linked} linked, unmatched ${id.unmatched} (${pct(id.unmatchedRate)}), ambiguous ${id.ambiguous} (${pct(id.ambiguousRate)})${id.otherReview ? `; ${id.otherReview} other identity item(s) in review` : ''}`,
  );
  const queues = Object.entries(r.deadLetters.byQueue)
    .map(([q, n]) => `${q} ${n}`)
    .join(', ');
  lines.push(
    `dead letters ${r.deadLetters.open} open, ${r.deadLetters.newInWindow} new in window${queues ? ` (${queues})` : ''}`,
  );
  lines.push('');
  if (r.alerts.length === 0) {
    lines.push('No alerts.');
  } else {
    lines.push(`${r.alerts.length} alert(s):`);
    for (const a of r.alerts) {
      const delivery =
        a.delivery === 'failed'
          ? ` [webhook failed: ${a.delivery_error}]`
          : a.delivery === 'repeat'
            ? ' [already sent this period]'
            : a.delivery === 'sent'
              ? ' [sent]'
              : '';
      lines.push(`  ${a.severity === 'alert' ? '✖' : '!'} ${a.message}${delivery}`);
    }
  }
  return lines.join('\n');
}
