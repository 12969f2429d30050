/**
 * Triggers end to end on the HubSpot simulator: a rep's property change arrives as a v3-signed
 * webhook, is processed once through the scoring flow and write-back, and the AI score lands in that
 * same contact. Forged and stale signatures (docs/reference/hubspot.md, webhooks: v3 signature, 5-minute
 * timestamp window) are rejected with 401 and enqueue nothing.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import { demoConfig } from '../../src/demo/index.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

const SECRET = 'hs-client-secret';
const DEV_KEY = 'hs-dev-key';

const until = async <T>(f: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

const sign = (method: string, url: string, body: string, timestamp: string, secret = SECRET) =>
  createHmac('sha256', secret).update(`${method}${url}${body}${timestamp}`).digest('base64');

describe('triggers on the HubSpot simulator', () => {
  let sim: RunningSimulator & { appId?: number };
  let store: TestStore;
  let daemon: Daemon;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = (await startSimulator('hubspot', {
      seed: 5,
      records: 150,
      clientSecret: SECRET,
      developerApiKey: DEV_KEY,
      searchPerSecond: 50,
      webhookRetryScale: 0.01,
    })) as RunningSimulator & { appId?: number };
    store = await openTestStore('postgres');
    const base = demoConfig('hubspot', sim);
    config = configSchema.parse({
      ...base,
      crm: { ...base.crm, webhooks: { secret: SECRET, appId: String(sim.appId), developerApiKey: DEV_KEY } },
      server: { port: 0 },
      flows: base.flows.map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: true, poll: '1h' } })),
      jobs: { retryLimit: 3, retryDelaySeconds: 1, concurrency: 4 },
    });
    // Create the inrecord_* properties before the daemon starts, so the first change is written (a
    // daemon started first refuses the outputs until it sees the fields: fields.integration.test.ts).
    const setup = await createConnector(config.crm, {});
    const check = await checkLive(setup, config, { fix: true });
    expect(check.ok).toBe(true);
    await setup.close();
    daemon = await startDaemon(store, config, { port: 0, poll: false });
    await daemon.connector.webhooks.subscribe(`${daemon.url}/webhooks/hubspot`, ['contact']);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  const scoreOf = async (id: string) => {
    const [r] = await daemon.connector.read('contact', [id], ['inrecord_score']);
    return r?.fields.inrecord_score;
  };

  it('writes the AI score into the contact a rep just changed, once', async () => {
    expect(await scoreOf('60')).toBeFalsy();
    // an edit must change the value to produce a webhook: pick a senior value it does not have yet
    const [current] = await daemon.connector.read('contact', ['60'], ['seniority']);
    const senior = current.fields.seniority === 'vp' ? 'c_level' : 'vp';
    await sim.repEdit({ object: 'contacts', id: '60', fields: { seniority: senior } });
    const score = await until(async () => {
      const s = await scoreOf('60');
      return typeof s === 'number' ? s : null;
    }).catch(async (e) => {
      // name what happened to the change, so a failure says where the chain broke
      const dump = async (sql: string) => JSON.stringify(await store.query(sql));
      console.error('receipts', await dump('SELECT * FROM webhook_receipts'));
      console.error('versions', await dump("SELECT * FROM record_versions WHERE id = '60'"));
      console.error('ledger', await dump("SELECT * FROM write_ledger WHERE record_id = '60'"));
      console.error('dead', await dump('SELECT * FROM dead_letters'));
      throw e;
    });
    const [after] = await daemon.connector.read('contact', ['60'], ['seniority', 'inrecord_score_reason']);
    expect(after.fields.seniority).toBe(senior);
    expect(score).toBeGreaterThanOrEqual(0);
    // our own write comes back as a webhook and must not trigger a second run
    await new Promise((r) => setTimeout(r, 1500));
    await daemon.engine.drain('records', 30_000);
    const [{ n }] = await store.query<{ n: number }>(
      "SELECT count(*) AS n FROM write_ledger WHERE record_id = '60' AND outcome = 'written' AND field = 'inrecord_score'",
    );
    expect(n).toBe(1);
    const [{ processed }] = await store.query<{ processed: number }>("SELECT processed_count AS processed FROM record_versions WHERE id = '60'");
    expect(processed).toBe(1);
    const [{ receipts }] = await store.query<{ receipts: number }>("SELECT count(*) AS receipts FROM webhook_receipts WHERE crm = 'hubspot'");
    expect(receipts).toBeGreaterThan(0);
  }, 60_000);

  it('scores the rep-set seniority (base 25 + senior buyer 35)', async () => {
    const [r] = await daemon.connector.read('contact', ['60'], ['seniority', 'inrecord_score', 'inrecord_score_reason']);
    expect(String(r.fields.inrecord_score_reason)).toContain('senior buyer');
    expect(r.fields.inrecord_score).toBeGreaterThanOrEqual(60);
  });

  it('rejects a forged signature and a stale timestamp with 401 and enqueues nothing', async () => {
    await daemon.engine.drain('records', 30_000);
    const before = await daemon.engine.pending('records');
    const [{ receipts: receiptsBefore }] = await store.query<{ receipts: number }>('SELECT count(*) AS receipts FROM webhook_receipts');
    const url = `${daemon.url}/webhooks/hubspot`;
    const body = JSON.stringify([
      {
        eventId: 991,
        subscriptionId: 1,
        portalId: 1,
        appId: sim.appId,
        occurredAt: Date.now(),
        subscriptionType: 'contact.propertyChange',
        attemptNumber: 0,
        objectId: 61,
        propertyName: 'seniority',
        propertyValue: 'vp',
        changeSource: 'CRM_UI',
      },
    ]);
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    const now = String(Date.now());
    // signed with the wrong secret
    const forged = await post({ 'x-hubspot-signature-v3': sign('POST', url, body, now, 'not-the-secret'), 'x-hubspot-request-timestamp': now });
    expect(forged.status).toBe(401);
    // right secret, body tampered after signing
    const tampered = await post({ 'x-hubspot-signature-v3': sign('POST', url, `${body} `, now), 'x-hubspot-request-timestamp': now });
    expect(tampered.status).toBe(401);
    // no signature at all
    expect((await post({ 'x-hubspot-request-timestamp': now })).status).toBe(401);
    // correctly signed but 6 minutes old: a replay
    const stale = String(Date.now() - 6 * 60_000);
    const old = await post({ 'x-hubspot-signature-v3': sign('POST', url, body, stale), 'x-hubspot-request-timestamp': stale });
    expect(old.status).toBe(401);

    expect(await daemon.engine.pending('records')).toBe(before);
    const [{ receipts }] = await store.query<{ receipts: number }>('SELECT count(*) AS receipts FROM webhook_receipts');
    expect(receipts).toBe(receiptsBefore);
    // the same event, correctly signed and fresh, is accepted: the rejections were about the signature
    const fresh = String(Date.now());
    const ok = await post({ 'x-hubspot-signature-v3': sign('POST', url, body, fresh), 'x-hubspot-request-timestamp': fresh });
    expect(ok.status).toBe(200);
  }, 30_000);
});

describe('HubSpot webhooks behind an https proxy (server.publicUrl), and receipt retention', () => {
  const PUBLIC = 'https://crm-hooks.example.com';
  let store: TestStore;
  let daemon: Daemon;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    // a receipt from long ago, and one within the retention
    await store.query(
      `INSERT INTO webhook_receipts (crm, dedupe_key, payload, received_at) VALUES
         ('hubspot', 'aged-receipt', '{}'::jsonb, now() - interval '8 days'), ('hubspot', 'kept-receipt', '{}'::jsonb, now() - interval '2 days')`,
    );
    const config = configSchema.parse({
      crm: { kind: 'hubspot', baseUrl: 'http://127.0.0.1:9', auth: { token: 't' }, webhooks: { secret: SECRET } },
      server: { port: 0, publicUrl: PUBLIC },
      triggers: { receiptRetention: '7d' },
    });
    daemon = await startDaemon(store, config, { port: 0, poll: false, work: false });
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
  });

  it('accepts a delivery signed for the public https address, arriving as http on the internal one', async () => {
    const body = JSON.stringify([{ eventId: 1, subscriptionType: 'contact.propertyChange', objectId: 777, propertyName: 'jobtitle', occurredAt: Date.now(), changeSource: 'CRM_UI' }]);
    const post = (signedFor: string, ts = String(Date.now())) =>
      fetch(`${daemon.url}/webhooks/hubspot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sign('POST', signedFor, body, ts), 'x-hubspot-request-timestamp': ts },
        body,
      });
    // signed for the internal address: not what HubSpot signs behind the proxy
    expect((await post(`${daemon.url}/webhooks/hubspot`)).status).toBe(401);
    // dated 6 minutes ahead
    expect((await post(`${PUBLIC}/webhooks/hubspot`, String(Date.now() + 6 * 60_000))).status).toBe(401);
    const ok = await post(`${PUBLIC}/webhooks/hubspot`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, received: 1, enqueued: 1 });
  });

  it('prunes receipts older than triggers.receiptRetention on its schedule', async () => {
    const keys = async () =>
      (await store.query<{ dedupe_key: string }>("SELECT dedupe_key FROM webhook_receipts WHERE dedupe_key LIKE '%-receipt' ORDER BY dedupe_key")).map((r) => r.dedupe_key);
    await until(async () => !(await keys()).includes('aged-receipt'), 10_000);
    expect(await keys()).toEqual(['kept-receipt']);
  });
});
