/**
 * The Salesforce connector against the Salesforce simulator on 127.0.0.1: every CrmConnector method,
 * OAuth refresh through the shared token source, retries under injected faults, the quota guard,
 * and Outbound Messages received from the simulator and verified/parsed by the connector.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import { InrecordError } from '../../errors/index.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from '../../simulators/salesforce/index.js';
import type { ChangeEvent, CrmRecord, WebhookRequest } from '../types.js';
import { OUTBOUND_ACK, type SalesforceConnector, createSalesforceConnector } from './index.js';

let sim: RunningSalesforceSimulator;
let sf: SalesforceConnector;

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}
async function rejection(p: Promise<unknown>): Promise<InrecordError> {
  try {
    await p;
  } catch (e) {
    return e as InrecordError;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  sim = await startSalesforceSimulator({ records: 300, seed: 5 });
  const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token }, webhooks: { orgId: sim.orgId, urlSecret: 'hook-secret' } });
  sf = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
});
afterAll(async () => {
  await sim?.close();
});

const firstId = (object: string, skip = 0) => [...sim.org.rows(object).keys()][skip] as string;

describe('schema', () => {
  it('describes fields with types, lengths and restricted picklists', async () => {
    const s = await sf.describe('lead');
    expect(s.object).toBe('Lead');
    const f = (n: string) => s.fields.find((x) => x.name === n);
    expect(f('Status')).toMatchObject({ type: 'picklist', restricted: true, writable: true, crmType: 'picklist' });
    expect(f('LeadSource')).toMatchObject({ type: 'picklist', restricted: false });
    expect(f('LastName')).toMatchObject({ type: 'string', maxLength: 80, required: true });
    expect(f('NumberOfEmployees')).toMatchObject({ type: 'integer' });
    expect(f('SystemModstamp')).toMatchObject({ type: 'datetime', writable: false });
    expect(f('Web_Visits__c')).toMatchObject({ custom: true, type: 'number' });
    expect((await sf.describe('contact')).fields.find((x) => x.name === 'Personas__c')).toMatchObject({ type: 'multipicklist' });
  });

  it('creates a custom field through the Tooling API and writes to it', async () => {
    const f = await sf.createField('lead', { name: 'AI Score', label: 'AI Score', type: 'integer' });
    expect(f).toMatchObject({ name: 'AI_Score__c', type: 'number', custom: true, writable: true });
    const id = firstId('Lead');
    expect(await sf.writeBatch('lead', [{ id, fields: { AI_Score__c: 73 } }])).toEqual([{ id, ok: true }]);
    const e = await rejection(sf.createField('lead', { name: 'Owner link', label: 'Owner link', type: 'reference' }));
    expect(e.code).toBe('IR_CRM_UNSUPPORTED');
  });
});

describe('reads', () => {
  it('reads by id (15 or 18 chars), decodes values, and leaves missing ids out', async () => {
    const [a, b] = [firstId('Contact', 0), firstId('Contact', 1)];
    sim.org.update('Contact', a, { Personas__c: 'Champion;End User' }, sim.integrationUserId);
    const recs = await sf.read('contact', [a, b.slice(0, 15), '003R00000000000AAA', 'junk'], ['Email', 'LastName', 'Personas__c', 'CreatedDate']);
    expect(recs.map((r) => r.id).sort()).toEqual([a, b].sort());
    const ra = recs.find((r) => r.id === a) as CrmRecord;
    expect(ra.fields.Personas__c).toEqual(['Champion', 'End User']);
    expect(ra.fields.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(ra.modifiedAt).toMatch(/Z$/);
  });

  it('reads changed records oldest first from a SystemModstamp watermark, to the end', async () => {
    const all = await collect(sf.readChanged('company', null, ['Name', 'Website']));
    expect(all).toHaveLength(sim.org.count('Account'));
    const stamps = all.map((r) => r.modifiedAt);
    expect([...stamps].sort()).toEqual(stamps);
    const since = new Date(Date.now() - 1000).toISOString();
    const id = firstId('Account', 3);
    await sf.writeBatch('company', [{ id, fields: { Rating: 'Hot' } }]);
    const changed = await collect(sf.readChanged('company', since, ['Rating']));
    expect(changed.map((r) => r.id)).toContain(id);
    expect(changed.length).toBeLessThan(5);
  });

  it('reads leads past one query page (queryMore)', async () => {
    const leads = await collect(sf.readChanged('lead', null, ['Status']));
    expect(leads.length).toBe(sim.org.count('Lead'));
  });

  it('pages 25,000 changed records with no record skipped or repeated, ties on SystemModstamp included', async () => {
    const big = await startSalesforceSimulator({ records: 20, seed: 9 });
    try {
      const base = Date.now() - 3 * 86_400_000;
      // 25,000 leads over few distinct stamps: many share a SystemModstamp, so order needs the Id tiebreak.
      for (let i = 0; i < 25_000; i++) big.org.insertRaw('Lead', { LastName: `Bulk ${i}`, Company: 'Acme' }, { at: base + (i % 97) * 1000 });
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: big.apiBase, auth: { token: big.token }, bulk: { enabled: false } });
      const c = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      const since = new Date(base - 1000).toISOString();
      const pages: number[] = [];
      const ids: string[] = [];
      let prev = '';
      for await (const page of c.readChanged('lead', since, ['LastName'])) {
        pages.push(page.length);
        for (const r of page) {
          expect(r.modifiedAt >= prev).toBe(true);
          prev = r.modifiedAt;
          ids.push(r.id);
        }
      }
      const sinceMs = Math.floor((base - 1000) / 1000) * 1000;
      const expected = [...big.org.rows('Lead').values()].filter((r) => Date.parse(String(r.SystemModstamp).replace('+0000', 'Z')) >= sinceMs).length;
      expect(expected).toBeGreaterThanOrEqual(25_000);
      expect(ids.length).toBe(expected);
      expect(new Set(ids).size).toBe(ids.length);
      expect(pages.length).toBeGreaterThanOrEqual(13); // 2,000 per page
    } finally {
      await big.close();
    }
  }, 60_000);

  it('lists deleted records since a time (getDeleted)', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const id = firstId('Opportunity', 2);
    sim.org.remove('Opportunity', id, sim.integrationUserId);
    const del = await sf.readDeleted('deal', since);
    expect(del.map((d) => d.id)).toContain(id);
    expect(await sf.readDeleted('deal', new Date(Date.now() + 120_000).toISOString())).toEqual([]);
  });
});

describe('identity lookups', () => {
  it('finds contacts by email (case-insensitive) and by name, Contacts only', async () => {
    const truth = sim.groundTruth();
    const p = truth.people.find((x) => x.email && x.leadId) as (typeof truth.people)[number];
    const byEmail = await sf.findContacts({ emails: [p.email as string] });
    expect(byEmail.map((c) => c.id)).toContain(p.contactId);
    expect(byEmail.every((c) => c.id.startsWith('003'))).toBe(true);
    const hit = byEmail.find((c) => c.id === p.contactId);
    expect(hit).toMatchObject({ first_name: p.firstName, last_name: p.lastName, company_id: p.accountId });
    expect(hit?.company_name).toEqual(expect.any(String));
    const byName = await sf.findContacts({ names: [{ firstName: p.firstName, lastName: p.lastName }, { lastName: "O'Nobody" }] });
    expect(byName.map((c) => c.id)).toContain(p.contactId);
    expect(await sf.findContacts({ emails: [] })).toEqual([]);
    // A custom email field (Secondary_Email__c) is searched and returned as additional_emails.
    const withSecond = [...sim.org.rows('Contact').values()].find((r) => typeof r.Secondary_Email__c === 'string') as Record<string, unknown>;
    const second = String(withSecond.Secondary_Email__c).toLowerCase();
    const bySecond = await sf.findContacts({ emails: [second] });
    expect(bySecond.find((c) => c.id === withSecond.Id)?.additional_emails).toContain(second);
  });

  it('finds companies by normalised website domain without suffix look-alikes, and by name', async () => {
    const good = sim.org.create('Account', { Name: 'Example One', Website: 'https://www.example-one.com/about' }, sim.integrationUserId);
    sim.org.create('Account', { Name: 'Not Example', Website: 'notexample-one.com' }, sim.integrationUserId);
    const res = await sf.findCompanies({ domains: ['example-one.com'] });
    expect(res).toEqual([{ id: good, name: 'Example One', domain: 'example-one.com', additional_domains: [] }]);
    const byName = await sf.findCompanies({ names: ['example one'] });
    expect(byName.map((c) => c.id)).toEqual([good]);
  });

  it('lists every contact and company', async () => {
    expect((await collect(sf.listContacts())).length).toBe(sim.org.count('Contact'));
    expect((await collect(sf.listCompanies())).length).toBe(sim.org.count('Account'));
  });
});

describe('history and writes', () => {
  it('tells the integration’s last change from a rep’s (field history CreatedById)', async () => {
    const id = firstId('Lead', 10);
    sim.org.update('Lead', id, { Rating: 'Cold', Title: 'Intern' }, sim.integrationUserId);
    await sf.writeBatch('lead', [{ id, fields: { Rating: 'Warm', Title: 'VP Sales' } }]);
    await sim.repEdit({ object: 'Lead', id, fields: { Title: 'Head of Sales' } });
    const h = await sf.history('lead', [id], ['rating', 'Title', 'Email']);
    const by = Object.fromEntries(h.map((c) => [c.field, c]));
    expect(by.Rating).toMatchObject({ id, value: 'Warm', actor: 'integration', userId: sim.integrationUserId });
    expect(by.Title).toMatchObject({ id, value: 'Head of Sales', actor: 'human' });
    expect(by.Email).toBeUndefined();
    const autoproc = [...sim.org.rows('User').values()].find((u) => u.UserType === 'AutomatedProcess')?.Id as string;
    sim.org.update('Lead', id, { Rating: 'Cold' }, autoproc);
    const [sys] = await sf.history('lead', [id], ['Rating']);
    expect(sys).toMatchObject({ value: 'Cold', actor: 'system', userId: autoproc });
  });

  it('writes in batches of 200 and keeps every per-record error with field and fix', async () => {
    const ids = [...sim.org.rows('Lead').keys()].slice(20, 221);
    const updates = ids.map((id, i) => ({ id, fields: { Rating: i === 5 ? null : 'Cold', Status: i === 7 ? 'Qualified' : 'Working - Contacted', Industry: 'Some New Industry' } }));
    updates.push({ id: '00QR0000000zzzzAAA', fields: { Rating: 'Hot' } as never });
    const before = sim.stats().calls['PATCH /composite/sobjects'] ?? 0;
    const res = await sf.writeBatch('lead', updates as never);
    expect(res).toHaveLength(202);
    expect((sim.stats().calls['PATCH /composite/sobjects'] ?? 0) - before).toBe(2);
    const bad = res.filter((r) => !r.ok);
    expect(bad).toHaveLength(2);
    expect(bad[0]).toMatchObject({ id: ids[7], code: 'IR_CRM_VALIDATION', field: 'Status', retryable: false });
    expect(bad[0]?.ok === false && bad[0].message).toMatch(/INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.*Qualified.*picklist values/);
    expect(bad[1]).toMatchObject({ id: '00QR0000000zzzzAAA', ok: false });
    // Unrestricted picklist: stored as sent (§6.4).
    expect(sim.org.rows('Lead').get(ids[0] as string)?.Industry).toBe('Some New Industry');
    expect(sim.org.rows('Lead').get(ids[5] as string)?.Rating ?? null).toBeNull();
  });

  it('encodes multi-selects with ";" on the wire', async () => {
    const id = firstId('Contact', 4);
    expect(await sf.writeBatch('contact', [{ id, fields: { Personas__c: ['Champion', 'Economic Buyer'] } }])).toEqual([{ id, ok: true }]);
    expect(sim.org.rows('Contact').get(id)?.Personas__c).toBe('Champion;Economic Buyer');
  });
});

describe('activities and actions', () => {
  it('creates tasks, notes and emails as Tasks and meetings as Events with WhoId/WhatId', async () => {
    const contact = firstId('Contact', 6);
    const account = sim.org.rows('Contact').get(contact)?.AccountId as string;
    const t = await sf.createActivity({ kind: 'task', subject: 'Call back', dueAt: '2026-12-01T10:00:00Z', associations: [{ object: 'contact', id: contact }, { object: 'company', id: account }] });
    expect(sim.org.rows('Task').get(t.id)).toMatchObject({ WhoId: contact, WhatId: account, Status: 'Not Started', ActivityDate: '2026-12-01', Subject: 'Call back' });
    const lead = firstId('Lead', 30);
    const n = await sf.createActivity({ kind: 'note', body: 'Scored 87: strong fit', associations: [{ object: 'lead', id: lead }, { object: 'company', id: account }] });
    expect(sim.org.rows('Task').get(n.id)).toMatchObject({ WhoId: lead, Status: 'Completed', Description: 'Scored 87: strong fit' });
    expect(sim.org.rows('Task').get(n.id)?.WhatId ?? null).toBeNull(); // a Lead WhoId takes no WhatId
    const e = await sf.createActivity({ kind: 'email', subject: 'Re: pricing', body: 'hello', from: 'a@x.com', to: ['b@y.com'], occurredAt: '2026-11-20T09:00:00Z', associations: [{ object: 'contact', id: contact }] });
    expect(sim.org.rows('Task').get(e.id)).toMatchObject({ TaskSubtype: 'Email', Status: 'Completed', ActivityDate: '2026-11-20' });
    const m = await sf.createActivity({ kind: 'meeting', subject: 'Demo', occurredAt: '2026-11-21T15:00:00Z', associations: [{ object: 'contact', id: contact }] });
    expect(sim.org.rows('Event').get(m.id)).toMatchObject({ WhoId: contact, StartDateTime: '2026-11-21T15:00:00.000+0000', EndDateTime: '2026-11-21T15:30:00.000+0000' });
  });

  it('assigns owners, changes stage/status, creates tasks and notes; enroll is unsupported', async () => {
    const users = await sf.listUsers();
    expect(users.length).toBe(sim.org.count('User'));
    const rep = users.find((u) => u.active && sim.groundTruth().repUserIds.includes(u.id)) as (typeof users)[number];
    const deal = firstId('Opportunity', 5);
    const lead = firstId('Lead', 40);
    expect(await sf.performAction({ type: 'assign_owner', object: 'deal', id: deal, ownerId: rep.id })).toEqual({ ok: true });
    expect(sim.org.rows('Opportunity').get(deal)?.OwnerId).toBe(rep.id);
    await sf.performAction({ type: 'change_stage', object: 'deal', id: deal, stage: 'Negotiation/Review' });
    expect(sim.org.rows('Opportunity').get(deal)?.StageName).toBe('Negotiation/Review');
    await sf.performAction({ type: 'change_stage', object: 'lead', id: lead, stage: 'Working - Contacted' });
    const bad = await rejection(sf.performAction({ type: 'change_stage', object: 'deal', id: deal, stage: 'Won-ish' }));
    expect(bad.code).toBe('IR_CRM_VALIDATION');
    expect(bad.message).toMatch(new RegExp(`${deal}.*StageName.*Won-ish`));
    const task = await sf.performAction({ type: 'create_task', object: 'deal', id: deal, subject: 'Risk review', dueAt: '2026-12-02T00:00:00Z' });
    expect(sim.org.rows('Task').get(task.createdId as string)).toMatchObject({ WhatId: deal });
    const note = await sf.performAction({ type: 'add_note', object: 'lead', id: lead, body: 'why' });
    expect(note.createdId).toMatch(/^00T/);
    expect((await rejection(sf.performAction({ type: 'enroll', object: 'lead', id: lead, sequenceId: 'x' }))).code).toBe('IR_CRM_UNSUPPORTED');
    expect((await rejection(sf.performAction({ type: 'change_stage', object: 'contact', id: firstId('Contact'), stage: 'x' }))).code).toBe('IR_CRM_UNSUPPORTED');
  });
});

describe('outbound messages', () => {
  it('verifies org id + URL secret and parses the simulator’s SOAP notifications into change events', async () => {
    const received: WebhookRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers as Record<string, string>, rawBody: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'text/xml' }).end(OUTBOUND_ACK);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      sim.setOutboundUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/salesforce?secret=hook-secret`);
      const lead = firstId('Lead', 50);
      await sf.writeBatch('lead', [{ id: lead, fields: { Rating: 'Hot' } }]);
      await sim.outboundIdle();
      await sim.repEdit({ object: 'Lead', id: lead, fields: { Rating: 'Cold' } });
      await sim.outboundIdle();
      expect(received.length).toBe(2);
      expect(sim.stats().webhooksDelivered).toBeGreaterThanOrEqual(2);
      for (const r of received) expect(sf.webhooks.verify(r)).toEqual({ ok: true });
      const [mine, theirs] = received.map((r) => sf.webhooks.parse(r).events) as [ChangeEvent[], ChangeEvent[]];
      expect(mine[0]).toMatchObject({ crm: 'salesforce', object: 'lead', id: lead, kind: 'updated', actor: 'integration', eventId: expect.stringMatching(/^04l/) });
      expect(theirs[0]).toMatchObject({ id: lead, actor: 'human' });
      const wrong = { ...(received[0] as WebhookRequest), url: '/hooks/salesforce?secret=nope' };
      expect(sf.webhooks.verify(wrong)).toMatchObject({ ok: false, reason: expect.stringMatching(/secret/) });
      const otherOrg = { ...(received[0] as WebhookRequest), rawBody: Buffer.from((received[0] as WebhookRequest).rawBody.toString().replace(sim.orgId, '00DR00000000000AAA')) };
      expect(sf.webhooks.verify(otherOrg)).toMatchObject({ ok: false, reason: expect.stringMatching(/expected/) });
    } finally {
      sim.setOutboundUrl(undefined);
      await new Promise((r) => server.close(r));
    }
    const e = await rejection(sf.webhooks.subscribe('https://example.test/hooks/salesforce', ['lead']));
    expect(e.code).toBe('IR_CRM_UNSUPPORTED');
    expect(e.message).toMatch(/Setup/);
  });
});

describe('runtime: faults, OAuth refresh, quota', () => {
  it('retries injected 500s and limit refusals (Salesforce answers them 403 REQUEST_LIMIT_EXCEEDED, never 429) on writes and counts calls', async () => {
    const id = firstId('Account', 8);
    // Seeded draws: the same faults on every run; a fault is all but certain over 10 writes and 5 failures in a row is not.
    sim.setFaults({ error500: 0.2, error429: 0.3, seed: 7 });
    try {
      for (let i = 0; i < 10; i++) expect(await sf.writeBatch('company', [{ id, fields: { NumberOfEmployees: 100 + i } }])).toEqual([{ id, ok: true }]);
    } finally {
      sim.setFaults({});
    }
    const s = sf.stats();
    expect(s.calls).toBeGreaterThan(10);
    expect(s.retries + s.rateLimited).toBeGreaterThan(0);
  }, 60_000);

  it('refreshes an expired OAuth token once and reports a revoked grant as IR_CRM_GRANT_REVOKED', async () => {
    const small = await startSalesforceSimulator({ records: 20, tokenTtlSeconds: 1 });
    try {
      const tokenUrl = `${small.apiBase}/services/oauth2/token`;
      const code = small.issueAuthCode();
      const grant = (await (await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: small.oauth.clientId, client_secret: small.oauth.clientSecret, redirect_uri: 'http://127.0.0.1/cb' }) })).json()) as { refresh_token: string };
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: small.apiBase, auth: { oauth: { clientId: small.oauth.clientId, clientSecret: small.oauth.clientSecret, refreshToken: grant.refresh_token, tokenUrl, refreshBefore: '0s' } } });
      const c = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      expect((await c.listUsers()).length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await c.listUsers()).length).toBeGreaterThan(0);
      expect(c.stats().tokenRefreshes).toBeGreaterThanOrEqual(1);
      small.revokeGrants();
      const e = await rejection(c.listUsers());
      expect(e.code).toBe('IR_CRM_GRANT_REVOKED');
    } finally {
      await small.close();
    }
  });

  it('pauses with IR_CRM_QUOTA_EXHAUSTED when the org allocation is spent', async () => {
    const tight = await startSalesforceSimulator({ records: 10, rateLimit: { callsPerWindow: 4, windowMs: 60_000 } });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: tight.apiBase, auth: { token: tight.token }, rateLimit: { dailyQuotaGuard: 1 } });
      const c = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      let err: InrecordError | null = null;
      for (let i = 0; i < 6 && !err; i++) {
        try {
          await c.listUsers();
        } catch (e) {
          err = e as InrecordError;
        }
      }
      expect(err?.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(err?.retryable).toBe(true);
    } finally {
      await tight.close();
    }
  });

  it('the concurrent long-running limit (403 REQUEST_LIMIT_EXCEEDED ConcurrentPerOrgLongTxn) is waited out with a jittered backoff and retried until the write lands, never a quota pause', async () => {
    // Two calls in service for 100 ms or more stand in for production's 25 of 20 s or more.
    const org = await startSalesforceSimulator({ records: 20, longRunning: { limit: 2, afterMs: 100 } });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: org.apiBase, auth: { token: org.token } });
      const c = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      const id = [...org.org.rows('Account').keys()][0] as string;
      await c.describe('company');
      // Two slow reads by another client of the org fill the long-running slots for 2 s.
      org.setSlowRequests({ ms: 2000, methods: ['GET'] });
      const slowRead = () => fetch(`${org.apiBase}/services/data/v62.0/query?q=SELECT+Id+FROM+User`, { headers: { authorization: `Bearer ${org.token}` } }).then((r) => r.text());
      const slow = [slowRead(), slowRead()];
      while ((org.stats().calls['GET /query'] ?? 0) < 2) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      const callsBefore = c.stats().calls;
      const results = await c.writeBatch('company', [{ id, fields: { NumberOfEmployees: 4242 } }]);
      await Promise.all(slow);
      org.setSlowRequests(undefined);
      expect(results).toEqual([{ id, ok: true }]);
      // Refused at least once, then retried: one call per refusal plus the one that landed, no quota pause.
      expect(org.stats().rateLimited).toBeGreaterThan(0);
      expect(c.stats().rateLimited).toBe(org.stats().rateLimited);
      expect(c.stats().calls - callsBefore).toBe(org.stats().rateLimited + 1);
      expect((await c.read('company', [id], ['NumberOfEmployees']))[0]?.fields.NumberOfEmployees).toBe(4242);
    } finally {
      await org.close();
    }
  }, 30_000);

  it('the daily allocation pauses at the guard until usage falls under it again (rolling window), not for a fixed hour', async () => {
    // A 20-call allocation over a rolling 3 s window stands in for the org's rolling 24 h one.
    const org = await startSalesforceSimulator({ records: 10, rateLimit: { callsPerWindow: 20, windowMs: 3000 } });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: org.apiBase, auth: { token: org.token }, rateLimit: { dailyQuotaGuard: 0.9 } });
      const c = (await createSalesforceConnector(conn, { quotaRecheckMs: 500 })) as SalesforceConnector;
      const t0 = Date.now();
      let err: InrecordError | null = null;
      let ok = 0;
      while (!err && ok < 40) {
        try {
          await c.listUsers();
          ok++;
        } catch (e) {
          err = e as InrecordError;
        }
      }
      expect(err?.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(err?.retryable).toBe(true);
      // Paused at 90% of the allocation, before Salesforce refused anything.
      expect(ok).toBe(18);
      expect(org.stats().rateLimited).toBe(0);
      const resumeAt = Date.parse(String(err?.context.resumeAt));
      expect(resumeAt - Date.now()).toBeLessThanOrEqual(500);
      // Still paused while the window holds the calls; resumes once they have rolled out of it.
      expect((await rejection(c.listUsers())).code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + 3200 - Date.now())));
      expect((await c.listUsers()).length).toBeGreaterThan(0);
    } finally {
      await org.close();
    }
  }, 30_000);

  it('a connector whose first call meets a spent allocation stops at once with the org’s own figures and what to do; later calls do not reach Salesforce', async () => {
    const org = await startSalesforceSimulator({ records: 10, rateLimit: { callsPerWindow: 3, windowMs: 60_000 } });
    try {
      // Another client of the org spends the allocation.
      for (let i = 0; i < 3; i++) await fetch(`${org.apiBase}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${org.token}` } });
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: org.apiBase, auth: { token: org.token } });
      const c = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      const callsBefore = org.stats().totalCalls;
      const e = await rejection(c.listUsers());
      expect(e.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(e.retryable).toBe(true);
      expect(e.message).toMatch(/REQUEST_LIMIT_EXCEEDED TotalRequests/);
      // The figures come from the refusal's Sforce-Limit-Info, not a guess.
      expect(e.message).toContain('3 of 3 daily API units used');
      expect(e.context).toMatchObject({ used: 3, max: 3 });
      expect(e.fix).toMatch(/rolling 24 h/);
      expect(e.fix).toMatch(/nothing is lost/);
      expect(org.stats().totalCalls - callsBefore).toBe(1);
      // Every later call, a write included, is refused by the guard without a call: the records stay for the retried job.
      const w = await rejection(c.writeBatch('company', [{ id: [...org.org.rows('Account').keys()][0] as string, fields: { NumberOfEmployees: 1 } }]));
      expect(w.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(w.retryable).toBe(true);
      expect(w.fix).toBe(e.fix);
      expect(org.stats().totalCalls - callsBefore).toBe(1);
    } finally {
      await org.close();
    }
  });

  it('a 403 TotalRequests (the allocation spent by another worker) pauses at once: no retry spends more of it', async () => {
    const org = await startSalesforceSimulator({ records: 10, rateLimit: { callsPerWindow: 6, windowMs: 60_000 } });
    try {
      const conn = crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: org.apiBase, auth: { token: org.token }, rateLimit: { dailyQuotaGuard: 1 } });
      const a = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      const b = (await createSalesforceConnector(conn, {})) as SalesforceConnector;
      await b.listUsers();
      for (let i = 0; i < 5; i++) await a.listUsers().catch(() => undefined);
      const callsBefore = org.stats().totalCalls;
      const e = await rejection(b.listUsers());
      expect(e.code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(e.retryable).toBe(true);
      expect(e.message).toMatch(/TotalRequests/);
      expect(org.stats().totalCalls - callsBefore).toBe(1);
      // The guard is armed now: the next call does not reach Salesforce.
      expect((await rejection(b.listUsers())).code).toBe('IR_CRM_QUOTA_EXHAUSTED');
      expect(org.stats().totalCalls - callsBefore).toBe(1);
    } finally {
      await org.close();
    }
  });
});
