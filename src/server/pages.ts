/** The console's pages: review queue, dead letters, runs and their ledger, validation, monitoring. */
import { pausedConnections } from '../crm/runtime/index.js';
import { type Html, barChart, html, page } from './html.js';
import { counts, getRun, listDeadLetters, listReview, listRuns, runLedger, runningRuns } from './queries.js';
import type { ProgressFigures } from '../writeback/index.js';
import type { ServerDeps } from './app.js';

type Flash = { text: string; error?: boolean };

const fmt = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const when = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '—');

export async function renderPage(deps: ServerDeps, path: string, flash?: Flash): Promise<string | null> {
  if (path === '/') return page('Overview', '/', await overview(deps), flash);
  if (path === '/review') return page('Review queue', '/review', await review(deps), flash);
  if (path === '/dlq') return page('Dead letters', '/dlq', await deadLetters(deps), flash);
  if (path === '/runs') return page('Runs', '/runs', await runs(deps), flash);
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) return page(`Run ${decodeURIComponent(run[1])}`, '/runs', await runDetail(deps, decodeURIComponent(run[1])), flash);
  if (path === '/validation') return page('Validation', '/validation', await validation(deps), flash);
  if (path === '/monitor') return page('Monitoring', '/monitor', await monitor(deps), flash);
  if (path === '/models') return page('Models', '/models', await models(deps), flash);
  return null;
}

async function overview(deps: ServerDeps): Promise<Html> {
  const c = await counts(deps.store);
  const paused = await pausedConnections(deps.store);
  const card = (label: string, value: number, href: string) => html`<a class="card" href="${href}"><b>${value}</b>${label}</a>`;
  const grants = paused.map(
    (p) => html`<p class="alert" data-testid="revoked-${p.connection}"><b>${p.connection}: OAuth grant revoked</b> ${when(p.since)}${
      p.reason ? ` (${p.reason})` : ''
    }. Flows for this CRM are paused. Fix: run <code>inrecord auth ${p.connection.split(':')[0]}</code> and open the URL it prints, or pass <code>--refresh-token</code>.</p>`,
  );
  return html`${grants}<div class="cards">
    ${card('open review items', c.review_open, '/review')}
    ${card('dead letters', c.dead_letters, '/dlq')}
    ${card('runs', c.runs, '/runs')}
    ${card('fields written', c.fields_written, '/runs')}
    ${card('identity links', c.identity_links, '/review')}
  </div>
  <p class="muted">Store: ${deps.store.backend}. This console is for the people who run inrecord; reps see AI work inside their CRM records.</p>`;
}

/** A candidate as a reviewer needs to see it: who (on the button), then inbox and company. */
function candidateName(c: Record<string, unknown>): string {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ') || (c.name as string | undefined) || '';
  return name || String(c.label ?? c.id);
}

function candidateDetails(c: Record<string, unknown>): string {
  return [c.email ?? c.domain, c.company_name].filter((p) => typeof p === 'string' && p.length > 0).join(' · ');
}

/** The outside record the item is about, in one line (identity items carry the input). */
function subjectLine(p: Record<string, unknown>): string {
  const input = p.input as Record<string, unknown> | undefined;
  if (!input) {
    // conflict items: the field, the rep's value and the value the AI wanted to write
    if (!('repValue' in p)) return '';
    const by = p.editedBy ? ` by ${String(p.editedBy)}` : '';
    return `${String(p.field ?? '')}: rep set ${fmt(p.repValue)}${by}; AI wants ${fmt(p.aiValue)}`;
  }
  return [input.full_name ?? [input.first_name, input.last_name].filter(Boolean).join(' '), input.email, input.company_name ?? input.domain, input.phone]
    .filter((v) => typeof v === 'string' && v.length > 0)
    .join(' · ');
}

