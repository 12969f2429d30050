/**
 * Conformance of the Pipedrive simulator: persons, organizations, deals, activities and notes, v2 and legacy v1, their searches, auth and routing, rate limits and paging, driven through the `pipedrive` npm client v33,
 * plus raw HTTP where the SDK hides what is being checked (status codes, headers, legacy v1 CRUD).
 * Every quirk cites its section of docs/reference/pipedrive.md; the suites, their shared setup and
 * the operations each answers for are in spec/suite.ts.
 */
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

describe('§1 auth and routing', () => {
  it('accepts x-api-token and the legacy ?api_token=; anything else gets the gateway 401 on any path (§1.1, §8.3)', async () => {
    expect((await raw('/api/v2/persons/1')).status).toBe(200);
    expect((await fetch(`${sim.url}/api/v2/persons/1?api_token=${sim.token}`)).status).toBe(200);
    for (const path of ['/api/v2/persons', '/v1/anything/at/all', '/nowhere']) {
      const r = await raw(path, {}, 'wrong');
      expect(r.status).toBe(401);
      expect(r.headers.get('x-401-by-gw')).toBe('true');
      expect(await r.json()).toEqual({ success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' });
    }
  });

  it('serves /v1 and /api/v1 alike, and 404s /v2 (§1.2)', async () => {
    const a = await (await raw('/v1/users/me')).json();
    const b = await (await raw('/api/v1/users/me')).json();
    expect(a.data.id).toBe(1);
    expect(b.data.id).toBe(1);
    expect((await raw('/v2/persons')).status).toBe(404);
  });

  it('the SDK rejects with the parsed JSON body, not an Error (§1.3)', async () => {
    const bad = new v2.PersonsApi(new v2.Configuration({ apiKey: 'nope', basePath: sim.apiBase }));
    await expect(bad.getPerson({ id: 1 })).rejects.toEqual({ success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' });
  });

  it('OAuth: authorization_code and refresh_token grants with client Basic auth, expiring Bearer tokens (§1.1, §1.3)', async () => {
    const short = await startPipedriveSimulator({ records: 5, seed: 2, tokenTtlSeconds: 1 });
    try {
      const oauth = new v2.OAuth2Configuration({ clientId: 'sim-client-id', clientSecret: 'sim-client-secret', redirectUri: 'http://127.0.0.1/cb', host: short.url });
      const tok = (await oauth.authorize('code-123')) as unknown as { access_token: string; refresh_token: string; api_domain: string; token_type: string };
      expect(tok.token_type).toBe('Bearer');
      expect(tok.api_domain).toBe(short.url);
      expect(oauth.basePath).toBe(`${short.url}/api/v2`);
      const api = new v2.PersonsApi(new v2.Configuration({ accessToken: tok.access_token, basePath: short.apiBase }));
      expect((await api.getPerson({ id: 1 })).data?.id).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      await expect(api.getPerson({ id: 1 })).rejects.toMatchObject({ errorCode: 401 });
      const fresh = (await oauth.tokenRefresh()) as unknown as { access_token: string };
      const api2 = new v2.PersonsApi(new v2.Configuration({ accessToken: fresh.access_token, basePath: short.apiBase }));
      expect((await api2.getPerson({ id: 1 })).data?.id).toBe(1);
      const wrong = new v2.OAuth2Configuration({ clientId: 'sim-client-id', clientSecret: 'bad', redirectUri: 'http://127.0.0.1/cb', host: short.url });
      await expect(wrong.authorize('x')).rejects.toBeTruthy();
      const r = await fetch(`${short.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('sim-client-id:sim-client-secret').toString('base64')}` },
        body: 'grant_type=refresh_token&refresh_token=unknown',
      });
      expect(r.status).toBe(400);
      expect((await r.json()).error).toBe('invalid_grant');
    } finally {
      await short.close();
    }
  });
});

describe('§3 persons v2 through the SDK', () => {
  it('get: v2 shape, RFC 3339 without fractions, emails as objects, custom_fields object (§2, §3.1)', async () => {
    const api = new v2.PersonsApi(c2);
    const p = (await api.getPerson({ id: 1 })).data as Record<string, unknown>;
    expect(p.update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(p.is_deleted).toBe(false);
    expect(typeof p.visible_to).toBe('number');
    expect(typeof p.custom_fields).toBe('object');
    for (const k of Object.keys(p.custom_fields as object)) expect(k).toMatch(/^[0-9a-f]{40}$/);
    await expect(api.getPerson({ id: 987654 })).rejects.toMatchObject({ success: false, error: 'Person not found' });
  });

  it('add / update / delete; unknown top-level key and string-for-number are 400 ERR_SCHEMA_VALIDATION_FAILED (§4.4)', async () => {
    const api = new v2.PersonsApi(c2);
    const grade = customKey('person', 'Lead grade');
    const optId = grade.options?.[0].id as number;
    const created = (await api.addPerson({ AddPersonRequest: { name: 'Ada Lovelace', emails: [{ value: 'ada@engine.example' }], custom_fields: { [grade.key]: optId } } as never })).data as Record<string, unknown>;
    expect(created).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', emails: [{ value: 'ada@engine.example', primary: true, label: 'work' }] });
    expect((created.custom_fields as Record<string, unknown>)[grade.key]).toBe(optId);
    const id = created.id as number;
    await expect(api.updatePerson({ id, UpdatePersonRequest: { nickname: 'x', [grade.key]: optId } as never })).rejects.toEqual({
      success: false,
      error: `Validation failed: nickname: Parameter 'nickname' is not allowed for this request; ${grade.key}: Parameter '${grade.key}' is not allowed for this request`,
      code: 'ERR_SCHEMA_VALIDATION_FAILED',
    });
    await expect(api.updatePerson({ id, UpdatePersonRequest: { owner_id: '2' } as never })).rejects.toMatchObject({ code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    await expect(api.updatePerson({ id, UpdatePersonRequest: { custom_fields: { [grade.key]: String(optId) } } as never })).rejects.toMatchObject({
      error: expect.stringContaining("Expected 'number' as value for single option custom field"),
    });
    const upd = (await api.updatePerson({ id, UpdatePersonRequest: { name: 'Ada King' } })).data as Record<string, unknown>;
    expect(upd.name).toBe('Ada King');
    expect(await api.deletePerson({ id })).toEqual({ success: true, data: { id } });
    await expect(api.updatePerson({ id, UpdatePersonRequest: { name: 'Again' } })).rejects.toMatchObject({ success: false });
  });

  it('unknown custom field keys inside custom_fields are ignored without an error (§4.4, §11 U3)', async () => {
    const api = new v2.PersonsApi(c2);
    const before = (await api.getPerson({ id: 2 })).data as Record<string, unknown>;
    const after = (await api.updatePerson({ id: 2, UpdatePersonRequest: { custom_fields: { ['a'.repeat(40)]: 'lost' } } as never })).data as Record<string, unknown>;
    expect(after.custom_fields).toEqual(before.custom_fields);
  });

  it('set fields: number[]; [] is a 400, null clears (§4.4, [OBS S26])', async () => {
    const api = new v2.PersonsApi(c2);
    const set = customKey('person', 'Interests');
    const ids = (set.options ?? []).slice(0, 2).map((o) => o.id);
    const r = (await api.updatePerson({ id: 3, UpdatePersonRequest: { custom_fields: { [set.key]: ids } } as never })).data as Record<string, unknown>;
    expect((r.custom_fields as Record<string, unknown>)[set.key]).toEqual(ids);
    await expect(api.updatePerson({ id: 3, UpdatePersonRequest: { custom_fields: { [set.key]: [] } } as never })).rejects.toMatchObject({
      error: expect.stringContaining("Expected non-empty 'array' as value for multi options custom field"),
    });
    const cleared = (await api.updatePerson({ id: 3, UpdatePersonRequest: { custom_fields: { [set.key]: null } } as never })).data as Record<string, unknown>;
    expect((cleared.custom_fields as Record<string, unknown>)[set.key]).toBeNull();
    const labels = (await api.getPerson({ id: 3, include_option_labels: true })).data as Record<string, unknown>;
    expect((labels.custom_fields as Record<string, unknown>)[set.key]).toBeNull();
  });

  it('include_option_labels turns enum ids into {id,label} (§4.3)', async () => {
    const api = new v2.PersonsApi(c2);
    const grade = customKey('person', 'Lead grade');
    const opt = grade.options?.[2] as { id: number; label: string };
    await api.updatePerson({ id: 4, UpdatePersonRequest: { custom_fields: { [grade.key]: opt.id } } as never });
    const p = (await api.getPerson({ id: 4, include_option_labels: true })).data as Record<string, unknown>;
    expect((p.custom_fields as Record<string, unknown>)[grade.key]).toEqual({ id: opt.id, label: opt.label });
  });

  it('list: updated_since is inclusive, fractional seconds are rejected, limit ≤ 500 (§3.1, §3.8)', async () => {
    const api = new v2.PersonsApi(c2);
    const p = (await api.getPerson({ id: 10 })).data as { update_time: string };
    const page = await api.getPersons({ updated_since: p.update_time, sort_by: 'update_time', limit: 500 });
    expect(page.data?.map((x) => x.id)).toContain(10);
    await expect(api.getPersons({ updated_since: '2026-01-01T00:00:00.123Z' })).rejects.toMatchObject({
      code: 'ERR_SCHEMA_VALIDATION_FAILED',
      error: expect.stringContaining('not a valid datetime'),
    });
    await expect(api.getPersons({ limit: 501 })).rejects.toMatchObject({ code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    const updatedUntil = await api.getPersons({ updated_until: p.update_time, ids: '10' });
    expect(updatedUntil.data).toEqual([]);
  });

  it('search: exact e-mail, string arrays in items, empty term and short term rejected (§3.1)', async () => {
    const api = new v2.PersonsApi(c2);
    const truth = sim.groundTruth() as { persons: { id: number; emails: string[] }[] };
    const who = truth.persons.find((x) => x.emails.length > 0 && sim.state.get('person', x.id)?.deletedAt === null) as { id: number; emails: string[] };
    const r = await api.searchPersons({ term: who.emails[0].toUpperCase(), fields: 'email', exact_match: true });
    const items = r.data?.items ?? [];
    expect(items.map((i) => i.item?.id)).toContain(who.id);
    const item = items.find((i) => i.item?.id === who.id)?.item as { emails: unknown[]; type: string };
    expect(item.type).toBe('person');
    for (const e of item.emails) expect(typeof e).toBe('string');
    await expect(api.searchPersons({ term: '' })).rejects.toMatchObject({ success: false });
    await expect(api.searchPersons({ term: 'a' })).rejects.toMatchObject({ success: false });
    expect((await api.searchPersons({ term: 'a', exact_match: true })).success).toBe(true);
  });
});

describe('§3.3–3.6 organizations, deals, activities, notes', () => {
  it('organizations v2 CRUD and search', async () => {
    const api = new v2.OrganizationsApi(c2);
    const o = (await api.addOrganization({ AddOrganizationRequest: { name: 'Zyxwv Holdings', website: 'https://zyxwv.example' } as never })).data as Record<string, unknown>;
    expect(o.website).toBe('https://zyxwv.example');
    const s = await api.searchOrganization({ term: 'Zyxwv' });
    expect(s.data?.items?.map((i) => i.item?.id)).toContain(o.id);
    expect((await api.deleteOrganization({ id: o.id as number })).data).toEqual({ id: o.id });
  });

  it('deals: stage_id sets pipeline_id; deleted deals only with status=deleted (§3.4)', async () => {
    const api = new v2.DealsApi(c2);
    const stage = sim.state.stages[2];
    const d = (await api.addDeal({ AddDealRequest: { title: 'Big one', value: 1000, stage_id: stage.id } as never })).data as Record<string, unknown>;
    expect(d).toMatchObject({ stage_id: stage.id, pipeline_id: stage.pipeline_id, status: 'open', currency: 'EUR' });
    const id = d.id as number;
    await api.deleteDeal({ id });
    const normal = await api.getDeals({ ids: String(id) });
    expect(normal.data).toEqual([]);
    const deleted = await api.getDeals({ ids: String(id), status: 'deleted' as never });
    expect(deleted.data?.[0]).toMatchObject({ id, is_deleted: true });
    await expect(api.addDeal({ AddDealRequest: { value: 5 } as never })).rejects.toMatchObject({ code: 'ERR_SCHEMA_VALIDATION_FAILED' });
  });

  it('activities: person_id follows the primary participant (§3.5); updateActivity uses AddActivityRequest', async () => {
    const api = new v2.ActivitiesApi(c2);
    const a = (await api.addActivity({ AddActivityRequest: { subject: 'Call', type: 'call', participants: [{ person_id: 7, primary: true }], due_date: '2026-12-01' } as never })).data as Record<string, unknown>;
    expect(a.person_id).toBe(7);
    await expect(api.addActivity({ AddActivityRequest: { subject: 'x', person_id: 7 } as never })).rejects.toMatchObject({ code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    const u = (await api.updateActivity({ id: a.id as number, AddActivityRequest: { done: true } as never })).data as Record<string, unknown>;
    expect(u.done).toBe(true);
    expect(u.marked_as_done_time).toMatch(/Z$/);
    const list = await api.getActivities({ person_id: 7, done: true });
    expect(list.data?.map((x) => x.id)).toContain(a.id);
  });

  it('notes are v1 only: add needs an association, delete answers data:true (§3.6)', async () => {
    const api = new v1.NotesApi(c1);
    await expect(api.addNote({ AddNoteRequest: { content: 'orphan' } as never })).rejects.toMatchObject({
      error: 'Note must be associated with at least one organization, person, deal, lead or project.',
    });
    const n = (await api.addNote({ AddNoteRequest: { content: '<p>hello</p>', person_id: 8 } })).data as Record<string, unknown>;
    expect(n.add_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const list = await api.getNotes({ person_id: 8 });
    expect(list.data?.map((x) => x.id)).toContain(n.id);
    const upd = await api.updateNote({ id: n.id as number, NoteRequest: { content: 'changed' } as never });
    expect((upd.data as Record<string, unknown>).content).toBe('changed');
    expect(await api.deleteNote({ id: n.id as number })).toEqual({ success: true, data: true });
    const none = await api.getNotes({ person_id: 999_999 });
    expect(none.data).toBeNull();
  });
});

describe('§2, §3.2 legacy v1 entities over raw HTTP', () => {
  it('v1 list: start/limit pagination, data:null when empty, expanded owner/org objects, v1 times', async () => {
    const r = await (await raw('/v1/persons?start=0&limit=2')).json();
    expect(r.additional_data.pagination).toEqual({ start: 0, limit: 2, more_items_in_collection: true, next_start: 2 });
    const p = r.data[0];
    expect(p.owner_id).toMatchObject({ value: expect.any(Number), name: expect.any(String) });
    expect(p.update_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(typeof p.visible_to).toBe('string');
    expect(Array.isArray(p.email)).toBe(true);
    const empty = await (await raw('/v1/persons?start=100000')).json();
    expect(empty.data).toBeNull();
  });

  it('v1 is lenient: unknown keys ignored, enum written as "id" string, set as "a,b", labels silently dropped (§4.3, §4.4)', async () => {
    const grade = customKey('person', 'Lead grade');
    const set = customKey('person', 'Interests');
    const [o1, o2] = set.options ?? [];
    const body = { name: 'Legacy Person', nickname: 'ignored', [grade.key]: String(grade.options?.[1].id), [set.key]: `${o1.id},${o2.id}` };
    const r = await raw('/v1/persons', { method: 'POST', body: JSON.stringify(body) });
    expect(r.status).toBe(201);
    const p = (await r.json()).data;
    expect(p.nickname).toBeUndefined();
    expect(p[grade.key]).toBe(String(grade.options?.[1].id));
    expect(p[set.key]).toBe(`${o1.id},${o2.id}`);
    const put = await (await raw(`/v1/persons/${p.id}`, { method: 'PUT', body: JSON.stringify({ [grade.key]: 'A' }) })).json();
    expect(put.success).toBe(true);
    expect(put.data[grade.key]).toBe(String(grade.options?.[1].id));
    const noName = await raw('/v1/persons', { method: 'POST', body: JSON.stringify({ email: 'x@y.z' }) });
    expect(noName.status).toBe(400);
    expect((await noName.json()).error).toBe('Name must be given.');
  });
});

describe('§3.7 itemSearch through the SDK', () => {
  it('itemSearch: several item types, limit ≤ 100, items {result_score, item:{type}}', async () => {
    const api = new v2.ItemSearchApi(c2);
    const org = sim.state.get('organization', 1);
    const word = String(org?.core.name).split(/\s+/)[0];
    const r = await api.searchItem({ term: word, item_types: 'organization,person' as never, limit: 100 });
    const items = r.data?.items ?? [];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => ['organization', 'person'].includes(String((i.item as { type?: string } | undefined)?.type)))).toBe(true);
    expect(typeof items[0].result_score).toBe('number');
    await expect(api.searchItem({ term: word, limit: 101 })).rejects.toMatchObject({ code: 'ERR_SCHEMA_VALIDATION_FAILED' });
  });
});

describe('§6 rate limits', () => {
  it('burst per token per 2 s: headers on every answer, then 429 (§6.3–6.5)', async () => {
    const tight = await startPipedriveSimulator({ records: 5, seed: 3, rateLimit: { callsPerWindow: 3, windowMs: 2000 } });
    try {
      const get = () => fetch(`${tight.url}/api/v2/persons/1`, { headers: { 'x-api-token': tight.token } });
      const first = await get();
      expect(first.headers.get('x-ratelimit-limit')).toBe('3');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
      expect(first.headers.get('x-daily-ratelimit-token-remaining')).toBe(String(1_500_000 - 1));
      await get();
      await get();
      const over = await get();
      expect(over.status).toBe(429);
      expect(over.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(over.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      const api = new v2.PersonsApi(new v2.Configuration({ apiKey: tight.token, basePath: tight.apiBase }));
      await expect(api.getPerson({ id: 1 })).rejects.toMatchObject({ errorCode: 429 });
    } finally {
      await tight.close();
    }
  });

  it('search has its own 10 / 2 s; the daily token budget is spent by per-endpoint cost (§6.1–6.3)', async () => {
    const s = await startPipedriveSimulator({ records: 5, seed: 4, dailyTokens: 30 });
    try {
      const h = { 'x-api-token': s.token };
      const list = await fetch(`${s.url}/api/v2/persons`, { headers: h });
      expect(list.headers.get('x-daily-ratelimit-token-remaining')).toBe('20');
      await fetch(`${s.url}/api/v2/persons`, { headers: h });
      await fetch(`${s.url}/api/v2/persons`, { headers: h });
      const spent = await fetch(`${s.url}/api/v2/persons/1`, { headers: h });
      expect(spent.status).toBe(429);
      expect(spent.headers.get('x-daily-ratelimit-token-remaining')).toBe('0');
    } finally {
      await s.close();
    }
    const q = await startPipedriveSimulator({ records: 5, seed: 4 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await fetch(`${q.url}/api/v2/itemSearch?term=ab`, { headers: { 'x-api-token': q.token } })).status);
      expect(statuses.slice(0, 10).every((x) => x === 200)).toBe(true);
      expect(statuses[10]).toBe(429);
      expect((await fetch(`${q.url}/api/v2/persons/1`, { headers: { 'x-api-token': q.token } })).status).toBe(200);
      expect((await fetch(`${q.url}/api/v2/itemSearch?term=ab&limit=101`, { headers: { 'x-api-token': q.token } })).status).toBe(429);
    } finally {
      await q.close();
    }
  });
});

describe('§3.8 paging past 10,000 records', () => {
  it('walks 10,500 persons with cursors, no gaps or repeats', async () => {
    const big = await startPipedriveSimulator({ records: 10_500, seed: 9 });
    try {
      const api = new v2.PersonsApi(new v2.Configuration({ apiKey: big.token, basePath: big.apiBase }));
      const seen = new Set<number>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await api.getPersons({ limit: 500, cursor });
        for (const p of r.data ?? []) seen.add(p.id as number);
        cursor = r.additional_data?.next_cursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(21);
      expect(seen.size).toBe(10_500);
      const sorted = await api.getPersons({ sort_by: 'update_time', sort_direction: 'desc', limit: 500 });
      const t = (sorted.data ?? []).map((p) => p.update_time as string);
      expect([...t].sort().reverse()).toEqual(t);
    } finally {
      await big.close();
    }
  }, 30_000);
});

describe('every implemented operation of this suite once, over HTTP (for the published-description check below)', () => {
  // Like any client of Pipedrive, the sweep waits out the burst limit (§6.3) instead of failing on it.
  let call: ReturnType<typeof sweepCall>;
  beforeAll(() => {
    call = sweepCall(sim);
  });

  it('entities v2 and legacy v1, their searches, archived deals and notes', async () => {
    const bodies: Record<string, Record<string, unknown>> = { persons: { name: 'Sweep Person' }, organizations: { name: 'Sweep Org' }, deals: { title: 'Sweep deal' }, activities: { subject: 'Sweep call', type: 'call' } };
    for (const [plural, body] of Object.entries(bodies)) {
      await call('GET', `/api/v2/${plural}?limit=2`);
      const made = await call('POST', `/api/v2/${plural}`, body);
      await call('GET', `/api/v2/${plural}/${made.id}`);
      await call('PATCH', `/api/v2/${plural}/${made.id}`, plural === 'deals' ? { title: 'Sweep deal 2' } : plural === 'activities' ? { subject: 'Sweep 2' } : { name: 'Sweep 2' });
      await call('DELETE', `/api/v2/${plural}/${made.id}`);
      await call('GET', `/v1/${plural}?limit=2`);
      const old = await call('POST', `/v1/${plural}`, body);
      await call('GET', `/v1/${plural}/${old.id}`);
      await call('PUT', `/v1/${plural}/${old.id}`, plural === 'deals' ? { title: 'Sweep v1' } : plural === 'activities' ? { subject: 'Sweep v1' } : { name: 'Sweep v1' });
      await call('DELETE', `/v1/${plural}/${old.id}`);
    }
    for (const q of ['persons/search?term=sweep', 'organizations/search?term=org', 'deals/search?term=deal', 'itemSearch?term=sweep&item_types=person,deal']) await call('GET', `/api/v2/${q}`);
    await call('GET', '/api/v2/deals/archived');
    const note = await call('POST', '/v1/notes', { content: 'Sweep note', person_id: 1 });
    await call('GET', '/v1/notes?limit=2');
    await call('GET', `/v1/notes/${note.id}`);
    await call('PUT', `/v1/notes/${note.id}`, { content: 'Sweep note 2' });
    await call('DELETE', `/v1/notes/${note.id}`);
  });
});

// Last in the file: it reads the answers of every test above.
describe("Pipedrive's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('entities', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(100);
    // outside Pipedrive's paths: the unknown paths probed above
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([
      'GET /nowhere',
      'GET /v1/anything',
      'GET /v2/persons',
    ]);
    expect(unanswered).toEqual([]);
  });
});
