/**
 * Triggers end to end on the Pipedrive simulator: a rep's change in the CRM arrives by webhook (or,
 * when the webhook is lost, by the poller), is processed once through the flows and write-back, and
 * the AI output lands in that same record. inrecord's own write comes back as a webhook too and
 * triggers nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { demoConfig } from '../../src/demo/index.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

const until = async <T>(f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('triggers on the Pipedrive simulator', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { seed: 5, records: 60, webhookRetryScale: 0.01 });
    store = await openTestStore('postgres');
    const base = demoConfig('pipedrive', sim);
    config = configSchema.parse({
      ...base,
      crm: { ...base.crm, webhooks: { basicUser: 'inrecord', basicPassword: 'hook-secret' } },
      server: { port: 0 },
      flows: base.flows
        .filter((f) => f.name === 'person-scoring')
        .map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: true, poll: '1h' } })),
      jobs: { retryLimit: 3, retryDelaySeconds: 1, concurrency: 4 },
    });
    daemon = await startDaemon(store, config, { port: 0, poll: false });
    const check = await checkLive(daemon.connector, config, { fix: true });
    expect(check.ok).toBe(true);
    await daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/pipedrive`, ['contact']);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  const scoreOf = async (id: string) => {
    const [r] = await daemon.connector.read('contact', [id], []);
    const schema = await daemon.connector.describe('contact');
    const field = schema.fields.find((f) => f.label === 'Lead score')!;
    return { score: r.fields[field.name], record: r };
  };

  it('writes the AI score into the record a rep just changed, once', async () => {
    const schema = await daemon.connector.describe('contact');
    const seniority = schema.fields.find((f) => f.label === 'Seniority')!;
    const vp = seniority.options!.find((o) => o.label === 'vp')!;
    const [person] = await daemon.connector.read('contact', ['7'], []);
    expect(person).toBeDefined();
    await sim.repEdit({ object: 'persons', id: '7', fields: { [seniority.name]: Number(vp.value) } });
    const after = await until(async () => {
      const s = await scoreOf('7');
      return typeof s.score === 'number' ? s : null;
    });
    expect(after.score).toBeGreaterThanOrEqual(70);
    // the job ran once, and our own write came back as a webhook without triggering anything
    await new Promise((r) => setTimeout(r, 1500));
    const [{ n }] = await store.query<{ n: number }>(
      "SELECT count(*) AS n FROM write_ledger WHERE record_id = '7' AND outcome = 'written' AND field = (SELECT field FROM write_ledger WHERE record_id = '7' AND outcome = 'written' LIMIT 1)",
    );
    expect(n).toBe(1);
    const [{ processed }] = await store.query<{ processed: number }>("SELECT processed_count AS processed FROM record_versions WHERE id = '7'");
    expect(processed).toBe(1);
  }, 60_000);

  it('picks up a change whose webhook was dropped on the next poll, and processes it once', async () => {
    sim.setFaults({ webhookDrop: 1 });
    const schema = await daemon.connector.describe('contact');
    const seniority = schema.fields.find((f) => f.label === 'Seniority')!;
    const director = seniority.options!.find((o) => o.label === 'director')!;
    await sim.repEdit({ object: 'persons', id: '9', fields: { [seniority.name]: Number(director.value) } });
    await new Promise((r) => setTimeout(r, 800));
    expect((await scoreOf('9')).score ?? null).toBeNull();
    sim.setFaults({});
    const enqueued = await daemon.pollNow();
    expect(enqueued).toBeGreaterThan(0);
    const s = await until(async () => {
      const x = await scoreOf('9');
      return typeof x.score === 'number' ? x : null;
    });
    expect(s.score).toBeGreaterThanOrEqual(50);
    // polling again finds nothing new: our own write was remembered as processed
    await daemon.engine.drain('records', 30_000);
    expect(await daemon.pollNow()).toBe(0);
  }, 60_000);

  it('acts on a deletion only when the CRM confirms it: identity links to the record are invalidated', async () => {
    await store.query(
      `INSERT INTO identity_links (crm, object, external_key, crm_id, provenance, rule, confidence)
       VALUES ('pipedrive', 'contact', 'ext-11', '11', 'rule', 'email', 0.97)`,
    );
    const res = await fetch(`${sim.url}/api/v2/persons/11`, { method: 'DELETE', headers: { 'x-api-token': sim.token } });
    expect(res.status).toBe(200);
    const link = await until(async () => {
      const [row] = await store.query<{ invalidated_at: Date | null; invalidated_reason: string | null }>(
        "SELECT invalidated_at, invalidated_reason FROM identity_links WHERE external_key = 'ext-11'",
      );
      return row.invalidated_at ? row : null;
    });
    expect(link.invalidated_reason).toContain('deleted');
    const [v] = await store.query<{ deleted_at: Date | null }>("SELECT deleted_at FROM record_versions WHERE id = '11'");
    expect(v.deleted_at).not.toBeNull();
  }, 30_000);

  it('rejects forged, malformed and oversized webhooks and enqueues nothing', async () => {
    const before = await daemon.engine.pending('records');
    const url = `${daemon.url}/webhooks/pipedrive`;
    const good = `Basic ${Buffer.from('inrecord:hook-secret').toString('base64')}`;
    const bad = `Basic ${Buffer.from('inrecord:wrong').toString('base64')}`;
    const body = JSON.stringify({ meta: { action: 'change', entity: 'person', entity_id: '3', id: 'x', timestamp: Date.now() }, data: { id: 3 }, previous: {} });
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: bad }, body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: good }, body: '{not json' })).status).toBe(400);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: good }, body: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
    expect(await daemon.engine.pending('records')).toBe(before);
  }, 30_000);
});