async function review(deps: ServerDeps): Promise<Html> {
  const items = await listReview(deps.store);
  if (items.length === 0) return html`<p>Nothing waiting for review.</p>`;
  const resolve = (id: number, action: string, label: string, primary = false, candidateId?: string) =>
    html`<form method="post" action="/api/review/${id}/resolve"><input type="hidden" name="action" value="${action}">${
      candidateId ? html`<input type="hidden" name="candidateId" value="${candidateId}">` : ''
    }<button class="${primary ? 'primary' : ''}" data-testid="${candidateId ? `pick-${id}-${candidateId}` : `${action}-${id}`}">${label}</button></form>`;
  return html`<p class="muted">${items.length} open item(s). Identity items: pick the CRM record the outside record belongs to, or mark it not in the CRM; nothing is written to a record until someone decides.</p>
  <table class="review"><thead><tr><th>#</th><th>kind</th><th>record</th><th>reason</th><th>decide</th><th>details</th></tr></thead><tbody>
  ${items.map((it) => {
    const p = it.payload as Record<string, unknown>;
    const candidates = (p.candidates as Record<string, unknown>[] | undefined) ?? [];
    const actions =
      it.kind === 'identity'
        ? html`<div class="choices">${candidates.map(
            (c) => html`<div class="choice">${resolve(it.id, 'pick', `pick ${candidateName(c)}`, true, String(c.id))} <span>${candidateDetails(c)}</span> <code class="muted">${String(c.id)}</code></div>`,
          )}<div class="choice">${resolve(it.id, 'not_in_crm', 'not in CRM')} ${resolve(it.id, 'dismiss', 'dismiss')}</div></div>`
        : html`<div class="choice">${resolve(it.id, 'keep_rep', "keep rep's value", true)} ${resolve(it.id, 'accept_ai', 'write AI value')} ${resolve(it.id, 'dismiss', 'dismiss')}</div>`;
    const subject = subjectLine(p);
    return html`<tr data-review-id="${it.id}"><td>${it.id}</td><td><span class="pill">${it.kind}</span></td>
      <td>${it.crm} ${it.object}<br><span class="muted">${it.subject_key}</span>${subject ? html`<br>${subject}` : ''}</td><td class="reason">${it.reason}</td>
      <td>${actions}</td><td><details><summary>payload</summary><pre>${JSON.stringify(it.payload, null, 1).slice(0, 1500)}</pre></details></td></tr>`;
  })}</tbody></table>`;
}

