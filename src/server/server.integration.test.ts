import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, type TestStore } from '../store/testing/index.js';
import type { RecordJob } from '../triggers/index.js';
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
    for (const path of ['/', '/review', '/dlq', '/runs', '/runs/run_1', '/validation', '/monitor']) {
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
});
