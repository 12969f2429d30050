import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../store/testing/index.js';
import type { RecordJob } from '../triggers/index.js';
import { finishRun, insertRun, setRunProgress } from '../writeback/queries.js';
import { buildServer } from './index.js';

describe('server', () => {
  let store: TestStore;
  const queued: RecordJob[] = [];
  const queue = { enqueue: async (jobs: RecordJob[]) => void queued.push(...jobs) };
  beforeAll(async () => {
    store = await openTestStore('pglite');
    await store.query("INSERT INTO runs (id, kind, crm, status) VALUES ('run_1', 'apply', 'hubspot', 'succeeded')");
    await store.query(
      `INSERT INTO write_ledger (run_id, crm, object, record_id, field, before_value, after_value, outcome, reason)
       VALUES ('run_1', 'hubspot', 'contact', '101', 'inrecord_score', '10', '80', 'written', 'ai-owned field')`,
    );
    await store.query(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload)
       VALUES ('identity', 'hubspot', 'contact', 'ext-1', 'email shared by 2 records', $1::jsonb)`,
      [JSON.stringify({ candidates: [{ id: '1', label: 'John Smith' }, { id: '2', label: 'J. Smith' }] })],
    );
  });
  afterAll(async () => store.destroy());

  it('renders every console page from the store', async () => {
    const app = buildServer({ store, connectors: {}, queue, actions: {} });
    for (const path of [
      '/',
      '/review',
      '/dlq',
      '/runs',
      '/runs/run_1',
      '/validation',
      '/monitor',
      '/models',
    ]) {
      const res = await app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
    }
    const review = await app.inject({ method: 'GET', url: '/review' });
    expect(review.body).toContain('email shared by 2 records');
    expect(review.body).toContain('pick John Smith');
    const run = await app.inject({ method: 'GET', url: '/runs/run_1' });
    expect(run.body).toContain('inrecord_score');
    expect(run.body).toContain('roll back this run');
  });

  it("shows each scoring flow's last model report, or says to train", async () => {
    const report = {
      flow: 'lead-scoring',
      chosen: 'trained' as const,
      modelVersion: 'lr-1a2b',
      candidateVersion: 'lr-0f0f',
      why: 'trained model lr-1a2b: 1,092 converted and 515 not-converted records',
      rejected: null,
      records: { converted: 1092, notConverted: 515, undecided: 1536 },
      holdout: {
        split: 'hash' as const,
        from: null,
        rows: 324,
        auc: 0.8039,
        aucLower: 0.756,
        aucUpper: 0.8518,
        rulesAuc: 0.6235,
        brier: 0.168,
        topDecilePrecision: 0.969,
        rulesTopDecilePrecision: 0.906,
      },
      lift: [{ decile: 1, records: 32, positives: 31, precision: 0.969, captured: 0.144, lift: 1.45 }],
      strongest: [
        {
          feature: 'engaged',
          name: 'last engaged n days ago',
          kind: 'value' as const,
          log: true,
          coefficient: -1.18,
          effect: -1.168,
        },
      ],
      penalty: { l2: 3, chosenBy: 'cross-validation' as const },
      boost: { trees: 40, depth: 3, learningRate: 0.1, chosenBy: 'early stopping' as const },
      family: 'logistic' as const,
      familyWhy: "logistic regression: boosted trees' held-out AUC 0.790 vs logistic 0.804, difference −0.014 (95% CI −0.030 to 0.002), not clearly above 0",
      families: [],
      fit: { converged: true, stopped: 'converged', iterations: 5, refitIterations: 5 },
      trainedAt: '2026-12-06T21:09:13.767Z',
      active: true,
    };
    const app = buildServer({
      store,
      connectors: {},
      queue,
      actions: {
        models: async () => [
          { flow: 'lead-scoring', report },
          { flow: 'other-scoring', report: null },
        ],
      },
    });
    const res = await app.inject({ method: 'GET', url: '/models' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('trained · lr-1a2b');
    expect(res.body).toContain('Family: logistic regression: boosted trees&#39; held-out AUC 0.790 vs logistic 0.804');
    expect(res.body).toContain('0.804 (0.756–0.852)');
    expect(res.body).toContain('96.9% (90.6%)');
    expect(res.body).toContain('last engaged n days ago (−1.180, log)');
    expect(res.body).toContain('inrecord train other-scoring');
  });

  it('escapes what it renders', async () => {
    await store.query(
      `INSERT INTO review_items (kind, crm, object, subject_key, reason, payload) VALUES ('conflict', 'hubspot', 'contact', 'x', '<script>alert(1)</script>', '{}'::jsonb)`,
    );
    const app = buildServer({ store, connectors: {}, queue, actions: {} });
    const res = await app.inject({ method: 'GET', url: '/review' });
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;');
  });

  it('refuses to bind beyond loopback without a token, and then requires it on every request', async () => {
    expect(() => buildServer({ store, connectors: {}, queue, actions: {}, host: '0.0.0.0' })).toThrow(/token/);
    expect(() => buildServer({ store, connectors: {}, queue, actions: {}, host: '0.0.0.0', token: 's3cret' })).toThrow(/publicUrl/);
    const app = buildServer({ store, connectors: {}, queue, actions: {}, host: '0.0.0.0', token: 's3cret', publicUrl: 'https://localhost' });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
  });

  it('answers a webhook for a CRM it has no connection for with 404 and enqueues nothing', async () => {
    const app = buildServer({ store, connectors: {}, queue, actions: {} });
    const res = await app.inject({ method: 'POST', url: '/webhooks/hubspot', payload: '[]', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(queued).toHaveLength(0);
  });

  it('turns a console action that is not wired into a clear error, not a crash', async () => {
    const app = buildServer({ store, connectors: {}, queue, actions: {} });
    const res = await app.inject({ method: 'POST', url: '/api/dlq/1/replay', payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(501);
    expect(res.json().error.code).toBe('IR_NOT_IMPLEMENTED');
  });

  it('shows a running run live: records done of the total, rate and time left, from the store', async () => {
    const app = buildServer({ store, connectors: {}, queue, actions: {} });
    await insertRun(store, { id: 'run_live', kind: 'apply', crm: 'hubspot', flow: 'contact-scoring' });
    const startedAt = new Date(Date.now() - 20_000).toISOString();
    await setRunProgress(store, 'run_live', { done: 4000, total: 20000, written: 3900, calls: 130, startedAt, at: new Date().toISOString() });
    const api = (await app.inject({ method: 'GET', url: '/api/runs/running' })).json();
    expect(api.items).toHaveLength(1);
    expect(api.items[0]).toMatchObject({ id: 'run_live', progress: { done: 4000, total: 20000, written: 3900, calls: 130 } });
    expect(api.items[0].progress.perSecond).toBeGreaterThan(150);
    expect(api.items[0].line).toMatch(/^4,000 \/ 20,000 records · 3,900 written · [\d.]+ records\/s · \d+ s left · 130 API calls$/);
    const page = await app.inject({ method: 'GET', url: '/runs' });
    expect(page.body).toContain('data-run-progress="run_live"');
    expect(page.body).toContain('4,000 / 20,000 records');
    // finished: no longer running, its summary shown instead
    await finishRun(store, 'run_live', 'succeeded', { records: 20000 });
    expect((await app.inject({ method: 'GET', url: '/api/runs/running' })).json().items).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/runs' })).body).not.toContain('data-run-progress');
  });
});