async function deadLetters(deps: ServerDeps): Promise<Html> {
  const rows = await listDeadLetters(deps.store);
  if (rows.length === 0) return html`<p>No dead letters.</p>`;
  return html`<p class="muted">Jobs that failed for good. Fix the cause (config, mapping, CRM permissions), then replay: the job runs again with its original data on its original queue.</p>
  <table><thead><tr><th>#</th><th>queue</th><th>error</th><th>attempts</th><th>status</th><th>at</th><th></th></tr></thead><tbody>
  ${rows.map(
    (r) => html`<tr data-dlq-id="${r.id}"><td>${r.id}</td><td>${r.queue}</td><td><b>${r.error?.code ?? ''}</b> ${r.error?.message ?? ''}<details><summary>job data</summary><pre>${JSON.stringify(r.data, null, 1).slice(0, 1500)}</pre></details></td>
      <td>${r.attempts}</td><td><span class="pill ${r.status === 'open' ? 'bad' : 'ok'}">${r.status}</span></td><td>${when(r.created_at)}</td>
      <td>${r.status === 'open' ? html`<form method="post" action="/api/dlq/${r.id}/replay"><button class="primary">replay</button></form>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

async function runs(deps: ServerDeps): Promise<Html> {
  const rows = await listRuns(deps.store);
  if (rows.length === 0) return html`<p>No runs yet.</p>`;
  // a running run's summary cell is its progress, which console.js refreshes from /api/runs/running
  const running = new Map((await runningRuns(deps.store)).map((r) => [r.id, r]));
  return html`<table><thead><tr><th>run</th><th>kind</th><th>crm</th><th>flow</th><th>status</th><th>started</th><th>summary</th></tr></thead><tbody>
  ${rows.map((r) => {
    const live = r.status === 'running' ? running.get(r.id) : undefined;
    return html`<tr><td><a href="/runs/${encodeURIComponent(r.id)}">${r.id}</a></td><td>${r.kind}</td><td>${r.crm ?? ''}</td><td>${r.flow ?? ''}</td>
      <td><span class="pill ${r.status === 'succeeded' ? 'ok' : r.status === 'failed' ? 'bad' : ''}">${r.status}</span></td><td class="nowrap">${when(r.started_at)}</td>
      ${live ? html`<td data-run-progress="${r.id}">${progressLine(live.progress)}</td>` : html`<td class="muted">${summaryLine(r.summary)}</td>`}</tr>`;
  })}</tbody></table>`;
}

/** A running run's progress in one line: records done of the total, the rate, the time left. */
export function progressLine(p: ProgressFigures | null): string {
  if (!p) return 'starting…';
  const n = (v: number) => v.toLocaleString('en-US');
  const parts = [`${n(p.done)}${p.total !== null ? ` / ${n(p.total)}` : ''} records`, `${n(p.written)} written`];
  if (p.perSecond !== null) parts.push(`${p.perSecond.toFixed(1)} records/s`);
  if (p.etaSeconds !== null) parts.push(p.etaSeconds < 90 ? `${Math.round(p.etaSeconds)} s left` : `${Math.round(p.etaSeconds / 60)} min left`);
  parts.push(`${n(p.calls)} API calls`);
  if (p.ageSeconds > 60) parts.push(`no progress for ${Math.round(p.ageSeconds / 60)} min`);
  return parts.join(' · ');
}

/**
 * A run's summary in one line: what it is of, then its non-zero counts (top level and per field
 * outcome); the ids and the CRM already have their own columns.
 */
function summaryLine(summary: Record<string, unknown> | null): string {
  if (!summary) return '';
  const parts: string[] = [];
  if (typeof summary.of === 'string') parts.push(`of ${summary.of}`);
  const counts = (o: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number' && v !== 0) parts.push(`${k.replace(/_/g, ' ')} ${v}`);
      else if (v && typeof v === 'object' && !Array.isArray(v) && k === 'fields') counts(v as Record<string, unknown>);
    }
  };
  counts(summary);
  return parts.join(' · ').slice(0, 240);
}

async function runDetail(deps: ServerDeps, id: string): Promise<Html> {
  const run = await getRun(deps.store, id);
  if (!run) return html`<p>No run ${id}.</p>`;
  // every row for the tallies and rollback fates; the table shows the first SHOWN
  const ledger = await runLedger(deps.store, id, 100_000);
  // what each rollback of this run did to each field: restored, or left because it changed since
  const rollbacks = (await listRuns(deps.store, 1000)).filter((r) => r.kind === 'rollback' && (r.summary as { of?: string } | null)?.of === id);
  const fate = new Map<string, { label: string; cls: string; reason: string | null }>();
  for (const rb of [...rollbacks].reverse()) {
    for (const l of await runLedger(deps.store, rb.id, 100_000)) {
      const key = `${l.record_id}|${l.field}`;
      if (l.outcome === 'written') fate.set(key, { label: 'rolled back', cls: 'ok', reason: `by ${rb.id}` });
      else if (l.outcome === 'conflict_skipped' && fate.get(key)?.label !== 'rolled back')
        fate.set(key, { label: 'kept: edited since', cls: 'warn', reason: KEPT_WHY[l.reason ?? ''] ?? l.reason ?? null });
      else if (fate.get(key)?.label !== 'rolled back') fate.set(key, { label: `rollback ${l.outcome}`, cls: 'bad', reason: l.reason });
    }
  }
  const outstanding = ledger.some((l) => l.outcome === 'written' && !fate.has(`${l.record_id}|${l.field}`));
  const canRollBack = run.kind !== 'rollback' && run.status !== 'rolled_back' && outstanding;
  const tally = (o: string) => ledger.filter((l) => l.outcome === o).length;
  const outcomes = [...new Set(ledger.map((l) => l.outcome))];
  const fates = new Map<string, number>();
  for (const f of fate.values()) fates.set(f.label, (fates.get(f.label) ?? 0) + 1);
  return html`<p>${run.kind} · ${run.crm ?? ''} · ${run.flow ?? ''} · <span class="pill ${pillClass(run.status)}">${run.status}</span> · started ${when(run.started_at)}</p>
  <div class="cards">${outcomes.map((o) => html`<div class="card" data-outcome="${o}"><b>${tally(o)}</b>${o}</div>`)}${[...fates].map(
    ([label, n]) => html`<div class="card" data-fate="${label}"><b>${n}</b>${label}</div>`,
  )}</div>
  ${rollbacks.map((rb) => {
    const s = rb.summary as { restored?: number; skipped?: number; failed?: number };
    return html`<p>Rolled back by <a href="/runs/${encodeURIComponent(rb.id)}">${rb.id}</a> at ${when(rb.started_at)}: ${s.restored ?? 0} restored, ${s.skipped ?? 0} kept because they changed since${s.failed ? `, ${s.failed} failed` : ''}.</p>`;
  })}
  ${canRollBack ? html`<div class="actions"><form method="post" action="/api/runs/${encodeURIComponent(id)}/rollback" data-confirm="Restore the before-values of every field this run wrote? Fields changed since are left as they are."><button class="primary" data-testid="rollback">roll back this run</button></form> <span class="muted">restores each field's before-value; fields a person changed since are left alone and reported.</span></div>` : ''}
  <table><thead><tr><th>record</th><th>field</th><th>before</th><th>after</th><th>outcome</th><th>reason</th>${rollbacks.length > 0 ? html`<th>after rollback</th>` : ''}</tr></thead><tbody>
  ${ledger.slice(0, SHOWN).map((l) => {
    const f = fate.get(`${l.record_id}|${l.field}`);
    return html`<tr><td class="nowrap">${l.object} ${l.record_id}</td><td>${l.field}</td><td>${fmt(l.before_value)}</td><td>${fmt(l.after_value)}</td>
      <td><span class="pill ${pillClass(l.outcome)}">${l.outcome}</span></td><td class="muted">${l.reason ?? ''}</td>${
        rollbacks.length > 0 ? html`<td>${f ? html`<span class="pill ${f.cls}">${f.label}</span> <span class="muted">${f.reason ?? ''}</span>` : ''}</td>` : ''
      }</tr>`;
  })}</tbody></table>
  ${ledger.length > SHOWN ? html`<p class="muted">Showing the first ${SHOWN} of ${ledger.length} ledger rows; the figures above count them all.</p>` : ''}`;
}

const SHOWN = 500;

const KEPT_WHY: Record<string, string> = {
  'human-edit-since': 'a person edited it after this run',
  'changed-since': 'its value changed after this run wrote it',
  'record-not-found': 'the record no longer exists',
  'field-not-found': 'the field no longer exists',
};

function pillClass(status: string): string {
  if (['succeeded', 'written', 'open', 'resolved', 'replayed'].includes(status)) return 'ok';
  if (['failed', 'rejected', 'not_applied'].includes(status)) return 'bad';
  if (['conflict_skipped', 'flagged', 'running', 'rolled_back'].includes(status)) return 'warn';
  return '';
}

async function validation(deps: ServerDeps): Promise<Html> {
  const gates = (await deps.actions.gates?.()) ?? [];
  const samples = (await deps.actions.listSamples?.()) ?? [];
  const open = samples.filter((s) => !s.label);
  return html`<h2>Gates</h2>
  ${gates.length === 0 ? html`<p>No gated flows.</p>` : html`<table><thead><tr><th>flow</th><th>model</th><th>mode</th><th>labelled</th><th>correct</th><th>Wilson lower bound</th><th>needed</th><th>why</th></tr></thead><tbody>
    ${gates.map((g) => html`<tr data-gate="${g.flow}"><td>${g.flow}</td><td>${g.modelVersion}</td><td><span class="pill ${g.mode === 'open' ? 'ok' : 'warn'}">${g.mode}</span></td>
      <td>${g.labelled}/${g.sampleSize}</td><td>${g.correct}</td><td>${g.lowerBound === null ? '—' : pct(g.lowerBound)}</td><td>≥ ${pct(g.threshold)}</td><td class="muted">${g.reason}</td></tr>`)}
  </tbody></table>`}
  <h2>Samples to label (${open.length})</h2>
  ${open.length === 0 ? html`<p>No samples waiting.</p>` : html`<form class="batch" method="post" action="/api/validation/samples/label" data-testid="batch-label">
    <label>Label samples <input name="samples" placeholder="s1-s100 s120" required></label>
    <label>as <select name="label"><option value="correct">correct</option><option value="incorrect">incorrect</option></select></label>
    <button class="primary">label</button> <span class="muted">every sample named must exist, or none is labelled; as <code>inrecord review label s1-s100 correct</code></span></form>
  <table><thead><tr><th>sample</th><th>flow</th><th>record</th><th>field</th><th>AI value</th><th>context</th><th>label</th></tr></thead><tbody>
    ${firstOfEachFlow(open, 100).map((s) => html`<tr data-sample-id="${s.id}"><td>s${s.id}</td><td>${s.flow}</td><td>${s.recordId}</td><td>${s.field}</td><td><b>${fmt(s.value)}</b></td>
      <td class="muted">${contextLine(s.context)}</td>
      <td><form method="post" action="/api/validation/samples/${s.id}/label"><input type="hidden" name="label" value="correct"><button class="primary">correct</button></form>
          <form method="post" action="/api/validation/samples/${s.id}/label"><input type="hidden" name="label" value="incorrect"><button>incorrect</button></form></td></tr>`)}
  </tbody></table>`}`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Up to `n` samples of each flow, so one flow's long list never hides another's. */
function firstOfEachFlow<T extends { flow: string }>(samples: T[], n: number): T[] {
  const seen = new Map<string, number>();
  return samples.filter((s) => {
    const k = (seen.get(s.flow) ?? 0) + 1;
    seen.set(s.flow, k);
    return k <= n;
  });
}

/** A sample's context as a reviewer reads it: known facts only, no JSON. */
function contextLine(ctx: Record<string, unknown> | undefined): string {
  if (!ctx) return '';
  const names: Record<string, string> = { currentValue: 'now in the CRM', confidence: 'confidence', object: 'object' };
  return Object.entries(ctx)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${names[k] ?? k}: ${fmt(v)}`)
    .join(' · ')
    .slice(0, 240);
}

