/**
 * Conformance of the Pipedrive simulator: the changelog, flow and recents, webhooks, the control API, the record page and the snapshot file, driven through the `pipedrive` npm client v33,
 * plus raw HTTP where the SDK hides what is being checked (status codes, headers, legacy v1 CRUD).
 * Every quirk cites its section of docs/reference/pipedrive.md; the suites, their shared setup and
 * the operations each answers for are in spec/suite.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v1, v2 } from 'pipedrive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningPipedriveSimulator, startPipedriveSimulator } from './index.js';
import { checkSuite, rawRequest, startConformanceSimulator, sweepCall } from './spec/suite.js';

let sim: RunningPipedriveSimulator;
let c2: v2.Configuration;
let c1: v1.Configuration;
/** Every answer the simulator gave in this file, checked against Pipedrive's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startConformanceSimulator(answers);
  c2 = new v2.Configuration({ apiKey: sim.token, basePath: sim.apiBase });
  c1 = new v1.Configuration({ apiKey: sim.token, basePath: sim.apiBaseV1 });
});

afterAll(async () => {
  await sim?.close();
});

const raw = (path: string, init: RequestInit = {}, token: string | null = sim.token) => rawRequest(sim, path, init, token);

const customKey = (entity: 'person' | 'organization' | 'deal', name: string) => {
  const d = sim.state.fields[entity].find((f) => f.name === name);
  if (!d) throw new Error(name);
  return d;
};

describe('§7 changelog', () => {
  it('records api writes and app edits per field, newest first, with cursor paging', async () => {
    const persons = new v2.PersonsApi(c2);
    await persons.updatePerson({ id: 15, UpdatePersonRequest: { name: 'Api Name', job_title: 'CTO' } });
    await sim.repEdit({ object: 'persons', id: '15', fields: { job_title: 'CEO' }, userId: '4' });
    const api = new v1.PersonsApi(c1);
    const first = await api.getPersonChangelog({ id: 15, limit: 1 });
    expect(first.data?.[0]).toMatchObject({ field_key: 'job_title', old_value: 'CTO', new_value: 'CEO', actor_user_id: 4, change_source: 'app' });
    expect(first.data?.[0].time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const cursor = first.additional_data?.next_cursor as string;
    expect(Buffer.from(cursor, 'base64').toString()).toMatch(/^id:\d+$/);
    const rest = await api.getPersonChangelog({ id: 15, cursor, limit: 100 });
    expect(rest.data?.find((r) => r.field_key === 'name')).toMatchObject({ new_value: 'Api Name', actor_user_id: 1, change_source: 'api' });
  });

  it('users: v1 list and me', async () => {
    const u = await new v1.UsersApi(c1).getUsers();
    expect((u.data ?? []).length).toBeGreaterThan(2);
    const me = await new v1.UsersApi(c1).getCurrentUser();
    expect(me.data).toMatchObject({ id: 1, company_domain: expect.any(String) });
  });
});

describe('§7.2 flow (updates)', () => {
  it('lists field changes (custom ones only with all_changes=1), notes and activities, newest first', async () => {
    const score = customKey('deal', 'Deal risk');
    const deals = new v2.DealsApi(c2);
    await deals.updateDeal({ id: 6, UpdateDealRequest: { title: 'Flow deal', custom_fields: { [score.key]: score.options?.[0].id } } as never });
    await new v1.NotesApi(c1).addNote({ AddNoteRequest: { content: 'flow note', deal_id: 6 } });
    const api = new v1.DealsApi(c1);
    const plain = await api.getDealUpdates({ id: 6 });
    const objects = (plain.data ?? []).map((x) => (x as { object: string }).object);
    expect(objects[0]).toBe('note');
    expect(objects).toContain('dealChange');
    const keys = (plain.data ?? []).filter((x) => (x as { object: string }).object === 'dealChange').map((x) => (x as { data: { field_key: string } }).data.field_key);
    expect(keys).toContain('title');
    expect(keys).not.toContain(score.key);
    const all = await api.getDealUpdates({ id: 6, all_changes: '1' });
    expect((all.data ?? []).some((x) => (x as { data: { field_key?: string } }).data.field_key === score.key)).toBe(true);
  });
});

describe('§5 webhooks v2', () => {
  it('delivers {meta,data,previous} with Basic auth, string ids, typed custom fields; retries 3/30/150 s (scaled) with meta.attempt', async () => {
    const got: { auth: string | undefined; body: Record<string, unknown> }[] = [];
    let failFirst = 2;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) });
        if (failFirst > 0) {
          failFirst--;
          res.statusCode = 503;
        }
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
    const hooks = new v1.WebhooksApi(c1);
    try {
      const created = await hooks.addWebhook({ AddWebhookRequest: { subscription_url: url, event_action: '*', event_object: 'person', http_auth_user: 'u', http_auth_password: 'p', name: 't' } as never });
      expect(created).toMatchObject({ status: 'ok', success: true, data: { version: '2.0', subscription_url: url } });
      const grade = customKey('person', 'Lead grade');
      const opt = grade.options?.[3].id as number;
      await new v2.PersonsApi(c2).updatePerson({ id: 20, UpdatePersonRequest: { custom_fields: { [grade.key]: opt } } as never });
      for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(got.map((g) => (g.body.meta as { attempt: number }).attempt)).toEqual([1, 2, 3]);
      for (const g of got) expect(g.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
      const { meta, data, previous } = got[2].body as { meta: Record<string, unknown>; data: Record<string, unknown>; previous: Record<string, unknown> };
      expect(meta).toMatchObject({ action: 'change', entity: 'person', entity_id: '20', user_id: '1', change_source: 'api', version: '2.0', webhook_id: String(created.data?.id) });
      expect(typeof meta.company_id).toBe('string');
      expect(data.visible_to).toBe('3');
      expect((data.custom_fields as Record<string, unknown>)[grade.key]).toEqual({ type: 'enum', id: opt });
      expect(Object.keys(previous)).toEqual(['custom_fields']);
      expect(Object.keys(previous.custom_fields as object)).toEqual([grade.key]);
      got.length = 0;
      const p = (await new v2.PersonsApi(c2).addPerson({ AddPersonRequest: { name: 'Hook Person' } })).data as { id: number };
      await new v2.PersonsApi(c2).deletePerson({ id: p.id });
      for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      const [create, del] = got.map((g) => g.body) as { meta: { action: string }; data: unknown; previous: unknown }[];
      expect(create).toMatchObject({ meta: { action: 'create' }, previous: null });
      expect(del).toMatchObject({ meta: { action: 'delete' }, data: null, previous: { id: p.id } });
      const listed = await hooks.getWebhooks();
      expect(listed.data?.some((w) => w.id === created.data?.id)).toBe(true);
      expect(await hooks.deleteWebhook({ id: created.data?.id as number })).toEqual({ status: 'ok', success: true });
      await expect(hooks.deleteWebhook({ id: 424242 })).rejects.toEqual({ status: 'error', success: false, errors: { id: ['not found'] } });
      await expect(hooks.addWebhook({ AddWebhookRequest: { subscription_url: 'not a url', event_action: '*', event_object: 'person' } as never })).rejects.toMatchObject({
        errors: { subscription_url: ['invalid or non-reachable URL'] },
      });
    } finally {
      server.close();
    }
  });
});

describe('§5.4 webhook ban', () => {
  it('10 failures on a first try ban the webhook; events during the ban are lost, not retried', async () => {
    const s = await startPipedriveSimulator({ records: 20, seed: 31, webhookRetryScale: 0.002 });
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      await new v1.WebhooksApi(new v1.Configuration({ apiKey: s.token, basePath: s.apiBaseV1 })).addWebhook({ AddWebhookRequest: { subscription_url: url, event_action: 'change', event_object: 'person', name: 'b' } as never });
      const api = new v2.PersonsApi(new v2.Configuration({ apiKey: s.token, basePath: s.apiBase }));
      for (let i = 0; i < 10; i++) await api.updatePerson({ id: 1, UpdatePersonRequest: { name: `Name ${i}` } });
      for (let i = 0; i < 100 && hits < 40; i++) await new Promise((r) => setTimeout(r, 20));
      expect(hits).toBe(40);
      expect(s.state.webhooks[0].bannedUntil).toBeGreaterThan(Date.now());
      await api.updatePerson({ id: 1, UpdatePersonRequest: { name: 'During ban' } });
      await s.webhooksIdle();
      await new Promise((r) => setTimeout(r, 50));
      expect(hits).toBe(40);
      expect(s.stats().webhooksFailed).toBe(40);
    } finally {
      server.close();
      await s.close();
    }
  });
});

describe('control API and record page', () => {
  it('rep edits through /_sim are human in the changelog; faults through /_sim; the record page marks AI-written fields', async () => {
    const score = customKey('person', 'Lead score');
    await new v2.PersonsApi(c2).updatePerson({ id: 25, UpdatePersonRequest: { custom_fields: { [score.key]: 88 } } as never });
    const edit = await fetch(`${sim.url}/_sim/rep-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'persons', id: '25', fields: { job_title: 'Head of Ops' }, userId: '3' }) });
    expect(edit.status).toBe(200);
    const rows = sim.state.changelog('person', 25);
    expect(rows.at(-1)).toMatchObject({ field_key: 'job_title', change_source: 'app', actor_user_id: 3 });
    const bad = await fetch(`${sim.url}/_sim/rep-edit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'persons', id: '25', fields: { nope: 1 } }) });
    expect(bad.status).toBe(400);
    const page = await (await fetch(`${sim.url}/ui/persons/25`)).text();
    expect(page).toContain('Lead score');
    expect(page).toMatch(/88 <span class="ai"/);
    expect(page).toContain('Head of Ops');
    expect((await fetch(`${sim.url}/ui/persons/99999999`)).status).toBe(404);
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error500: 1, errorMethods: ['GET'] }) });
    expect((await raw('/api/v2/persons/1')).status).toBe(500);
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await raw('/api/v2/persons/1')).status).toBe(200);
    const stats = await (await fetch(`${sim.url}/_sim/stats`)).json();
    expect(stats.calls['GET /api/v2/persons/{id}']).toBeGreaterThan(0);
    expect(stats.humanWrites).toBeGreaterThan(0);
  });
});

describe('snapshot file', () => {
  it('a restarted simulator comes back with the records, fields, changelog and webhooks it had', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/pd-snap-`)}/state.json`;
    const a = await startPipedriveSimulator({ records: 30, seed: 21, snapshotFile: file });
    const api = new v2.PersonsApi(new v2.Configuration({ apiKey: a.token, basePath: a.apiBase }));
    await api.updatePerson({ id: 3, UpdatePersonRequest: { name: 'Kept Name' } });
    const created = (await api.addPerson({ AddPersonRequest: { name: 'New One', emails: [{ value: 'new.one@kept.example' }] } })).data as { id: number };
    await a.close();
    const b = await startPipedriveSimulator({ records: 30, seed: 99, snapshotFile: file });
    try {
      const api2 = new v2.PersonsApi(new v2.Configuration({ apiKey: b.token, basePath: b.apiBase }));
      expect((await api2.getPerson({ id: 3 })).data?.name).toBe('Kept Name');
      const found = await api2.searchPersons({ term: 'new.one@kept.example', fields: 'email', exact_match: true });
      expect(found.data?.items?.map((i) => i.item?.id)).toEqual([created.id]);
      const next = (await api2.addPerson({ AddPersonRequest: { name: 'After' } })).data as { id: number };
      expect(next.id).toBe(created.id + 1);
      const log = await new v1.PersonsApi(new v1.Configuration({ apiKey: b.token, basePath: b.apiBaseV1 })).getPersonChangelog({ id: 3 });
      expect(log.data?.some((r) => r.new_value === 'Kept Name')).toBe(true);
    } finally {
      await b.close();
    }
  });
});

describe('every implemented operation of this suite once, over HTTP (for the published-description check below)', () => {
  // Like any client of Pipedrive, the sweep waits out the burst limit (§6.3) instead of failing on it.
  let call: ReturnType<typeof sweepCall>;
  beforeAll(() => {
    call = sweepCall(sim);
  });

  it('recents, webhooks, changelog and flow', async () => {
    await call('GET', '/v1/recents?since_timestamp=2020-01-01%2000:00:00');
    const hook = await call('POST', '/v1/webhooks', { subscription_url: 'http://127.0.0.1:9/sweep', event_action: '*', event_object: '*', version: '2.0' });
    await call('GET', '/v1/webhooks');
    await call('DELETE', `/v1/webhooks/${hook.id}`);
    for (const plural of ['persons', 'organizations', 'deals']) {
      await call('GET', `/v1/${plural}/1/changelog`);
      await call('GET', `/v1/${plural}/1/flow`);
    }
  });
});

// Last in the file: it reads the answers of every test above.
describe("Pipedrive's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('changes', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(25);
    // outside Pipedrive's paths: the control API and the record page
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([
      'GET /_sim/stats',
      'GET /ui/persons',
      'POST /_sim/faults',
      'POST /_sim/rep-edit',
    ]);
    expect(unanswered).toEqual([]);
  });
});
