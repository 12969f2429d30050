/**
 * The connector against the Pipedrive simulator on 127.0.0.1: every CrmConnector method.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import { type RunningPipedriveSimulator, startPipedriveSimulator } from '../../simulators/pipedrive/index.js';
import type { CrmRecord, FieldSchema, WebhookRequest } from '../types.js';
import { websiteDomain } from './codec.js';
import { type PipedriveConnector, createPipedriveConnector } from './index.js';

let sim: RunningPipedriveSimulator;
let pd: PipedriveConnector;

beforeAll(async () => {
  sim = await startPipedriveSimulator({ records: 300, seed: 11 });
  const conn = crmConnectionSchema.parse({
    kind: 'pipedrive',
    baseUrl: sim.url,
    auth: { token: sim.token },
    webhooks: { basicUser: 'hook', basicPassword: 's3cret' },
  });
  pd = (await createPipedriveConnector(conn, {})) as PipedriveConnector;
});

afterAll(async () => {
  await sim?.close();
});

const field = (fields: FieldSchema[], label: string) => {
  const f = fields.find((x) => x.label === label);
  if (!f) throw new Error(`no field ${label}`);
  return f;
};

describe('describe', () => {
  it('normalises field types; picklist values are option ids as strings; custom fields keep their 40-hex key and label', async () => {
    const s = await pd.describe('contact');
    expect(s.object).toBe('persons');
    const grade = field(s.fields, 'Lead grade');
    expect(grade.name).toMatch(/^[0-9a-f]{40}$/);
    expect(grade).toMatchObject({ type: 'picklist', crmType: 'enum', custom: true, writable: true, restricted: true });
    expect(grade.options?.map((o) => o.label)).toEqual(['A', 'B', 'C', 'D']);
    for (const o of grade.options ?? []) expect(o.value).toMatch(/^\d+$/);
    expect(field(s.fields, 'Interests').type).toBe('multipicklist');
    expect(field(s.fields, 'Lead score').type).toBe('number');
    expect(field(s.fields, 'Last enriched').type).toBe('date');
    const email = s.fields.find((f) => f.name === 'email');
    expect(email).toMatchObject({ type: 'email', writable: false });
    expect(s.fields.find((f) => f.name === 'update_time')).toMatchObject({ type: 'datetime', writable: false });
    expect(s.fields.find((f) => f.name === 'name')).toMatchObject({ required: true, writable: true });
    const deal = await pd.describe('deal');
    expect(deal.fields.find((f) => f.name === 'status')?.options?.map((o) => o.value)).toEqual(['open', 'won', 'lost']);
  });

  it('leads are not supported', async () => {
    await expect(pd.describe('lead')).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
  });

  it('createField makes a custom field the next describe sees', async () => {
    const f = await pd.createField('company', { name: 'churn_risk', label: 'Churn risk', type: 'picklist', options: [{ value: 'low', label: 'Low' }, { value: 'high', label: 'High' }] });
    expect(f.name).toMatch(/^[0-9a-f]{40}$/);
    expect(f.options?.map((o) => o.label)).toEqual(['Low', 'High']);
    const s = await pd.describe('company');
    expect(s.fields.some((x) => x.name === f.name)).toBe(true);
    await expect(pd.createField('company', { name: 'flag', label: 'Flag', type: 'boolean' })).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
  });
});

describe('read and write', () => {
  it('reads by id, skipping missing ids, with normalised values', async () => {
    const recs = await pd.read('contact', ['1', '2', '999999', 'abc'], ['name', 'email', 'org_id', 'update_time']);
    expect(recs.map((r) => r.id)).toEqual(['1', '2']);
    expect(recs[0].modifiedAt).toMatch(/\.000Z$/);
    expect(typeof recs[0].fields.name).toBe('string');
  });

  it('writes custom values as option ids and reads them back; history says integration', async () => {
    const s = await pd.describe('contact');
    const grade = field(s.fields, 'Lead grade');
    const interests = field(s.fields, 'Interests');
    const score = field(s.fields, 'Lead score');
    const b = grade.options?.[1].value as string;
    const two = (interests.options ?? []).slice(0, 2).map((o) => o.value);
    const res = await pd.writeBatch('contact', [{ id: '3', fields: { [grade.name]: b, [interests.name]: two, [score.name]: 72.5 } }]);
    expect(res).toEqual([{ id: '3', ok: true }]);
    const [r] = await pd.read('contact', ['3'], [grade.name, interests.name, score.name]);
    expect(r.fields[grade.name]).toBe(b);
    expect([...(r.fields[interests.name] as string[])].sort()).toEqual([...two].sort());
    expect(r.fields[score.name]).toBe(72.5);
    const h = await pd.history('contact', ['3'], [grade.name, score.name]);
    expect(h).toHaveLength(2);
    for (const c of h) expect(c).toMatchObject({ id: '3', actor: 'integration', userId: '1' });
    expect(h.find((c) => c.field === grade.name)?.value).toBe(b);
  });

  it('a rep edit shows up in history as human', async () => {
    const s = await pd.describe('contact');
    const summary = field(s.fields, 'AI summary');
    await sim.repEdit({ object: 'persons', id: '4', fields: { [summary.name]: 'edited by hand' }, userId: '3' });
    const [c] = await pd.history('contact', ['4'], [summary.name]);
    expect(c).toMatchObject({ field: summary.name, value: 'edited by hand', actor: 'human', userId: '3' });
  });

  it('never reports ok for a field the API would silently drop, a wrong option or a read-only field', async () => {
    const s = await pd.describe('contact');
    const grade = field(s.fields, 'Lead grade');
    const res = await pd.writeBatch('contact', [
      { id: '5', fields: { ['f'.repeat(40)]: 'x' } },
      { id: '5', fields: { [grade.name]: 'A' } },
      { id: '5', fields: { update_time: '2026-01-01T00:00:00.000Z' } },
      { id: '999999', fields: { name: 'Nobody' } },
      { id: '6', fields: { name: 'Renamed Person' } },
    ]);
    expect(res[0]).toMatchObject({ ok: false, code: 'IR_FIELD_NOT_FOUND', field: 'f'.repeat(40) });
    expect(res[1]).toMatchObject({ ok: false, code: 'IR_FIELD_VALUE_INVALID', field: grade.name });
    expect((res[1] as { message: string }).message).toContain('option id');
    expect(res[2]).toMatchObject({ ok: false, code: 'IR_FIELD_READ_ONLY', field: 'update_time' });
    expect(res[3]).toMatchObject({ ok: false, code: 'IR_CRM_NOT_FOUND', retryable: false });
    expect(res[4]).toEqual({ id: '6', ok: true });
  });

  it('clears a multi-select with null (an empty set is a 400 on v2)', async () => {
    const s = await pd.describe('contact');
    const interests = field(s.fields, 'Interests');
    await pd.writeBatch('contact', [{ id: '7', fields: { [interests.name]: [interests.options?.[0].value as string] } }]);
    const res = await pd.writeBatch('contact', [{ id: '7', fields: { [interests.name]: [] } }]);
    expect(res[0]).toEqual({ id: '7', ok: true });
    const [r] = await pd.read('contact', ['7'], [interests.name]);
    expect(r.fields[interests.name]).toBeNull();
  });

  it('readChanged pages oldest first from an inclusive since', async () => {
    const since = new Date(Date.now() - 5_000).toISOString();
    await pd.writeBatch('contact', [{ id: '9', fields: { name: 'Changed Nine' } }]);
    const seen: CrmRecord[] = [];
    for await (const page of pd.readChanged('contact', since, ['name'])) seen.push(...page);
    expect(seen.map((r) => r.id)).toContain('9');
    const times = seen.map((r) => r.modifiedAt);
    expect([...times].sort()).toEqual(times);
    let all = 0;
    for await (const page of pd.readChanged('company', null, [])) all += page.length;
    expect(all).toBe(sim.state.all('organization').filter((e) => e.deletedAt === null).length);
  });

  it('readDeleted confirms deleted persons (via recents) and deals (status=deleted)', async () => {
    const since = new Date(Date.now() - 5_000).toISOString();
    const p = sim.state.get('person', 12);
    const d = sim.state.get('deal', 5);
    if (!p || !d) throw new Error('seed');
    sim.state.remove(p, { userId: 2, source: 'app' });
    sim.state.remove(d, { userId: 2, source: 'app' });
    expect((await pd.readDeleted('contact', since)).map((x) => x.id)).toEqual(['12']);
    expect((await pd.readDeleted('deal', since)).map((x) => x.id)).toEqual(['5']);
    expect(await pd.read('contact', ['12'], ['name'])).toEqual([]);
  });
});

describe('identity lookups', () => {
  it('findContacts by exact e-mail (any of a person’s e-mails, any case) and by name', async () => {
    const truth = sim.groundTruth() as { persons: { id: number; name: string; emails: string[] }[] };
    const withTwo = truth.persons.find((p) => p.emails.length === 2 && sim.state.get('person', p.id)?.deletedAt === null);
    if (!withTwo) throw new Error('seed has no person with two e-mails');
    const found = await pd.findContacts({ emails: [withTwo.emails[1]] });
    expect(found.map((c) => c.id)).toContain(String(withTwo.id));
    const c = found.find((x) => x.id === String(withTwo.id));
    expect([c?.email, ...(c?.additional_emails ?? [])]).toEqual(expect.arrayContaining(withTwo.emails));
    expect(await pd.findContacts({ emails: ['nobody-at-all@nowhere.example'] })).toEqual([]);
    const [first, ...rest] = withTwo.name.split(' ');
    const byName = await pd.findContacts({ names: [{ firstName: first, lastName: rest.join(' ') }] });
    expect(byName.map((x) => x.id)).toContain(String(withTwo.id));
  });

  it('a large e-mail batch is answered from the e-mail index, kept fresh with updated_since', async () => {
    const truth = sim.groundTruth() as { persons: { id: number; emails: string[] }[] };
    const live = truth.persons.filter((p) => p.emails.length > 0 && sim.state.get('person', p.id)?.deletedAt === null).slice(0, 30);
    const emails = [...new Set(live.flatMap((p) => p.emails))];
    const before = sim.stats().calls['GET /api/v2/persons/search'] ?? 0;
    const found = await pd.findContacts({ emails: [...emails, 'nobody-at-all@nowhere.example'] });
    for (const p of live) expect(found.map((c) => c.id)).toContain(String(p.id));
    expect(sim.stats().calls['GET /api/v2/persons/search'] ?? 0).toBe(before);
    // an address added after the index was built is found by the next batch
    await sim.repEdit({ object: 'persons', id: String(live[0].id), fields: { emails: [{ value: 'fresh.address@later.example', primary: true }] } });
    const again = await pd.findContacts({ emails: ['fresh.address@later.example', ...emails.slice(1, 12)] });
    expect(again.map((c) => c.id)).toContain(String(live[0].id));
  });

  it('findCompanies by website domain and by name', async () => {
    const truth = sim.groundTruth() as { organizations: { id: number; name: string; domain: string; website: string | null }[] };
    // An organization whose website names its real domain (some store none, or a URL form).
    const org = truth.organizations.find((o) => websiteDomain(o.website) === o.domain) as { id: number; name: string; domain: string };
    const found = await pd.findCompanies({ domains: [org.domain] });
    expect(found.map((c) => c.id)).toContain(String(org.id));
    expect(found.find((c) => c.id === String(org.id))?.domain).toBe(org.domain);
    const byName = await pd.findCompanies({ names: [org.name] });
    expect(byName.map((c) => c.id)).toContain(String(org.id));
  });

  it('lists every contact and company as candidates', async () => {
    let n = 0;
    for await (const page of pd.listContacts()) n += page.length;
    expect(n).toBe(sim.state.all('person').filter((e) => e.deletedAt === null).length);
    let m = 0;
    for await (const page of pd.listCompanies()) m += page.length;
    expect(m).toBe(sim.state.all('organization').filter((e) => e.deletedAt === null).length);
  });
});

describe('activities and actions', () => {
  it('creates notes and activities linked to person, organization and deal', async () => {
    const note = await pd.createActivity({ kind: 'note', subject: 'Summary', body: 'Line 1\n<Line 2>', associations: [{ object: 'contact', id: '20' }, { object: 'deal', id: '2' }] });
    const n = sim.state.get('note', Number(note.id));
    expect(n?.core).toMatchObject({ person_id: 20, deal_id: 2 });
    expect(n?.core.content).toContain('&lt;Line 2&gt;');
    const call = await pd.createActivity({ kind: 'meeting', subject: 'Demo', occurredAt: '2026-01-05T10:00:00.000Z', endsAt: '2026-01-05T10:45:00.000Z', associations: [{ object: 'contact', id: '20' }, { object: 'company', id: '3' }] });
    const a = sim.state.get('activity', Number(call.id));
    expect(a?.core).toMatchObject({ type: 'meeting', person_id: 20, org_id: 3, due_date: '2026-01-05', due_time: '10:00', duration: '00:45', done: true });
  });

  it('assigns owners, changes stages by name or id, creates tasks; enroll is unsupported', async () => {
    await pd.performAction({ type: 'assign_owner', object: 'contact', id: '21', ownerId: '4' });
    expect(sim.state.get('person', 21)?.core.owner_id).toBe(4);
    await pd.performAction({ type: 'change_stage', object: 'deal', id: '3', stage: 'Proposal made' });
    const st = sim.state.stages.find((s) => s.name === 'Proposal made');
    expect(sim.state.get('deal', 3)?.core.stage_id).toBe(st?.id);
    await pd.performAction({ type: 'change_stage', object: 'deal', id: '3', stage: 'won' });
    expect(sim.state.get('deal', 3)?.core.status).toBe('won');
    await expect(pd.performAction({ type: 'change_stage', object: 'deal', id: '3', stage: 'No such stage' })).rejects.toMatchObject({ code: 'IR_CRM_VALIDATION' });
    const t = await pd.performAction({ type: 'create_task', object: 'deal', id: '4', subject: 'Call back', dueAt: '2026-12-01T09:30:00.000Z' });
    expect(sim.state.get('activity', Number(t.createdId))?.core).toMatchObject({ type: 'task', deal_id: 4, due_date: '2026-12-01', done: false });
    await expect(pd.performAction({ type: 'enroll', object: 'contact', id: '1', sequenceId: 'x' })).rejects.toMatchObject({ code: 'IR_CRM_UNSUPPORTED' });
  });

  it('lists users', async () => {
    const users = await pd.listUsers();
    expect(users.find((u) => u.id === '1')).toMatchObject({ active: true });
    expect(users.some((u) => !u.active)).toBe(true);
  });
});

describe('webhooks', () => {
  it('subscribes, verifies Basic auth and parses the v2 payload into change events', async () => {
    const received: WebhookRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        received.push({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers as Record<string, string>, rawBody: Buffer.concat(chunks) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/pipedrive`;
    try {
      await pd.webhooks.subscribe(url, ['contact', 'deal']);
      await pd.webhooks.subscribe(url, ['contact', 'deal']);
      expect(sim.state.webhooks.filter((w) => w.subscription_url === url)).toHaveLength(2);
      const s = await pd.describe('contact');
      const score = field(s.fields, 'Lead score');
      await pd.writeBatch('contact', [{ id: '30', fields: { [score.name]: 10 } }]);
      await sim.repEdit({ object: 'persons', id: '30', fields: { name: 'Hand Edited' } });
      await sim.webhooksIdle();
      expect(received).toHaveLength(2);
      for (const r of received) expect(pd.webhooks.verify(r)).toEqual({ ok: true });
      expect(pd.webhooks.verify({ ...received[0], headers: {} }).ok).toBe(false);
      expect(pd.webhooks.verify({ ...received[0], headers: { authorization: `Basic ${Buffer.from('hook:wrong').toString('base64')}` } }).ok).toBe(false);
      const [e1] = pd.webhooks.parse(received[0]).events;
      expect(e1).toMatchObject({ crm: 'pipedrive', object: 'contact', id: '30', kind: 'updated', fields: [score.name], actor: 'integration' });
      const [e2] = pd.webhooks.parse(received[1]).events;
      expect(e2).toMatchObject({ id: '30', kind: 'updated', actor: 'human' });
      expect(e2.fields).toContain('name');
      expect(() => pd.webhooks.parse({ ...received[0], rawBody: Buffer.from('{oops') })).toThrow(/not JSON/);
    } finally {
      server.close();
    }
  });
});

describe('stats', () => {
  it('counts calls', () => {
    expect(pd.stats().calls).toBeGreaterThan(10);
  });
});

describe('runtime: OAuth refresh and injected faults', () => {
  it('refreshes an expired OAuth access token once and carries on', async () => {
    const s = await startPipedriveSimulator({ records: 20, seed: 12, tokenTtlSeconds: 2, refreshToken: 'rt-initial' });
    try {
      const conn = crmConnectionSchema.parse({
        kind: 'pipedrive',
        baseUrl: `${s.url}/api/v2`,
        auth: { oauth: { clientId: 'sim-client-id', clientSecret: 'sim-client-secret', refreshToken: 'rt-initial', tokenUrl: `${s.url}/oauth/token`, refreshBefore: '0s' } },
      });
      const c = await createPipedriveConnector(conn, {});
      expect((await c.read('contact', ['1'], ['name']))[0]?.id).toBe('1');
      await new Promise((r) => setTimeout(r, 2100));
      expect((await c.read('contact', ['2'], ['name']))[0]?.id).toBe('2');
      expect(c.stats().tokenRefreshes).toBeGreaterThanOrEqual(2);
      const bad = await createPipedriveConnector(
        crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: s.url, auth: { oauth: { clientId: 'sim-client-id', clientSecret: 'sim-client-secret', refreshToken: 'revoked', tokenUrl: `${s.url}/oauth/token` } } }),
        {},
      );
      await expect(bad.read('contact', ['1'], ['name'])).rejects.toMatchObject({ code: 'IR_CRM_GRANT_REVOKED' });
    } finally {
      await s.close();
    }
  }, 15_000);

  it('retries 429 and 500 answers until each write lands; a bad token is IR_CRM_AUTH', async () => {
    sim.setFaults({ error429: 0.3, error500: 0.2, seed: 7 });
    try {
      const res = await pd.writeBatch(
        'contact',
        Array.from({ length: 8 }, (_, i) => ({ id: String(40 + i), fields: { job_title: `Title ${i}` } })),
      );
      expect(res.every((r) => r.ok)).toBe(true);
      expect(pd.stats().rateLimited + pd.stats().retries).toBeGreaterThan(0);
    } finally {
      sim.setFaults({});
    }
    const wrong = await createPipedriveConnector(crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.url, auth: { token: 'nope' }, integrationUserId: '1' }), {});
    await expect(wrong.read('contact', ['1'], ['name'])).rejects.toMatchObject({ code: 'IR_CRM_AUTH' });
  }, 30_000);
});
