/**
 * Webhook deliveries from the HubSpot simulator, checked by an independent receiver on 127.0.0.1:
 * signatures recomputed with the documented algorithm and with the SDK's own `Signature.isValid`
 * (§8.4), batches of at most 100 events (§8.2), retries with `attemptNumber` on a failed answer
 * (§8.3), change sources that tell the integration's writes from a rep's, and drop/duplicate faults.
 */
import { createHash, createHmac } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Signature } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningHubspotSimulator, startHubspotSimulator } from './index.js';
import type { WebhookEvent } from './webhooks.js';

const SECRET = 'b7f1c2d3-4e5f-4a6b-8c9d-0e1f2a3b4c5d';

interface Delivery {
  url: string;
  headers: IncomingMessage['headers'];
  raw: string;
  events: WebhookEvent[];
}

let server: Server;
let target: string;
let deliveries: Delivery[] = [];
/** Status answered to each next delivery (then 200). */
let answers: number[] = [];
let sim: RunningHubspotSimulator;
let hs: Client;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const addr = server.address() as AddressInfo;
      deliveries.push({
        url: `http://127.0.0.1:${addr.port}${req.url}`,
        headers: req.headers,
        raw,
        events: JSON.parse(raw),
      });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hubspot?portal=1`;
  // Retry delays scaled down from seconds to milliseconds.
  sim = await startHubspotSimulator({
    records: 40,
    seed: 9,
    clientSecret: SECRET,
    webhookUrl: target,
    webhookRetryScale: 0.001,
  });
  hs = new Client({ accessToken: sim.token, basePath: sim.url });
}, 30_000);

afterAll(async () => {
  await sim?.close();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  deliveries = [];
  answers = [];
  sim.setFaults({});
});

const allEvents = () => deliveries.flatMap((d) => d.events);

async function settle(ms = 150): Promise<void> {
  await sim.webhooksIdle();
  await new Promise((r) => setTimeout(r, ms));
  await sim.webhooksIdle();
}

describe('webhook deliveries (§8)', () => {
  it('signs each delivery v3 (base64 HMAC-SHA256 of method + uri + body + timestamp) and v1', async () => {
    const c = await hs.crm.contacts.basicApi.create({
      properties: { email: 'hook.one@example.com', firstname: 'Hook' },
      associations: [],
    });
    await settle();
    expect(deliveries.length).toBeGreaterThan(0);
    const d = deliveries[0];
    expect(d.url).toBe(target);
    const ts = String(d.headers['x-hubspot-request-timestamp']);
    expect(Math.abs(Date.now() - Number(ts))).toBeLessThan(60_000);
    const v3 = createHmac('sha256', SECRET).update(`POST${d.url}${d.raw}${ts}`).digest('base64');
    expect(d.headers['x-hubspot-signature-v3']).toBe(v3);
    expect(d.headers['x-hubspot-signature']).toBe(
      createHash('sha256')
        .update(SECRET + d.raw)
        .digest('hex'),
    );
    expect(d.headers['x-hubspot-signature-version']).toBe('v1');
    expect(
      Signature.isValid({
        signatureVersion: 'v3',
        signature: v3,
        clientSecret: SECRET,
        requestBody: d.raw,
        url: d.url,
        method: 'POST',
        timestamp: Number(ts),
      }),
    ).toBe(true);
    const created = allEvents().find(
      (e) => e.subscriptionType === 'contact.creation' && e.objectId === Number(c.id),
    );
    // API writes carry the app as their source (§8.2, §14.10).
    expect(created).toMatchObject({
      changeSource: 'INTEGRATION',
      sourceId: String(sim.appId),
      changeFlag: 'NEW',
      attemptNumber: 0,
      portalId: sim.portalId,
      appId: sim.appId,
    });
    expect(typeof created?.occurredAt).toBe('number');
  });

  it('tells a rep edit (CRM_UI, userId) from the integration write, one event per changed property', async () => {
    const id = String([...sim.state.records.contacts.values()][3].id);
    await hs.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'From the app' } });
    await sim.repEdit({
      object: 'contacts',
      id,
      fields: { city: 'Porto', jobtitle: 'From a rep' },
      userId: '9104202',
    });
    await settle();
    const changes = allEvents().filter(
      (e) => e.subscriptionType === 'contact.propertyChange' && e.objectId === Number(id),
    );
    expect(changes.find((e) => e.propertyValue === 'From the app')).toMatchObject({
      propertyName: 'jobtitle',
      changeSource: 'INTEGRATION',
      sourceId: String(sim.appId),
    });
    const rep = changes.filter((e) => e.changeSource === 'CRM_UI');
    expect(rep.map((e) => e.propertyName).sort()).toEqual(['city', 'jobtitle']);
    for (const e of rep) expect(e.sourceId).toBe('userId:9104202');
  });

  it('sends company and deal events, and deletions', async () => {
    const deal = String([...sim.state.records.deals.values()][0].id);
    const company = await hs.crm.companies.basicApi.create({
      properties: { name: 'Hooked Ltd' },
      associations: [],
    });
    await hs.crm.deals.basicApi.update(deal, { properties: { dealstage: 'closedwon' } });
    await hs.crm.companies.basicApi.archive(company.id);
    await settle();
    const types = allEvents().map((e) => `${e.subscriptionType}:${e.objectId}`);
    expect(types).toContain(`company.creation:${company.id}`);
    expect(types).toContain(`deal.propertyChange:${deal}`);
    expect(types).toContain(`company.deletion:${company.id}`);
    // Notes and tasks have no legacy subscriptions (§8.1).
    await hs.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: new Date().toISOString(), hs_note_body: 'x' },
      associations: [],
    });
    await settle();
    expect(allEvents().some((e) => e.subscriptionType.startsWith('note'))).toBe(false);
  });

  it('sends one merge event for a merge, naming the record kept and the one merged into it (no deletion of it)', async () => {
    const keep = await hs.crm.contacts.basicApi.create({ properties: { email: 'keep@hooks.example' }, associations: [] });
    const gone = await hs.crm.contacts.basicApi.create({ properties: { email: 'gone@hooks.example', jobtitle: 'CTO', city: 'Oslo' }, associations: [] });
    await settle();
    deliveries = [];
    await hs.crm.contacts.basicApi.merge({ primaryObjectId: keep.id, objectIdToMerge: gone.id });
    await settle();
    const merges = allEvents().filter((e) => e.subscriptionType === 'contact.merge');
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({ objectId: Number(keep.id), primaryObjectId: Number(keep.id), mergedObjectIds: [Number(gone.id)], newObjectId: Number(keep.id), numberOfPropertiesMoved: 2, changeSource: 'INTEGRATION' });
    expect(allEvents().some((e) => e.subscriptionType === 'contact.deletion')).toBe(false);
  });

  it('batches at most 100 events a delivery', async () => {
    const ids = [...sim.state.records.contacts.values()].slice(0, 30).map((r) => String(r.id));
    await hs.crm.contacts.batchApi.update({
      inputs: ids.map((id, i) => ({
        id,
        properties: { jobtitle: `Batch ${i}`, city: `City ${i}`, state: `S${i}`, zip: `${1000 + i}` },
      })),
    });
    await settle();
    const mine = allEvents().filter((e) => e.propertyValue?.startsWith('Batch '));
    expect(mine).toHaveLength(30);
    expect(allEvents().length).toBe(120);
    for (const d of deliveries) expect(d.events.length).toBeLessThanOrEqual(100);
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
  });

  it('retries a failed delivery with the same events, attemptNumber + 1 and a fresh signature', async () => {
    answers = [500, 503];
    const c = await hs.crm.contacts.basicApi.create({
      properties: { email: 'hook.retry@example.com' },
      associations: [],
    });
    await settle(400);
    const attempts = deliveries.filter((d) => d.events.some((e) => e.objectId === Number(c.id)));
    expect(attempts.map((d) => d.events[0].attemptNumber)).toEqual([0, 1, 2]);
    expect(new Set(attempts.map((d) => d.events[0].eventId)).size).toBe(1);
    for (const d of attempts) {
      const ts = String(d.headers['x-hubspot-request-timestamp']);
      expect(d.headers['x-hubspot-signature-v3']).toBe(
        createHmac('sha256', SECRET).update(`POST${d.url}${d.raw}${ts}`).digest('base64'),
      );
    }
    expect(sim.stats().webhooksFailed).toBeGreaterThanOrEqual(2);
  });

  it('drops or duplicates deliveries when told to', async () => {
    sim.setFaults({ webhookDrop: 1 });
    await hs.crm.contacts.basicApi.create({
      properties: { email: 'hook.drop@example.com' },
      associations: [],
    });
    await settle();
    expect(deliveries).toHaveLength(0);
    sim.setFaults({ webhookDuplicate: 1 });
    await hs.crm.contacts.basicApi.create({
      properties: { email: 'hook.dup@example.com' },
      associations: [],
    });
    await settle();
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0].events.map((e) => e.eventId)).toEqual(deliveries[1].events.map((e) => e.eventId));
  });
});