const f3 = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(3);
const share = (n: number | null | undefined) =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : `${(100 * n).toFixed(1)}%`;

/** Each scoring flow's last model report, as `inrecord train <flow> --show` prints it; read only. */
async function models(deps: ServerDeps): Promise<Html> {
  const all = (await deps.actions.models?.()) ?? [];
  if (all.length === 0) return html`<p>No scoring flow is configured.</p>`;
  return html`${all.map(({ flow, report: r }) => {
    if (!r)
      return html`<h2>${flow}</h2><p class="muted">No model report stored yet: run <code>inrecord train ${flow}</code>.</p>`;
    const h = r.holdout;
    return html`<h2>${flow} <span class="pill ${r.chosen === 'trained' ? 'ok' : 'warn'}">${r.chosen} · ${r.modelVersion}</span></h2>
    <p>${r.why}</p>
    ${r.familyWhy ? html`<p data-testid="model-family">Family: ${r.familyWhy}</p>` : ''}
    ${
      (r.families ?? []).length > 1
        ? html`<table><thead><tr><th>family</th><th>version</th><th>hold-out AUC (95% CI)</th><th>fit</th></tr></thead><tbody>
      ${(r.families ?? []).map((f) => html`<tr><td>${f.family === 'boosted' ? 'boosted trees' : 'logistic regression'}</td><td>${f.version}</td><td>${f3(f.auc)} (${f3(f.aucLower)}–${f3(f.aucUpper)})</td><td>${f.note}</td></tr>`)}
    </tbody></table>`
        : ''
    }
    <p class="muted">Trained ${when(r.trainedAt)}${r.active ? '' : ' · not served'}${r.records ? ` · ${r.records.converted} converted, ${r.records.notConverted} not converted, ${r.records.undecided} undecided` : ''}${r.penalty ? ` · L2 ${r.penalty.l2} (${r.penalty.chosenBy})` : ''}${r.fit ? ` · ${r.fit.converged ? 'converged' : 'did not converge'} in ${r.fit.iterations} steps` : ''}</p>
    ${
      h
        ? html`<table><tbody>
      <tr><th>hold-out AUC (95% CI)</th><td data-testid="model-auc">${f3(h.auc)} (${f3(h.aucLower)}–${f3(h.aucUpper)})</td><th>rules AUC</th><td>${f3(h.rulesAuc)}</td></tr>
      <tr><th>Brier score</th><td>${f3(h.brier)}</td><th>top-decile precision (rules)</th><td>${share(h.topDecilePrecision)} (${share(h.rulesTopDecilePrecision)})</td></tr>
    </tbody></table>`
        : ''
    }
    ${
      r.lift.length > 0
        ? html`<table><thead><tr><th>decile</th><th>records</th><th>converted</th><th>precision</th><th>captured</th><th>lift</th></tr></thead><tbody>
      ${r.lift.map((l) => html`<tr><td>${l.decile}</td><td>${l.records}</td><td>${l.positives}</td><td>${share(l.precision)}</td><td>${share(l.captured)}</td><td>${Number.isNaN(l.lift) || l.lift === null ? '—' : l.lift.toFixed(2)}</td></tr>`)}
    </tbody></table>`
        : ''
    }
    ${r.strongest.length > 0 ? html`<p>Strongest factors: ${r.strongest.map((s) => (s.kind === 'contribution' ? `${s.name} (mean |contribution| ${s.effect.toFixed(3)})` : `${s.name} (${s.coefficient >= 0 ? '+' : '−'}${Math.abs(s.coefficient).toFixed(3)}${s.log ? ', log' : ''})`)).join('; ')}</p>` : ''}`;
  })}`;
}

