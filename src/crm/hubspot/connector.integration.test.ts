/**
 * The connector against the HubSpot simulator on 127.0.0.1: every CrmConnector method, through
 * `@hubspot/api-client` as in production.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import type { RunningSimulator } from '../../simulators/index.js';
import { startHubspotSimulator } from '../../simulators/hubspot/index.js';
import type { ChangeEvent, CrmRecord, WebhookRequest } from '../types.js';
import { signatureV3 } from './codec.js';
import { type HubspotConnector, createHubspotConnector } from './index.js';

const SECRET = 'hs-app-secret';
let sim: RunningSimulator & { appId?: number };
let hs: HubspotConnector;

beforeAll(async () => {
  sim = await startHubspotSimulator({ records: 300, seed: 7, clientSecret: SECRET });
  const conn = crmConnectionSchema.parse({
    kind: 'hubspot',
    baseUrl: sim.apiBase,
    auth: { token: sim.token },
    webhooks: { secret: SECRET, appId: String(sim.appId ?? 54321) },
  });
  hs = (await createHubspotConnector(conn, {})) as HubspotConnector;
});

afterAll(async () => {
  await sim?.close();
});

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

async function someContacts(n: number): Promise<CrmRecord[]> {
  const out: CrmRecord[] = [];
  for await (const page of hs.readChanged('contact', null, ['email', 'firstname', 'lastname'])) {
    out.push(...page);
    if (out.length >= n) break;
  }
  return out.slice(0, n);
}

describe('describe / createField', () => {
  it('normalises HubSpot property types', async () => {
    const s = await hs.describe('contact');
    expect(s.object).toBe('contacts');
    const by = new Map(s.fields.map((f) => [f.name, f]));
    expect(by.get('email')).toMatchObject({ type: 'email', writable: true, custom: false });
    expect(by.get('lifecyclestage')).toMatchObject({ type: 'picklist', restricted: true });
    expect(by.get('lifecyclestage')?.options?.map((o) => o.value)).toContain('customer');
    expect(by.get('hubspot_owner_id')?.type).toBe('reference');
    expect(by.get('createdate')).toMatchObject({ type: 'datetime', writable: false });
    const deal = await hs.describe('deal');
    expect(deal.fields.find((f) => f.name === 'amount')?.type).toBe('currency');
    await expect(hs.describe('lead')).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
  });

  it('creates custom AI properties of each type', async () => {
    const score = await hs.createField('contact', { name: 'ai_lead_score', label: 'AI lead score', type: 'number' });
    expect(score).toMatchObject({ name: 'ai_lead_score', type: 'number', custom: true, writable: true });
    const tier = await hs.createField('contact', {
      name: 'ai_intent',
      label: 'AI intent',
      type: 'picklist',
      options: [
        { value: 'high', label: 'High' },
        { value: 'low', label: 'Low' },
      ],
    });
    expect(tier).toMatchObject({ type: 'picklist', restricted: true });
    const when = await hs.createField('contact', { name: 'ai_scored_on', label: 'AI scored on', type: 'date' });
    expect(when.type).toBe('date');
    const s = await hs.describe('contact');
    expect(s.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['ai_lead_score', 'ai_intent', 'ai_scored_on']));
  });
});

describe('read / writeBatch / history', () => {
  it('reads by id in batches of 100; unknown ids are absent', async () => {
    const ids = (await someContacts(150)).map((r) => r.id);
    const got = await hs.read('contact', [...ids, '999999999'], ['email', 'firstname']);
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(got[0].fields).toHaveProperty('email');
    expect(got[0].modifiedAt).toMatch(/Z$/);
  });

  it('writes a batch with per-record errors kept, then history says integration vs human', async () => {
    const [a, b, c] = await someContacts(3);
    const res = await hs.writeBatch('contact', [
      { id: a.id, fields: { ai_lead_score: 87, ai_intent: 'high', ai_scored_on: '2026-11-28' } },
      { id: b.id, fields: { ai_intent: 'not-an-option' } },
      { id: c.id, fields: { ai_lead_score: 12.5 } },
      { id: '999999999', fields: { ai_lead_score: 1 } },
    ]);
    expect(res.map((r) => [r.id, r.ok])).toEqual([
      [a.id, true],
      [b.id, false],
      [c.id, true],
      ['999999999', false],
    ]);
    const bad = res[1];
    expect(bad.ok === false && bad.code).toBe('IR_CRM_VALIDATION');
    expect(bad.ok === false && bad.field).toBe('ai_intent');
    expect(bad.ok === false && bad.message).toMatch(/not-an-option/);
    expect(res[3].ok === false && res[3].code).toBe('IR_CRM_NOT_FOUND');

    const [back] = await hs.read('contact', [a.id], ['ai_lead_score', 'ai_intent', 'ai_scored_on']);
    expect(back.fields).toEqual({ ai_lead_score: 87, ai_intent: 'high', ai_scored_on: '2026-11-28' });

    await sim.repEdit({ object: 'contacts', id: a.id, fields: { ai_intent: 'low' }, userId: '2931299' });
    const h = await hs.history('contact', [a.id, c.id], ['ai_intent', 'ai_lead_score', 'email']);
    const find = (id: string, f: string) => h.find((x) => x.id === id && x.field === f);
    expect(find(a.id, 'ai_intent')).toMatchObject({ value: 'low', actor: 'human' });
    expect(find(a.id, 'ai_lead_score')).toMatchObject({ value: 87, actor: 'integration' });
    expect(find(c.id, 'ai_lead_score')).toMatchObject({ value: 12.5, actor: 'integration' });
    expect(find(a.id, 'email')?.actor).not.toBe('integration');
  });

  it('a non-midnight date is refused with the field named', async () => {
    const [a] = await someContacts(1);
    const res = await hs.writeBatch('contact', [{ id: a.id, fields: { ai_scored_on: String(Date.UTC(2026, 10, 28, 15)) } }]);
    // the encoder sends YYYY-MM-DD only for date-shaped strings; a raw epoch string is the caller's mistake
    expect(res[0].ok === false && res[0].field).toBe('ai_scored_on');
  });
});

describe('readChanged / readDeleted', () => {
  it('reads every contact modified since a time, oldest first', async () => {
    const everything = await all(hs.readChanged('contact', null, ['email']));
    expect(everything.length).toBeGreaterThanOrEqual(300);
    const times = everything.map((r) => Date.parse(r.modifiedAt));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    const cut = everything[everything.length - 5].modifiedAt;
    const recent = await all(hs.readChanged('contact', cut, ['email']));
    expect(recent.length).toBeGreaterThanOrEqual(5);
    expect(recent.every((r) => r.modifiedAt >= cut)).toBe(true);
  });

  it('lists archived records deleted since a time', async () => {
    const [a] = await someContacts(1);
    const since = new Date(Date.now() - 1000).toISOString();
    const res = await fetch(`${sim.apiBase}/crm/v3/objects/contacts/${a.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${sim.token}` } });
    expect(res.status).toBe(204);
    const gone = await hs.readDeleted('contact', since);
    expect(gone.map((d) => d.id)).toContain(a.id);
  });
});

describe('identity candidates', () => {
  it('finds contacts by primary and additional emails, in any case, and by name', async () => {
    const people = await all(hs.listContacts());
    expect(people.length).toBeGreaterThan(250);
    const withCompany = people.find((p) => p.email && p.company_id && p.company_name);
    expect(withCompany).toBeDefined();
    const withExtra = people.find((p) => p.additional_emails.length > 0);
    const emails = [withCompany?.email as string];
    if (withExtra) emails.push(withExtra.additional_emails[0]);
    const found = await hs.findContacts({ emails: emails.map((e) => e.toUpperCase()) });
    expect(found.map((f) => f.id)).toContain(withCompany?.id);
    if (withExtra) expect(found.map((f) => f.id)).toContain(withExtra.id);
    const hit = found.find((f) => f.id === withCompany?.id);
    expect(hit).toMatchObject({ company_id: withCompany?.company_id, company_name: withCompany?.company_name });
    const named = people.find((p) => p.last_name && p.first_name);
    const byName = await hs.findContacts({ names: [{ firstName: named?.first_name as string, lastName: named?.last_name as string }] });
    expect(byName.map((f) => f.id)).toContain(named?.id);
  });

  it('finds companies by domain and name', async () => {
    const cos = await all(hs.listCompanies());
    const c = cos.find((x) => x.domain && x.name);
    expect(c).toBeDefined();
    const raw = await hs.findCompanies({ domains: [c?.domain as string] });
    // stored domains may be URLs or upper case (seeded mess); the name search still finds it
    const byName = await hs.findCompanies({ names: [c?.name as string] });
    expect([...raw, ...byName].map((x) => x.id)).toContain(c?.id);
  });
});

describe('activities, actions, users', () => {
  it('creates a note and a task on a contact; assigns an owner; changes a deal stage', async () => {
    const [a] = await someContacts(1);
    const note = await hs.createActivity({ kind: 'note', body: 'Scored 87 by inrecord', associations: [{ object: 'contact', id: a.id }] });
    expect(note.id).toMatch(/^\d+$/);
    const task = await hs.performAction({ type: 'create_task', object: 'contact', id: a.id, subject: 'Call back', dueAt: '2026-12-01T09:00:00.000Z' });
    expect(task.createdId).toMatch(/^\d+$/);
    const assoc = await fetch(`${sim.apiBase}/crm/v4/objects/contacts/${a.id}/associations/notes`, { headers: { authorization: `Bearer ${sim.token}` } });
    const body = (await assoc.json()) as { results: { toObjectId: number | string }[] };
    expect(body.results.map((r) => String(r.toObjectId))).toContain(note.id);

    const users = await hs.listUsers();
    expect(users.length).toBeGreaterThan(0);
    const owner = users.find((u) => u.active) ?? users[0];
    expect(owner.email).toMatch(/@/);
    await hs.performAction({ type: 'assign_owner', object: 'contact', id: a.id, ownerId: owner.id });
    const [back] = await hs.read('contact', [a.id], ['hubspot_owner_id']);
    expect(back.fields.hubspot_owner_id).toBe(owner.id);

    const [deal] = await all(hs.readChanged('deal', null, ['dealstage']));
    await hs.performAction({ type: 'change_stage', object: 'deal', id: deal.id, stage: 'closedwon' });
    const [d2] = await hs.read('deal', [deal.id], ['dealstage']);
    expect(d2.fields.dealstage).toBe('closedwon');
    await expect(hs.performAction({ type: 'change_stage', object: 'deal', id: deal.id, stage: 'nope' })).rejects.toMatchObject({ code: 'IR_CRM_VALIDATION' });
    await expect(hs.performAction({ type: 'enroll', object: 'contact', id: a.id, sequenceId: '1' })).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
  });
});

describe('webhooks', () => {
  it('verifies v3 signatures and parses deliveries into change events', async () => {
    const received: { req: WebhookRequest; events: ChangeEvent[]; ok: boolean }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const host = req.headers.host as string;
        const w: WebhookRequest = { method: req.method ?? 'POST', url: `http://${host}${req.url}`, headers: req.headers as Record<string, string>, rawBody: Buffer.concat(chunks) };
        const v = hs.webhooks.verify(w);
        received.push({ req: w, events: v.ok ? hs.webhooks.parse(w).events : [], ok: v.ok });
        res.statusCode = v.ok ? 204 : 401;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const sim2 = await startHubspotSimulator({ records: 20, seed: 3, clientSecret: SECRET, webhookUrl: `http://127.0.0.1:${port}/hooks/hubspot` });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'hubspot', baseUrl: sim2.apiBase, auth: { token: sim2.token }, webhooks: { secret: SECRET } });
      const hs2 = (await createHubspotConnector(conn, {})) as HubspotConnector;
      const [c] = (await all(hs2.readChanged('contact', null, ['email']))).slice(0, 1);
      await sim2.repEdit({ object: 'contacts', id: c.id, fields: { firstname: 'Renamed' }, userId: '2931299' });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !received.some((r) => r.events.some((e) => e.id === c.id))) await new Promise((r) => setTimeout(r, 50));
      const hit = received.find((r) => r.events.some((e) => e.id === c.id));
      expect(hit?.ok).toBe(true);
      expect(hit?.events.find((e) => e.id === c.id)).toMatchObject({ crm: 'hubspot', object: 'contact', kind: 'updated', actor: 'human' });
      // a forged delivery is refused
      const forged = { ...(hit as { req: WebhookRequest }).req, rawBody: Buffer.from('[]') };
      expect(hs2.webhooks.verify(forged).ok).toBe(false);
      const ts = String(Date.now());
      const body = Buffer.from('[]');
      const good = { method: 'POST', url: 'http://127.0.0.1/x', headers: { 'x-hubspot-signature-v3': signatureV3(SECRET, 'POST', 'http://127.0.0.1/x', body, ts), 'x-hubspot-request-timestamp': ts }, rawBody: body };
      expect(hs2.webhooks.verify(good)).toEqual({ ok: true });
    } finally {
      await sim2.close();
      server.close();
    }
  });
});

describe('stats', () => {
  it('counts calls', () => {
    expect(hs.stats().calls).toBeGreaterThan(10);
  });
});
