import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import { drawSample, evaluateGate, gateStatus, labelSample, recordShadowOutputs } from '../gate/index.js';
import type { ConsoleActions } from '../server/index.js';
import {
  consoleGates,
  consoleLabel,
  consoleMonitor,
  consoleSamples,
  monitorConsoleActions,
} from './console.js';
import { runMonitor, runMonitorIfDue } from './run.js';
import { normalScores } from './testing/distributions.js';

const training = normalScores(2000, 50, 15, 1);

function configFor(hook: string) {
  return parseConfig(`
crm: { kind: hubspot, auth: { token: t } }
flows:
  - { name: steady, kind: scoring, object: contact, outputs: { score: ai_score }, gate: { threshold: 0.8, sampleSize: 30 } }
  - { name: shifted, kind: scoring, object: contact, outputs: { score: ai_lead_score }, gate: { threshold: 0.8, sampleSize: 30 } }
monitor: { alertWebhook: "${hook}", schedule: 7d }
`);
}

const scoreRows = (values: number[], prefix: string) =>
  values.map((v, i) => ({
    crm: 'hubspot',
    object: 'contact',
    recordId: `${prefix}${i}`,
    output: 'score',
    field: 'ai_score',
    value: v,
  }));

describe.each(BACKENDS)('monitoring run on %s', (backend) => {
  let store: TestStore;
  let receiver: FastifyInstance;
  const received: { text: string }[] = [];
  let hook = '';

  beforeAll(async () => {
    store = await openTestStore(backend);
    receiver = Fastify();
    receiver.post('/hook', async (req) => {
      received.push(req.body as { text: string });
      return 'ok';
    });
    await receiver.listen({ host: '127.0.0.1', port: 0 });
    const addr = receiver.server.address() as { port: number };
    hook = `http://127.0.0.1:${addr.port}/hook`;

    // steady: scores drawn from the training distribution, writes that landed
    await recordShadowOutputs(store, {
      flow: 'steady',
      modelVersion: 'v1',
      outputs: scoreRows(normalScores(400, 50, 15, 2), 's'),
    });
    await store.query(`INSERT INTO runs (id, kind) VALUES ('r1', 'apply')`);
    await store.query(
      `INSERT INTO write_ledger (run_id, crm, object, record_id, field, after_value, outcome, flow)
       SELECT 'r1', 'hubspot', 'contact', 'c' || g, 'ai_score', to_jsonb(v), CASE WHEN g <= 95 THEN 'written' ELSE 'failed' END, 'steady'
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS a(v, g)`,
      [JSON.stringify(normalScores(100, 50, 15, 7))],
    );
    // shifted: a model version that passed its gate, then whose scores moved up 15 points;
    // its ledger has written scores (from the same shifted distribution) and some not applied
    await recordShadowOutputs(store, {
      flow: 'shifted',
      modelVersion: 'v1',
      outputs: scoreRows(normalScores(40, 50, 15, 3), 'p'),
    });
    const flow = configFor(hook).flows[1];
    for (const s of await drawSample(store, {
      flow: 'shifted',
      modelVersion: 'v1',
      size: 40,
      drawnBy: 'ana',
    })) {
      await labelSample(store, { sampleId: s.id, label: 'correct', by: 'ana' });
    }
    expect((await evaluateGate(store, { flow, modelVersion: 'v1', by: 'ana' })).mode).toBe('open');
    await store.query(
      `INSERT INTO write_ledger (run_id, crm, object, record_id, field, after_value, outcome, flow)
       SELECT 'r1', 'hubspot', 'contact', 'd' || i, 'ai_lead_score', to_jsonb(v), CASE WHEN i % 10 = 0 THEN 'not_applied' ELSE 'written' END, 'shifted'
       FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS a(v, i)`,
      [JSON.stringify(normalScores(400, 65, 15, 4).map(String))],
    );
    // identity: 6 links made by rule, 3 unmatched and 1 ambiguous left for review
    await store.query(
      `INSERT INTO identity_links (crm, object, external_key, crm_id, provenance) SELECT 'hubspot', 'contact', 'k' || g, 'id' || g, 'rule' FROM generate_series(1, 6) g`,
    );
    await store.query(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
       SELECT 'identity', 'hubspot', 'contact', 'u' || g,
         CASE WHEN g = 4 THEN '2 people named Jo Smith at acme.test' ELSE 'jo@acme.test is not in the CRM' END,
         CASE WHEN g = 4 THEN '{"status":"ambiguous"}'::jsonb WHEN g = 3 THEN '{"result":{"status":"unmatched"}}'::jsonb ELSE '{"status":"unmatched"}'::jsonb END
       FROM generate_series(1, 4) g`,
    );
    await store.query(
      `INSERT INTO dead_letters (queue, job_id, data, error, attempts) VALUES ('writeback', 'j1', '{}', '{}', 5)`,
    );
  });

  afterAll(async () => {
    await receiver?.close();
    await store?.destroy();
  });

  it('shifted data fires a drift alert with its PSI; unchanged data fires none', async () => {
    const config = configFor(hook);
    const report = await runMonitor(store, config, { references: { steady: training, shifted: training } });

    const steady = report.flows.find((f) => f.flow === 'steady');
    const shifted = report.flows.find((f) => f.flow === 'shifted');
    expect(steady?.drift.level).toBe('ok');
    // 400 shadow outputs and the 100 ledger rows (written or failed: the model's output either way)
    expect(steady?.drift.n).toBe(500);
    expect(steady?.drift.psi as number).toBeLessThan(0.1);
    expect(shifted?.drift.level).toBe('alert');
    // the shadow outputs (40, pre-shift) and the written + not-applied ledger rows (400) are the sample
    expect(shifted?.drift.n).toBe(440);
    expect(shifted?.drift.psi as number).toBeGreaterThan(0.25);

    const driftAlerts = report.alerts.filter((a) => a.metric === 'drift');
    expect(driftAlerts.map((a) => a.flow)).toEqual(['shifted']);
    expect(driftAlerts[0].value).toBeCloseTo(shifted?.drift.psi as number, 10);

    // delivered to the webhook, with the PSI figure in the text
    const psiText = `PSI ${Number(shifted?.drift.psi).toFixed(3)}`;
    const driftMessages = received.filter((m) => m.text.includes('drifted'));
    expect(driftMessages).toHaveLength(1);
    expect(driftMessages[0].text).toContain('shifted');
    expect(driftMessages[0].text).toContain(psiText);
    expect(received.some((m) => m.text.includes('steady'))).toBe(false);

    // the webhook's secret path is not in the report
    expect(JSON.stringify(report)).not.toContain('/hook');
    // recorded for the console
    const rows = await store.query<{ flow: string; metric: string; delivery: string; value: number }>(
      `SELECT flow, metric, delivery, value FROM monitor_alerts ORDER BY id`,
    );
    expect(rows.find((r) => r.metric === 'drift')).toMatchObject({ flow: 'shifted', delivery: 'sent' });
  });

  it('measures write health, identity and dead letters from the store', async () => {
    const report = await runMonitor(store, configFor(hook), {
      references: { steady: training, shifted: training },
      notify: false,
    });
    const steady = report.flows.find((f) => f.flow === 'steady');
    const shifted = report.flows.find((f) => f.flow === 'shifted');
    expect(steady?.writes).toMatchObject({ attempted: 100, successRate: 0.95, notAppliedRate: 0 });
    expect(steady?.fields).toEqual([
      {
        object: 'contact',
        field: 'ai_score',
        writes: 95,
        records: 95,
        writesPerRecord: 1,
        writesPerDay: 95 / 7,
      },
    ]);
    expect(shifted?.writes.notAppliedRate).toBeCloseTo(0.1, 10);
    expect(report.identity).toMatchObject({
      linked: 6,
      unmatched: 3,
      ambiguous: 1,
      decisions: 10,
      unmatchedRate: 0.3,
      ambiguousRate: 0.1,
    });
    expect(report.deadLetters).toMatchObject({ open: 1, byQueue: { writeback: 1 } });
    const metrics = report.alerts.map((a) => `${a.flow ?? '-'}:${a.metric}`).sort();
    expect(metrics).toEqual(['-:unmatched', 'shifted:drift', 'shifted:not_applied', 'shifted:write_success']);
    // the report and its metrics are in the store
    const saved = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM monitor_reports`);
    expect(saved[0].n).toBe(2);
    const psiRows = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM metrics WHERE name = 'monitor.psi' AND labels->>'flow' = 'steady'`,
    );
    expect(psiRows[0].n).toBe(2);
    expect(steady?.psiHistory).toHaveLength(2);
  });

  it('a drift alert sends an open gated flow back to shadow, once', async () => {
    const flow = configFor(hook).flows[1];
    const status = await gateStatus(store, flow, 'v1');
    expect(status).toMatchObject({ mode: 'shadow', reasonCode: 'drift' });
    expect(status.reason).toContain('PSI');
    const fallbacks = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM gate_decisions WHERE flow = 'shifted' AND reason_code = 'drift'`,
    );
    expect(fallbacks[0].n).toBe(1);
  });

  it('does not page twice for the same alert within a schedule period', async () => {
    const before = received.length;
    const report = await runMonitor(store, configFor(hook), {
      references: { steady: training, shifted: training },
    });
    expect(received.length).toBe(before);
    expect(report.alerts.every((a) => a.delivery === 'repeat')).toBe(true);
  });

  it('records a failed delivery instead of dropping it', async () => {
    const config = configFor('http://127.0.0.1:9/unreachable');
    // past the repeat period, so the alert is sent again (and fails)
    const now = new Date(Date.now() + 8 * 86_400_000);
    const report = await runMonitor(store, config, {
      now,
      windowMs: 9 * 86_400_000,
      references: { steady: training, shifted: training },
      flows: ['shifted'],
    });
    const drift = report.alerts.find((a) => a.metric === 'drift');
    expect(drift?.delivery).toBe('failed');
    expect(drift?.delivery_error).toContain('unreachable');
  });

  it('gives the console its monitoring, gate and sample views', async () => {
    const config = configFor(hook);
    const view = await consoleMonitor(store, config);
    // the latest recorded report: the run limited to the shifted flow
    expect(view.flows.map((f) => f.flow)).toEqual(['shifted']);
    expect(view.flows[0]).toMatchObject({ level: 'alert' });
    expect(view.flows[0].bins).toHaveLength(10);
    expect(view.flows[0].bins[0]).toBe('≤10');
    expect(view.writeSuccess.reduce((s, d) => s + d.written, 0)).toBe(95 + 360);
    expect(view.alerts.some((a) => a.flow === 'shifted' && a.level === 'alert')).toBe(true);

    const gates = await consoleGates(store, config);
    expect(gates.find((g) => g.flow === 'shifted')).toMatchObject({
      mode: 'shadow',
      modelVersion: 'v1',
      threshold: 0.8,
      sampleSize: 30,
    });
    await recordShadowOutputs(store, { flow: 'steady', modelVersion: 'v1', outputs: scoreRows([42], 'new') });
    const drawn = await drawSample(store, { flow: 'steady', modelVersion: 'v1', size: 2, drawnBy: 'ana' });
    const samples = await consoleSamples(store, config);
    expect(samples.map((x) => x.id).sort()).toEqual(drawn.map((d) => String(d.id)).sort());
    expect(samples[0]).toMatchObject({ flow: 'steady', field: 'ai_score' });
    const msg = await consoleLabel(store, config, samples[0].id, true, 'ana');
    expect(msg).toContain('labelled correct');
    expect(msg).toContain('1 of 30 labels needed');
    expect(await consoleSamples(store, config)).toHaveLength(1);

    // the same, as the server's console actions (type-checked against server/types.ts)
    const actions: ConsoleActions = monitorConsoleActions(store, config);
    expect(await actions.listSamples?.()).toHaveLength(1);
    expect((await actions.gates?.())?.map((g) => g.flow)).toEqual(['steady', 'shifted']);
  });

  it('takes the training distribution the flows module stored with the model', async () => {
    // flow_models belongs to the flows module (0401); created here with its columns when absent
    await store.query(`CREATE TABLE IF NOT EXISTS flow_models (
      version text NOT NULL, flow text NOT NULL, kind text NOT NULL, features jsonb NOT NULL DEFAULT '{}'::jsonb, weights jsonb NOT NULL,
      metrics jsonb NOT NULL DEFAULT '{}'::jsonb, training_scores jsonb NOT NULL DEFAULT '[]'::jsonb, explanation text,
      active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (flow, version))`);
    await store.query(
      `INSERT INTO flow_models (version, flow, kind, weights, training_scores) VALUES ('v1', 'shifted', 'trained', '{}', $1::jsonb)`,
      [JSON.stringify(training)],
    );
    const report = await runMonitor(store, configFor(hook), { notify: false, persist: false });
    expect(report.flows.find((f) => f.flow === 'shifted')?.drift).toMatchObject({
      level: 'alert',
      referenceN: 2000,
    });
    expect(report.flows.find((f) => f.flow === 'steady')?.drift.level).toBe('not_judged');
  });

  it('runs on schedule only when due', async () => {
    const config = configFor(hook);
    const now = new Date(Date.now() + 1000);
    const first = await runMonitorIfDue(store, config, { now, notify: false });
    expect(first?.trigger).toBe('schedule');
    expect(
      await runMonitorIfDue(store, config, { now: new Date(now.getTime() + 60_000), notify: false }),
    ).toBeNull();
    // no reference stored: drift is reported as not judged, never as fine
    expect(first?.flows[0].drift.level).toBe('not_judged');
  });
});