async function monitor(deps: ServerDeps): Promise<Html> {
  const m = await deps.actions.monitor?.();
  if (!m) return html`<p>Monitoring is not configured.</p>`;
  const totals = m.writeSuccess.reduce((t, d) => ({ written: t.written + d.written, failed: t.failed + d.failed }), { written: 0, failed: 0 });
  const rate = totals.written + totals.failed > 0 ? `${((100 * totals.written) / (totals.written + totals.failed)).toFixed(1)}%` : '—';
  return html`<h2>Score distribution vs training</h2>
  ${m.flows.length === 0 ? html`<p class="muted">No score distribution yet: drift is measured once a flow has a training distribution and scores from a later run.</p>` : ''}
  ${m.flows.map(
    (f) => html`<h2>${f.flow} <span class="pill ${f.level === 'ok' ? 'ok' : f.level === 'warn' ? 'warn' : 'bad'}">PSI ${f.psi === null ? '—' : f.psi.toFixed(3)} · KS ${f.ks === null ? '—' : f.ks.toFixed(3)}</span></h2>
      ${barChart(f.bins, [
        { name: 'training', values: f.training, color: '#8a94a6' },
        { name: 'current', values: f.current, color: '#2857d6' },
      ])}`,
  )}
  <h2>Write success over time</h2>
  <p>Last 14 days: <b>${totals.written}</b> field(s) written, <b>${totals.failed}</b> failed — success rate <b data-testid="write-success-rate">${rate}</b>.</p>
  ${barChart(
    m.writeSuccess.map((d) => d.day.slice(5)),
    [
      { name: 'written', values: m.writeSuccess.map((d) => d.written), color: '#3a9a54' },
      { name: 'failed', values: m.writeSuccess.map((d) => d.failed), color: '#c94a4a' },
    ],
  )}
  <h2>Alerts</h2>
  ${m.alerts.length === 0 ? html`<p>No alerts.</p>` : html`<table><tbody>${m.alerts.map((a) => html`<tr><td>${a.at}</td><td>${a.flow}</td><td><span class="pill ${a.level === 'alert' ? 'bad' : 'warn'}">${a.level}</span></td><td>${a.message}</td></tr>`)}</tbody></table>`}`;
}
