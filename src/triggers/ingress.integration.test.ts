/**
 * Webhook ingress with the real connectors' verification and parsing, on a Postgres store: the
 * signed address behind an https proxy, per-CRM delivery limits, an event refused on its own, and
 * receipt retention.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, WebhookRequest } from '../crm/types.js';
import { openTestStore, type TestStore } from '../store/testing/index.js';
import { acceptWebhook } from './ingress.js';
import { pruneReceipts } from './queries.js';
import type { RecordJob, RecordQueue } from './types.js';

const SECRET = 'hs-app-secret';
const PUBLIC = 'https://crm-hooks.example.com';

describe('webhook ingress', () => {
  let store: TestStore;
  let hubspot: CrmConnector;
  let pipedrive: CrmConnector;
  let salesforce: CrmConnector;
  const jobs: RecordJob[] = [];
  const queue: RecordQueue = {
    async enqueue(batch: RecordJob[]) {
      jobs.push(...batch);
    },
  };
  const receipts = async (status: string) =>
    store.query<{ crm: string; payload: { reason?: string; event?: unknown } }>('SELECT crm, payload FROM webhook_receipts WHERE status = $1 ORDER BY id', [status]);

  beforeAll(async () => {
    store = await openTestStore('postgres');
    const conn = (c: Record<string, unknown>) => crmConnectionSchema.parse({ baseUrl: 'http://127.0.0.1:9', auth: { token: 't' }, ...c });
    hubspot = await createConnector(conn({ kind: 'hubspot', webhooks: { secret: SECRET } }));
    pipedrive = await createConnector(conn({ kind: 'pipedrive', webhooks: { basicUser: 'hook', basicPassword: 'pw' } }));
    salesforce = await createConnector(conn({ kind: 'salesforce', webhooks: { orgId: '00Dxx0000001gPLEAY', urlSecret: 'sfsecret' } }));
  }, 60_000);
  afterAll(async () => {
    for (const c of [hubspot, pipedrive, salesforce]) await c?.close();
    await store?.destroy();
  });

  it('a connection without its webhook settings says so, with the fix, and refuses every delivery for that reason', async () => {
    for (const c of [hubspot, pipedrive, salesforce]) expect(c.webhooks.unverifiable()).toBeNull();
    for (const kind of ['hubspot', 'pipedrive', 'salesforce'] as const) {
      const bare = await createConnector(crmConnectionSchema.parse({ kind, baseUrl: 'http://127.0.0.1:9', auth: { token: 't' } }));
      try {
        const missing = bare.webhooks.unverifiable();
        expect(missing?.fix, kind).toMatch(/crm\.webhooks\./);
        const refused = bare.webhooks.verify({ method: 'POST', url: '/webhooks/x', headers: {}, rawBody: Buffer.from('[]') });
        expect(refused).toEqual({ ok: false, reason: missing?.reason });
      } finally {
        await bare.close();
      }
    }
  });

  /** A HubSpot delivery signed for `signedUrl`, arriving (after the proxy) at the internal address. */
  const hubspotDelivery = (events: unknown[], signedUrl: string, timestamp = Date.now(), headers: Record<string, string> = {}): WebhookRequest => {
    const body = JSON.stringify(events);
    const ts = String(timestamp);
    const signature = createHmac('sha256', SECRET).update(`POST${signedUrl}${body}${ts}`).digest('base64');
    return {
      method: 'POST',
      url: 'http://10.0.0.5:4600/webhooks/hubspot',
      headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': ts, ...headers },
      rawBody: Buffer.from(body),
    };
  };
  const change = (objectId: unknown, extra: Record<string, unknown> = {}) => ({
    eventId: 1,
    subscriptionType: 'contact.propertyChange',
    objectId,
    propertyName: 'jobtitle',
    occurredAt: Date.now(),
    changeSource: 'CRM_UI',
    ...extra,
  });

  it('accepts a HubSpot delivery signed for server.publicUrl that arrives as http at the internal address', async () => {
    const delivery = hubspotDelivery([change(501)], `${PUBLIC}/webhooks/hubspot`);
    // without publicUrl the signature is checked against http://10.0.0.5:4600/… and fails
    expect(await acceptWebhook({ connector: hubspot, store, queue }, delivery)).toMatchObject({ status: 401 });
    const r = await acceptWebhook({ connector: hubspot, store, queue, address: { publicUrl: PUBLIC } }, delivery);
    expect(r).toMatchObject({ status: 200, received: 1, enqueued: 1, rejected: [] });
    expect(jobs.at(-1)).toMatchObject({ crm: 'hubspot', object: 'contact', id: '501' });
  });

  it('refuses a forged signature and a timestamp from the future, even behind the proxy', async () => {
    const address = { publicUrl: PUBLIC };
    const before = jobs.length;
    const forged = hubspotDelivery([change(502)], `${PUBLIC}/webhooks/hubspot`);
    forged.rawBody = Buffer.from(JSON.stringify([change(503)]));
    expect(await acceptWebhook({ connector: hubspot, store, queue, address }, forged)).toMatchObject({ status: 401, reason: expect.stringMatching(/does not match/) });
    const future = hubspotDelivery([change(504)], `${PUBLIC}/webhooks/hubspot`, Date.now() + 6 * 60_000);
    expect(await acceptWebhook({ connector: hubspot, store, queue, address }, future)).toMatchObject({ status: 401, reason: expect.stringMatching(/in the future/) });
    expect(jobs.length).toBe(before);
  });

  it('believes X-Forwarded-Proto / X-Forwarded-Host only with trustProxy', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm-hooks.example.com' };
    const delivery = hubspotDelivery([change(505)], `${PUBLIC}/webhooks/hubspot`, Date.now(), forwarded);
    expect(await acceptWebhook({ connector: hubspot, store, queue }, delivery)).toMatchObject({ status: 401 });
    expect(await acceptWebhook({ connector: hubspot, store, queue, address: { trustProxy: true } }, delivery)).toMatchObject({ status: 200, enqueued: 1 });
  });

  it('accepts the rest of a batch with one bad event, and keeps the bad one with its reason', async () => {
    const before = jobs.length;
    const delivery = hubspotDelivery([change(511), change(undefined, { eventId: 77 }), change(512)], `${PUBLIC}/webhooks/hubspot`);
    const r = await acceptWebhook({ connector: hubspot, store, queue, address: { publicUrl: PUBLIC } }, delivery);
    expect(r).toMatchObject({ status: 200, received: 2, enqueued: 2, rejected: [{ index: 1, reason: 'contact.propertyChange has no record id (objectId null)' }] });
    expect(jobs.slice(before).map((j) => j.id)).toEqual(['511', '512']);
    const refused = await receipts('rejected');
    expect(refused.at(-1)).toMatchObject({ crm: 'hubspot', payload: { reason: 'contact.propertyChange has no record id (objectId null)', event: { eventId: 77 } } });
    // the same refusal delivered again is not stored twice
    await acceptWebhook({ connector: hubspot, store, queue, address: { publicUrl: PUBLIC } }, delivery);
    expect((await receipts('rejected')).length).toBe(refused.length);
  });

  it('refuses a HubSpot delivery of more than 100 events with 413', async () => {
    const events = Array.from({ length: 101 }, (_, i) => change(600 + i));
    const r = await acceptWebhook({ connector: hubspot, store, queue, address: { publicUrl: PUBLIC } }, hubspotDelivery(events, `${PUBLIC}/webhooks/hubspot`));
    expect(r).toMatchObject({ status: 413, reason: expect.stringMatching(/at most 100/), enqueued: 0 });
  });

  it('refuses a Pipedrive event without a record id (400, kept with its reason), and queues nothing for "undefined"', async () => {
    const before = jobs.length;
    const body = { meta: { action: 'change', entity: 'person', id: 'evt-9', timestamp: new Date().toISOString(), change_source: 'app', version: '2.0' }, data: { name: 'x' }, previous: { name: 'y' } };
    const r = await acceptWebhook(
      { connector: pipedrive, store, queue },
      { method: 'POST', url: 'http://10.0.0.5:4600/webhooks/pipedrive', headers: { authorization: `Basic ${Buffer.from('hook:pw').toString('base64')}` }, rawBody: Buffer.from(JSON.stringify(body)) },
    );
    expect(r).toMatchObject({ status: 400, reason: expect.stringMatching(/names no record id/), enqueued: 0 });
    expect(jobs.length).toBe(before);
    expect((await receipts('rejected')).at(-1)).toMatchObject({ crm: 'pipedrive', payload: { reason: expect.stringMatching(/names no record id/), event: body } });
    expect(await store.query("SELECT 1 FROM webhook_receipts WHERE payload->>'id' = 'undefined'")).toEqual([]);
  });

  it('refuses a Salesforce outbound message over 1 MiB with 413 before reading it', async () => {
    const head = '<soapenv:Envelope><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>00Dxx0000001gPLEAY</OrganizationId>';
    const note = (i: number) =>
      `<Notification><Id>04lxx${String(i).padStart(13, '0')}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>00Qxx${String(i).padStart(13, '0')}</sf:Id><sf:Description>${'lorem ipsum '.repeat(400)}</sf:Description></sObject></Notification>`;
    const message = (n: number) => Buffer.from(`${head}${Array.from({ length: n }, (_, i) => note(i)).join('')}</notifications></soapenv:Body></soapenv:Envelope>`);
    const sf = (rawBody: Buffer) => acceptWebhook({ connector: salesforce, store, queue }, { method: 'POST', url: 'http://10.0.0.5:4600/webhooks/salesforce?secret=sfsecret', headers: {}, rawBody });
    const big = message(1100); // ≈ 5.3 MB
    expect(big.length).toBeGreaterThan(5_000_000);
    expect(await sf(big)).toMatchObject({ status: 413, reason: expect.stringMatching(/at most 1048576/) });
    // 100 notifications of 4.8 KB each are read in full
    expect(await sf(message(100))).toMatchObject({ status: 200, received: 100 });
  });

  it('prunes receipts older than the retention, and keeps the newer ones', async () => {
    await store.query(
      `INSERT INTO webhook_receipts (crm, dedupe_key, payload, received_at) VALUES
         ('hubspot', 'old-receipt', '{}'::jsonb, now() - interval '40 days'), ('hubspot', 'recent-receipt', '{}'::jsonb, now() - interval '10 days')`,
    );
    const removed = await pruneReceipts(store, new Date(Date.now() - 30 * 86_400_000));
    expect(removed).toBe(1);
    const left = await store.query<{ dedupe_key: string }>("SELECT dedupe_key FROM webhook_receipts WHERE dedupe_key LIKE '%-receipt'");
    expect(left.map((r) => r.dedupe_key)).toEqual(['recent-receipt']);
  });
});
