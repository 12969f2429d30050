/**
 * Conformance: the simulator driven through the `pipedrive` npm client v33 (v2 entity APIs; v1
 * for notes, webhooks, changelog, fields, users), plus raw HTTP where the SDK hides what is being
 * checked (status codes, headers, legacy v1 CRUD). Every quirk cites its section of
 * docs/reference/pipedrive.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v1, v2 } from 'pipedrive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimAnswer, checkAnswers } from '../conformance.js';
import { type RunningPipedriveSimulator, startPipedriveSimulator } from './index.js';
import { PIPEDRIVE_SPEC, PIPEDRIVE_SPEC_ALLOWANCES, specPath } from './spec/index.js';

let sim: RunningPipedriveSimulator;
let c2: v2.Configuration;
let c1: v1.Configuration;
/** Every answer the simulator gave in this file, checked against Pipedrive's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startPipedriveSimulator({ records: 400, seed: 5, webhookRetryScale: 0.001, onAnswer: (a) => answers.push(a) });
  c2 = new v2.Configuration({ apiKey: sim.token, basePath: sim.apiBase });
  c1 = new v1.Configuration({ apiKey: sim.token, basePath: sim.apiBaseV1 });
});

afterAll(async () => {
  await sim?.close();
});

const raw = (path: string, init: RequestInit = {}, token: string | null = sim.token) =>
  fetch(`${sim.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { 'x-api-token': token } : {}), ...(init.headers ?? {}) } });

async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

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

describe('§4.1 fields', () => {
  it('v1 field list: numeric ids, 40-hex keys, edit_flag, options with ids', async () => {
    const r = await new v1.PersonFieldsApi(c1).getPersonFields({});
    const custom = (r.data ?? []).filter((f) => f.edit_flag);
    expect(custom.length).toBeGreaterThan(0);
    for (const f of custom) expect(f.key).toMatch(/^[0-9a-f]{40}$/);
    expect((r.data ?? []).find((f) => f.key === 'name')?.edit_flag).toBe(false);
  });

  it('v2 field API: field_code / is_custom_field; add a field and options; delete it', async () => {
    const api = new v2.DealFieldsApi(c2);
    const list = await api.getDealFields({});
    expect(list.data?.some((f) => f.is_custom_field && /^[0-9a-f]{40}$/.test(String(f.field_code)))).toBe(true);
    const added = (await api.addDealField({ AddDealFieldRequest: { field_name: 'Champion', field_type: 'enum', options: [{ label: 'Yes' }] } as never })).data as unknown as Record<string, unknown>;
    const code = String(added.field_code);
    expect(code).toMatch(/^[0-9a-f]{40}$/);
    const opts = await api.addDealFieldOptions({ field_code: code, AddDealFieldOptionsRequestInner: [{ label: 'No' }] } as never);
    expect((opts as { data: { label: string }[] }).data[0].label).toBe('No');
    const renamed = await api.updateDealField({ field_code: code, UpdateDealFieldRequest: { field_name: 'Executive champion' } });
    expect(renamed.data?.field_name).toBe('Executive champion');
    const yes = (opts as { data: { id: number }[] }).data[0].id;
    const relabelled = await api.updateDealFieldOptions({ field_code: code, UpdateDealFieldOptionsRequestInner: [{ id: yes, label: 'Nope' }] });
    expect((relabelled as { data: { id: number; label: string }[] }).data).toEqual([{ id: yes, label: 'Nope' }]);
    const deleted = await api.deleteDealField({ field_code: code });
    // v2 answers the deleted field itself, not only its code
    expect(deleted.data).toMatchObject({ field_code: code, field_name: 'Executive champion', is_custom_field: true });
    expect(sim.state.fields.deal.some((f) => f.key === code)).toBe(false);
    const system = await failure(api.updateDealField({ field_code: 'title', UpdateDealFieldRequest: { field_name: 'Name' } }));
    expect(system).toMatchObject({ success: false, code: 'ERR_SCHEMA_VALIDATION_FAILED' });
  });

  it('person labels are a set field with options (v1 and v2)', async () => {
    const v2Labels = (await new v2.PersonFieldsApi(c2).getPersonField({ field_code: 'label_ids' })).data;
    expect(v2Labels?.options?.map((o) => o.label)).toEqual(['Customer', 'Hot lead', 'Warm lead', 'Cold lead']);
    const v1Fields = await new v1.PersonFieldsApi(c1).getPersonFields({});
    const labels = v1Fields.data?.find((f) => f.key === 'label_ids');
    expect(labels?.options?.length).toBe(4);
  });
});

describe('pipelines, stages, archived deals, deal products, users (official client)', () => {
  it('reads one pipeline and one stage; 404 for an unknown one', async () => {
    const pipelines = await new v2.PipelinesApi(c2).getPipelines({});
    const first = pipelines.data?.[0];
    const one = await new v2.PipelinesApi(c2).getPipeline({ id: Number(first?.id) });
    expect(one.data).toMatchObject({ id: first?.id, name: first?.name });
    const stages = await new v2.StagesApi(c2).getStages({ pipeline_id: Number(first?.id) });
    const stage = await new v2.StagesApi(c2).getStage({ id: Number(stages.data?.[0]?.id) });
    expect(stage.data).toMatchObject({ id: stages.data?.[0]?.id, pipeline_id: first?.id });
    expect(await failure(new v2.StagesApi(c2).getStage({ id: 999_999 }))).toMatchObject({ success: false });
  });

  it('archived deals leave the deal list and are listed by /deals/archived (not shadowed by /deals/{id})', async () => {
    const deals = new v2.DealsApi(c2);
    const made = await deals.addDeal({ AddDealRequest: { title: 'Archive me' } });
    const id = Number(made.data?.id);
    const archived = await deals.updateDeal({ id, UpdateDealRequest: { is_archived: true } as never });
    expect(archived.data?.is_archived).toBe(true);
    expect((await deals.getArchivedDeals({ limit: 500 })).data?.map((d) => d.id)).toContain(id);
    expect((await deals.getDeals({ ids: String(id) })).data ?? []).toEqual([]);
    const products = await new v2.DealProductsApi(c2).getDealsProducts({ deal_ids: [id] });
    expect(products.data).toEqual([]);
  });

  it('finds users by name and by e-mail (/users/find, not shadowed by /users/{id})', async () => {
    const me = await new v1.UsersApi(c1).getCurrentUser();
    const byName = await new v1.UsersApi(c1).findUsersByName({ term: String(me.data?.name).slice(0, 4) });
    expect(byName.data?.map((u) => u.id)).toContain(me.data?.id);
    const byEmail = await new v1.UsersApi(c1).findUsersByName({ term: String(me.data?.email), search_by_email: 1 });
    expect(byEmail.data?.map((u) => u.id)).toEqual([me.data?.id]);
  });

  it('v1 deals expand creator_user_id and owner to user objects; nested organizations carry their cc_email', async () => {
    const body = await (await raw('/v1/deals?limit=5')).json();
    const deal = body.data.find((d: { org_id: unknown }) => d.org_id !== null);
    expect(deal.creator_user_id).toMatchObject({ id: expect.any(Number), name: expect.any(String), email: expect.any(String) });
    expect(deal.org_id.cc_email).toMatch(/@pipedrivemail\.com$/);
  });
});

describe('pipelines and stages, products, deal products, followers, activity types, field updates (official client)', () => {
  // Like any client, these wait out the burst limit (§6.3) before a run of calls.
  const roomForCalls = async () => {
    const r = await raw('/v1/users/me');
    await r.arrayBuffer();
    if (Number(r.headers.get('x-ratelimit-remaining')) < 60) await new Promise((ok) => setTimeout(ok, (Number(r.headers.get('x-ratelimit-reset') ?? 2) + 0.1) * 1000));
  };

  it('adds a pipeline and a stage in it, updates both, moves the stage, and deletes them; a stage holding deals stays', async () => {
    await roomForCalls();
    const pipelines = new v2.PipelinesApi(c2);
    const stages = new v2.StagesApi(c2);
    const p = (await pipelines.addPipeline({ AddPipelineRequest: { name: 'Renewals', is_deal_probability_enabled: true } })).data;
    expect(p).toMatchObject({ name: 'Renewals', is_deal_probability_enabled: true, is_deleted: false });
    const pid = Number(p?.id);
    expect((await pipelines.updatePipeline({ id: pid, UpdatePipelineRequest: { name: 'Renewals 2027' } })).data?.name).toBe('Renewals 2027');
    const s = (await stages.addStage({ AddStageRequest: { name: 'Notice given', pipeline_id: pid, deal_probability: 40 } })).data;
    expect(s).toMatchObject({ name: 'Notice given', pipeline_id: pid, deal_probability: 40, order_nr: 1 });
    const sid = Number(s?.id);
    const updated = (await stages.updateStage({ id: sid, UpdateStageRequest: { name: 'Notice received', is_deal_rot_enabled: true, days_to_rotten: 14 } })).data;
    expect(updated).toMatchObject({ name: 'Notice received', is_deal_rot_enabled: true, days_to_rotten: 14 });
    expect((await stages.getStages({ pipeline_id: pid })).data?.map((x) => x.id)).toEqual([sid]);

    const deal = (await new v2.DealsApi(c2).addDeal({ AddDealRequest: { title: 'Renewal of Acme', stage_id: sid } })).data;
    expect(deal?.pipeline_id).toBe(pid);
    expect(await failure(stages.deleteStage({ id: sid }))).toMatchObject({ success: false, code: 'ERR_SCHEMA_VALIDATION_FAILED' });
    expect(await failure(pipelines.deletePipeline({ id: pid }))).toMatchObject({ success: false });
    // moving the stage to the first pipeline takes its deal along
    const first = Number((await pipelines.getPipelines({})).data?.[0]?.id);
    await stages.updateStage({ id: sid, UpdateStageRequest: { pipeline_id: first } });
    expect((await new v2.DealsApi(c2).getDeal({ id: Number(deal?.id) })).data?.pipeline_id).toBe(first);
    await new v2.DealsApi(c2).deleteDeal({ id: Number(deal?.id) });
    expect((await stages.deleteStage({ id: sid })).data).toEqual({ id: sid });
    expect((await pipelines.deletePipeline({ id: pid })).data).toEqual({ id: pid });
    expect(await failure(pipelines.getPipeline({ id: pid }))).toMatchObject({ success: false, error: 'Pipeline not found' });
    expect(await failure(stages.addStage({ AddStageRequest: { name: 'Orphan', pipeline_id: pid } }))).toMatchObject({ success: false });
  });

  it('adds, lists, updates and deletes products; attaches one to a deal with its sum, updates and removes the attachment', async () => {
    await roomForCalls();
    const products = new v2.ProductsApi(c2);
    const made = (await products.addProduct({ AddProductRequest: { name: 'Seat licence', code: 'SEAT-1', unit: 'seat', tax: 20, prices: [{ price: 120, currency: 'EUR', cost: 30 }] } as never })).data;
    expect(made).toMatchObject({ name: 'Seat licence', code: 'SEAT-1', tax: 20, is_deleted: false, billing_frequency: 'one-time', prices: [{ product_id: made?.id, price: 120, currency: 'EUR', cost: 30 }] });
    const id = Number(made?.id);
    await products.addProduct({ AddProductRequest: { name: 'Another product' } as never });
    expect((await products.getProducts({ ids: String(id) } as never)).data?.map((p) => p.id)).toEqual([id]);
    expect((await products.getProduct({ id })).data?.name).toBe('Seat licence');
    const renamed = (await products.updateProduct({ id, UpdateProductRequest: { name: 'Seat licence (annual)', billing_frequency: 'annually' } as never })).data;
    expect(renamed).toMatchObject({ name: 'Seat licence (annual)', billing_frequency: 'annually', code: 'SEAT-1' });

    const dealProducts = new v2.DealProductsApi(c2);
    const deal = Number((await new v2.DealsApi(c2).addDeal({ AddDealRequest: { title: 'Seats for Acme' } })).data?.id);
    const attached = (await dealProducts.addDealProduct({ id: deal, AddDealProductRequest: { product_id: id, item_price: 100, quantity: 3, discount: 10, tax: 20, tax_method: 'exclusive' } as never })).data;
    // 100 × 3 less 10 % is 270, plus 20 % exclusive tax: 324
    expect(attached).toMatchObject({ deal_id: deal, product_id: id, name: 'Seat licence (annual)', sum: 324, discount_type: 'percentage' });
    // a deal with products is worth their total
    expect((await new v2.DealsApi(c2).getDeal({ id: deal })).data?.value).toBe(324);
    const aid = Number(attached?.id);
    expect((await dealProducts.getDealProducts({ id: deal })).data?.map((a) => a.id)).toEqual([aid]);
    expect((await dealProducts.getDealsProducts({ deal_ids: [deal] })).data?.map((a) => a.id)).toEqual([aid]);
    const changed = (await dealProducts.updateDealProduct({ id: deal, product_attachment_id: aid, UpdateDealProductRequest: { quantity: 5, discount: 0 } as never })).data;
    expect(changed?.sum).toBe(600);
    expect((await new v2.DealsApi(c2).getDeal({ id: deal })).data?.value).toBe(600);
    expect(await failure(dealProducts.addDealProduct({ id: deal, AddDealProductRequest: { product_id: 987_654, item_price: 1, quantity: 1 } as never }))).toMatchObject({ success: false });
    expect((await dealProducts.deleteDealProduct({ id: deal, product_attachment_id: aid })).data).toEqual({ id: aid });
    expect((await dealProducts.getDealProducts({ id: deal })).data).toEqual([]);

    expect((await products.deleteProduct({ id })).data).toEqual({ id });
    expect(await failure(products.getProduct({ id }))).toMatchObject({ success: false, error: 'Product not found' });
    expect((await products.getProducts({})).data?.map((p) => p.id) ?? []).not.toContain(id);
  });

  it('lists, adds and removes followers of persons, organizations, deals and products; the owner follows first', async () => {
    await roomForCalls();
    const other = sim.state.users.find((u) => u.id !== 1)?.id as number;
    const product = Number((await new v2.ProductsApi(c2).addProduct({ AddProductRequest: { name: 'Followed product' } as never })).data?.id);
    const person = new v2.PersonsApi(c2);
    const org = new v2.OrganizationsApi(c2);
    const deals = new v2.DealsApi(c2);
    const products = new v2.ProductsApi(c2);
    const sets = [
      { list: (id: number) => person.getPersonFollowers({ id }), add: (id: number, user_id: number) => person.addPersonFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => person.deletePersonFollower({ id, follower_id }), id: Number((await person.addPerson({ AddPersonRequest: { name: 'Followed person' } as never })).data?.id) },
      { list: (id: number) => org.getOrganizationFollowers({ id }), add: (id: number, user_id: number) => org.addOrganizationFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => org.deleteOrganizationFollower({ id, follower_id }), id: Number((await org.addOrganization({ AddOrganizationRequest: { name: 'Followed org' } as never })).data?.id) },
      { list: (id: number) => deals.getDealFollowers({ id }), add: (id: number, user_id: number) => deals.addDealFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => deals.deleteDealFollower({ id, follower_id }), id: Number((await deals.addDeal({ AddDealRequest: { title: 'Followed deal' } })).data?.id) },
      { list: (id: number) => products.getProductFollowers({ id }), add: (id: number, user_id: number) => products.addProductFollower({ id, AddDealFollowerRequest: { user_id } }), remove: (id: number, follower_id: number) => products.deleteProductFollower({ id, follower_id }), id: product },
    ];
    for (const f of sets) {
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([1]);
      const added = await f.add(f.id, other);
      expect(added.data?.user_id).toBe(other);
      expect(added.data?.add_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(await failure(f.add(f.id, other))).toMatchObject({ success: false });
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([1, other]);
      expect((await f.remove(f.id, 1)).data).toEqual({ user_id: 1 });
      expect((await f.list(f.id)).data?.map((x) => x.user_id)).toEqual([other]);
      expect(await failure(f.remove(f.id, 1))).toMatchObject({ success: false, error: 'Follower not found' });
    }
    expect(await failure(person.getPersonFollowers({ id: 987_654 }))).toMatchObject({ success: false, error: 'Person not found' });
  });

  it('adds an activity type, updates it and deletes it (it stays listed, inactive)', async () => {
    await roomForCalls();
    const api = new v1.ActivityTypesApi(c1);
    const made = (await api.addActivityType({ AddActivityTypeRequest: { name: 'Demo call', icon_key: 'presentation', color: '00A1E0' } as never })).data;
    expect(made).toMatchObject({ name: 'Demo call', key_string: 'demo_call', icon_key: 'presentation', is_custom_flag: true, active_flag: true });
    const id = Number(made?.id);
    expect((await api.updateActivityType({ id, UpdateActivityTypeRequest: { name: 'Product demo', icon_key: 'camera' } as never })).data).toMatchObject({ id, name: 'Product demo', icon_key: 'camera', key_string: 'demo_call' });
    expect((await api.deleteActivityType({ id })).data).toMatchObject({ id, active_flag: false });
    expect((await api.getActivityTypes()).data?.find((t) => t.id === id)?.active_flag).toBe(false);
    expect(await failure(api.addActivityType({ AddActivityTypeRequest: { name: 'No icon', icon_key: 'unicorn' } as never }))).toMatchObject({ success: false });
  });

  it('v1 field update renames and replaces the option list (kept ids, new labels, left-out options deleted); v2 deletes options', async () => {
    await roomForCalls();
    const cases = [
      { v1api: new v1.PersonFieldsApi(c1), v2api: new v2.PersonFieldsApi(c2), entity: 'person' as const },
      { v1api: new v1.OrganizationFieldsApi(c1), v2api: new v2.OrganizationFieldsApi(c2), entity: 'organization' as const },
      { v1api: new v1.DealFieldsApi(c1), v2api: new v2.DealFieldsApi(c2), entity: 'deal' as const },
    ];
    for (const { entity } of cases) {
      const def = sim.state.addCustomField(entity, { name: `Tier of ${entity}`, field_type: 'enum', options: ['Gold', 'Silver', 'Bronze'] });
      const [gold, silver] = def.options ?? [];
      const v1Update = (id: number, body: unknown) =>
        entity === 'person'
          ? new v1.PersonFieldsApi(c1).updatePersonField({ id, UpdateFieldRequest: body as never })
          : entity === 'organization'
            ? new v1.OrganizationFieldsApi(c1).updateOrganizationField({ id, UpdateFieldRequest: body as never })
            : new v1.DealFieldsApi(c1).updateDealField({ id, UpdateFieldRequest: body as never });
      const updated = (await v1Update(def.id, { name: `Customer tier (${entity})`, options: [{ id: gold.id, label: 'Platinum' }, { id: silver.id, label: 'Silver' }, { label: 'Copper' }] })).data;
      expect(updated?.name).toBe(`Customer tier (${entity})`);
      expect(updated?.options?.map((o) => (o as { label: string }).label)).toEqual(['Platinum', 'Silver', 'Copper']);
      expect(updated?.options?.map((o) => (o as { id: number }).id).slice(0, 2)).toEqual([gold.id, silver.id]);
      const v2Delete = (field_code: string, ids: number[]) => {
        const body = ids.map((id) => ({ id }));
        return entity === 'person'
          ? new v2.PersonFieldsApi(c2).deletePersonFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body })
          : entity === 'organization'
            ? new v2.OrganizationFieldsApi(c2).deleteOrganizationFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body })
            : new v2.DealFieldsApi(c2).deleteDealFieldOptions({ field_code, DeleteDealFieldOptionsRequestInner: body });
      };
      const removed = await v2Delete(def.key, [silver.id]);
      expect((removed as { data: { id: number; label: string }[] }).data).toEqual([{ id: silver.id, label: 'Silver' }]);
      expect(sim.state.fieldDef(entity, def.key)?.options?.map((o) => o.label)).toEqual(['Platinum', 'Copper']);
      expect(await failure(v2Delete(def.key, [silver.id]))).toMatchObject({ success: false });
    }
    const system = sim.state.fields.person.find((f) => f.key === 'name');
    expect(await failure(new v1.PersonFieldsApi(c1).updatePersonField({ id: Number(system?.id), UpdateFieldRequest: { name: 'Full name' } }))).toMatchObject({ success: false });
  });
});

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

describe('§5.4 webhook ban, §3.7 itemSearch through the SDK', () => {
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

describe('every implemented operation once, over HTTP (for the published-description check below)', () => {
  // Like any client of Pipedrive, the sweep waits out the burst limit (§6.3) instead of failing on it.
  const call = async (method: string, path: string, body?: unknown) => {
    let res: Response;
    for (;;) {
      res =
        body === undefined
          ? await fetch(`${sim.url}${path}`, { method, headers: { 'x-api-token': sim.token } })
          : await raw(path, { method, body: JSON.stringify(body) });
      if (res.status !== 429) break;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? res.headers.get('x-ratelimit-reset') ?? 1) * 1000));
    }
    const json = (await res.json()) as { data?: Record<string, unknown> | null };
    expect(res.status, `${method} ${path}: ${JSON.stringify(json).slice(0, 200)}`).toBeLessThan(300);
    return json.data as Record<string, unknown>;
  };

  it('entities v2 and legacy v1, searches, notes, users, catalogue, webhooks, changelog and flow', async () => {
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
    const note = await call('POST', '/v1/notes', { content: 'Sweep note', person_id: 1 });
    await call('GET', '/v1/notes?limit=2');
    await call('GET', `/v1/notes/${note.id}`);
    await call('PUT', `/v1/notes/${note.id}`, { content: 'Sweep note 2' });
    await call('DELETE', `/v1/notes/${note.id}`);
    await call('GET', '/v1/recents?since_timestamp=2020-01-01%2000:00:00');
    for (const p of ['/v1/users', '/v1/users/me', '/v1/users/1', '/v1/activityTypes', '/api/v2/pipelines', '/api/v2/pipelines/1', '/api/v2/stages', '/api/v2/stages/1', '/api/v2/deals/archived', '/api/v2/deals/products?deal_ids=1']) await call('GET', p);
    const hook = await call('POST', '/v1/webhooks', { subscription_url: 'http://127.0.0.1:9/sweep', event_action: '*', event_object: '*', version: '2.0' });
    await call('GET', '/v1/webhooks');
    await call('DELETE', `/v1/webhooks/${hook.id}`);
    for (const plural of ['persons', 'organizations', 'deals']) {
      await call('GET', `/v1/${plural}/1/changelog`);
      await call('GET', `/v1/${plural}/1/flow`);
    }
  });

  it('field APIs of persons, organizations and deals, v1 and v2', async () => {
    for (const path of ['personFields', 'organizationFields', 'dealFields']) {
      const v1Fields = (await call('GET', `/v1/${path}`)) as unknown as { id: number }[];
      await call('GET', `/v1/${path}/${v1Fields[0].id}`);
      const v1Made = await call('POST', `/v1/${path}`, { name: 'Sweep v1 field', field_type: 'varchar' });
      await call('DELETE', `/v1/${path}/${v1Made.id}`);
      await call('GET', `/api/v2/${path}`);
      const made = await call('POST', `/api/v2/${path}`, { field_name: 'Sweep field', field_type: 'enum', options: [{ label: 'One' }] });
      await call('GET', `/api/v2/${path}/${made.field_code}`);
      await call('PATCH', `/api/v2/${path}/${made.field_code}`, { field_name: 'Sweep field 2' });
      const added = (await call('POST', `/api/v2/${path}/${made.field_code}/options`, [{ label: 'Two' }])) as unknown as { id: number }[];
      await call('PATCH', `/api/v2/${path}/${made.field_code}/options`, [{ id: added[0].id, label: 'Deux' }]);
      await call('DELETE', `/api/v2/${path}/${made.field_code}`);
    }
  });
});

// Last in the file: it reads the answers of every test above.
describe("Pipedrive's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema', () => {
    const report = checkAnswers(PIPEDRIVE_SPEC, answers, PIPEDRIVE_SPEC_ALLOWANCES, specPath);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(100);
    // outside Pipedrive's paths: the control API, the record page, and the unknown paths probed above
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([
      'GET /_sim/stats',
      'GET /nowhere',
      'GET /ui/persons',
      'GET /v1/anything',
      'GET /v2/persons',
      'POST /_sim/faults',
      'POST /_sim/rep-edit',
    ]);
    // every operation the simulator implements answered at least once above
    expect(Object.keys(PIPEDRIVE_SPEC.operations).filter((op) => !report.operations.has(op))).toEqual([]);
  });
});
