/**
 * Conformance of the HubSpot simulator: records one at a time and in batch, validation, history and rep edits, merges and owners, driven only through `@hubspot/api-client` 14.0.1
 * (as the connector and any user would). Each quirk cites its section of docs/reference/hubspot.md;
 * the suites, their shared setup and the operations each answers for are in spec/suite.ts.
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import type { GroundTruth, RunningHubspotSimulator } from './index.js';
import { failure, checkSuite, startConformanceSimulator } from './spec/suite.js';

let sim: RunningHubspotSimulator;
let hs: Client;
/** Every answer the simulator gave in this file, checked against HubSpot's published spec at the end. */
const answers: SimAnswer[] = [];

beforeAll(async () => {
  sim = await startConformanceSimulator(answers);
  // numberOfApiCallRetries 1 = exactly one call, no retry (§11.2).
  hs = new Client({ accessToken: sim.token, basePath: sim.url, numberOfApiCallRetries: 1 });
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe('transport and auth (§0, §1)', () => {
  it('answers a bad token with HubSpot 401 body', async () => {
    const bad = new Client({
      accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000',
      basePath: sim.url,
      numberOfApiCallRetries: 1,
    });
    const e = await failure(bad.crm.contacts.basicApi.getPage(1));
    expect(e.code).toBe(401);
    expect(e.body.category).toBe('INVALID_AUTHENTICATION');
    expect(String(e.body.message)).toMatch(/^Authentication credentials not found/);
    expect(sim.token).toMatch(/^pat-na1-/);
  });

  it('sends the rate-limit headers on non-search answers (§9.2)', async () => {
    const res = await hs.apiRequest({ method: 'GET', path: '/crm/v3/objects/contacts?limit=1' });
    expect(res.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('190');
    expect(res.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(Number(res.headers.get('x-hubspot-ratelimit-remaining'))).toBeLessThan(190);
    const search = await hs.apiRequest({
      method: 'POST',
      path: '/crm/v3/objects/contacts/search',
      body: { limit: 1 },
    });
    expect(search.headers.get('x-hubspot-ratelimit-max')).toBeNull();
  });
});

describe('objects (§2, §3)', () => {
  it('lists with after paging until paging is absent, and getAll reads everything', async () => {
    const page = await hs.crm.contacts.basicApi.getPage(50);
    expect(page.results).toHaveLength(50);
    expect(page.paging?.next?.after).toBeTruthy();
    // Default properties plus the three system ones (§2.2).
    expect(Object.keys(page.results[0].properties).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
    const all = await hs.crm.contacts.getAll(100);
    expect(all.length).toBe(sim.state.records.contacts.size);
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
  });

  it('creates (201), reads by id and by email, patches, archives (204) and 404s', async () => {
    const created = await hs.crm.contacts.basicApi.create({
      properties: { email: 'Jane.Roe@Example.com', firstname: 'Jane', lastname: 'Roe' },
      associations: [],
    });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties.hs_object_id).toBe(created.id);
    const byEmail = await hs.crm.contacts.basicApi.getById(
      'jane.roe@example.com',
      ['email', 'phone'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(byEmail.id).toBe(created.id);
    // Requested-but-empty comes back as null (§2.3).
    expect(byEmail.properties.phone).toBeNull();
    const patched = await hs.crm.contacts.basicApi.update(created.id, {
      properties: { jobtitle: 'CFO', lifecyclestage: 'opportunity' },
    });
    expect(patched.properties.jobtitle).toBe('CFO');
    expect(patched.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    await hs.crm.contacts.basicApi.archive(created.id);
    const e = await failure(hs.crm.contacts.basicApi.getById(created.id));
    expect(e.code).toBe(404);
    expect(e.body.category).toBe('OBJECT_NOT_FOUND');
    const archived = await hs.crm.contacts.basicApi.getPage(
      100,
      undefined,
      ['email'],
      undefined,
      undefined,
      true,
    );
    expect(archived.results.map((r) => r.id)).toContain(created.id);
  });

  it('refuses a second contact with an existing email, in any case, naming the existing id (§6)', async () => {
    const first = await hs.crm.contacts.basicApi.create({
      properties: { email: 'dup.check@example.org' },
      associations: [],
    });
    const e = await failure(
      hs.crm.contacts.basicApi.create({ properties: { email: 'DUP.CHECK@example.org' }, associations: [] }),
    );
    expect(e.code).toBe(409);
    expect(e.body).toMatchObject({
      category: 'CONFLICT',
      message: `Contact already exists. Existing ID: ${first.id}`,
    });
  });

  it('keeps the seeded import duplicates: the same person twice, email in another case (§6)', () => {
    const truth = sim.groundTruth() as GroundTruth;
    expect(truth.world.duplicates.length).toBeGreaterThan(0);
    const [a, b] = truth.world.duplicates[0];
    const ca = truth.contacts.find((c) => c.worldId === a);
    const cb = truth.contacts.find((c) => c.worldId === b);
    expect(ca?.id).not.toBe(cb?.id);
  });

  it('companies are not deduplicated by domain (§6)', async () => {
    const a = await hs.crm.companies.basicApi.create({
      properties: { name: 'Twin A', domain: 'twin-example.com' },
      associations: [],
    });
    const b = await hs.crm.companies.basicApi.create({
      properties: { name: 'Twin B', domain: 'twin-example.com' },
      associations: [],
    });
    expect(a.id).not.toBe(b.id);
  });
});

describe('validation errors (§5.5)', () => {
  const firstContact = () => [...sim.state.records.contacts.values()][0].id.toString();

  it('rejects an invalid enumeration option with the JSON-in-message body', async () => {
    const e = await failure(
      hs.crm.contacts.basicApi.update(firstContact(), { properties: { lifecyclestage: 'hot' } }),
    );
    expect(e.code).toBe(400);
    expect(e.body.category).toBe('VALIDATION_ERROR');
    const msg = String(e.body.message);
    expect(msg.startsWith('Property values were not valid: ')).toBe(true);
    const inner = JSON.parse(msg.slice('Property values were not valid: '.length));
    expect(inner[0]).toMatchObject({ isValid: false, error: 'INVALID_OPTION', name: 'lifecyclestage' });
    expect(inner[0].message).toMatch(/^hot was not one of the allowed options: \[subscriber, lead/);
    expect(e.body.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_OPTION', context: { propertyName: ['lifecyclestage'] } }),
    ]);
  });

  it('rejects a bad number, exponent notation included', async () => {
    const deal = [...sim.state.records.deals.values()][0].id.toString();
    const e = await failure(
      hs.crm.deals.basicApi.update(deal, { properties: { amount: '1.4210854715202004e-14' } }),
    );
    expect(e.code).toBe(400);
    expect(String(e.body.message)).toContain('1.4210854715202004e-14 was not a valid number.');
    expect(String(e.body.message)).toContain('"error":"INVALID_INTEGER"');
  });

  it('rejects a date that is not midnight UTC, accepts YYYY-MM-DD and midnight ms (§5.4)', async () => {
    await hs.crm.properties.coreApi.create('contacts', {
      name: 'renewal_date',
      label: 'Renewal date',
      type: 'date' as never,
      fieldType: 'date' as never,
      groupName: 'contactinformation',
    });
    const id = firstContact();
    const e = await failure(
      hs.crm.contacts.basicApi.update(id, { properties: { renewal_date: '1606768561954' } }),
    );
    expect(e.code).toBe(400);
    expect(String(e.body.message)).toContain('1606768561954 is at 20:36:1.954 UTC, not midnight!');
    const ok = await hs.crm.contacts.basicApi.update(id, {
      properties: { renewal_date: String(Date.UTC(2026, 11, 1)) },
    });
    expect(ok.properties.renewal_date).toBe('2026-12-01');
  });

  it('rejects an unknown property and whitespace around an enumeration value', async () => {
    const e = await failure(
      hs.crm.contacts.basicApi.update(firstContact(), { properties: { missing: 'x' } }),
    );
    expect(String(e.body.message)).toContain('PROPERTY_DOESNT_EXIST');
    const w = await failure(
      hs.crm.contacts.basicApi.update(firstContact(), { properties: { lifecyclestage: ' lead' } }),
    );
    expect(String(w.body.message)).toContain('LEADING_TRAILING_WHITESPACE');
  });
});

describe('batch (§3.7)', () => {
  it('reads up to 100; missing ids come back as 207 OBJECT_NOT_FOUND', async () => {
    const ids = [...sim.state.records.contacts.values()].slice(0, 3).map((r) => ({ id: String(r.id) }));
    const res = await hs.crm.contacts.batchApi.read({
      inputs: [...ids, { id: '999999999' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });
    expect(res.results).toHaveLength(3);
    const withErrors = res as unknown as {
      numErrors: number;
      errors: { category: string; message: string; context: { ids: string[] } }[];
    };
    expect(withErrors.numErrors).toBe(1);
    expect(withErrors.errors[0]).toMatchObject({
      category: 'OBJECT_NOT_FOUND',
      context: { ids: ['999999999'] },
    });
    expect(withErrors.errors[0].message).toMatch(/^Could not get some CONTACT objects/);
  });

  it('refuses more than 100 inputs', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: String(51 + i) }));
    const e = await failure(
      hs.crm.contacts.batchApi.read({ inputs, properties: ['email'], propertiesWithHistory: [] }),
    );
    expect(e.code).toBe(400);
    expect(e.body.category).toBe('VALIDATION_ERROR');
  });

  it('creates and updates in batch; one bad input fails the whole batch unless trace ids are given', async () => {
    const created = await hs.crm.companies.batchApi.create({
      inputs: [
        { properties: { name: 'Batch One' }, associations: [] },
        { properties: { name: 'Batch Two' }, associations: [] },
      ],
    });
    expect(created.results).toHaveLength(2);
    const [a, b] = created.results.map((r) => r.id);
    const whole = await failure(
      hs.crm.companies.batchApi.update({
        inputs: [
          { id: a, properties: { numberofemployees: '12' } },
          { id: b, properties: { numberofemployees: 'twelve' } },
        ],
      }),
    );
    expect(whole.code).toBe(400);
    expect(sim.state.get('companies', Number(a))?.props.numberofemployees).toBeUndefined();
    const traced = await hs.crm.companies.batchApi.update({
      inputs: [
        { id: a, properties: { numberofemployees: '12' }, objectWriteTraceId: 't-a' },
        { id: b, properties: { numberofemployees: 'twelve' }, objectWriteTraceId: 't-b' },
      ],
    });
    expect(traced.results.map((r) => r.id)).toEqual([a]);
    const errs = (
      traced as unknown as { errors: { category: string; context: { objectWriteTraceId: string[] } }[] }
    ).errors;
    expect(errs[0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['t-b'] } });
  });

  it('refuses batch update keyed by email (§6)', async () => {
    const e = await failure(
      hs.crm.contacts.batchApi.update({
        inputs: [{ id: 'a@b.com', idProperty: 'email', properties: { firstname: 'x' } }],
      }),
    );
    expect(String(e.body.message)).toBe('Unable to perform update/upsert by non-unique 0-1 property');
  });
});

describe('history and rep edits (§2.4)', () => {
  it('API writes are INTEGRATION with the app id; rep edits are CRM_UI with the user id, newest first', async () => {
    const id = String([...sim.state.records.contacts.values()][5].id);
    await hs.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Head of Data' } });
    await sim.repEdit({ object: 'contacts', id, fields: { jobtitle: 'VP Data' }, userId: '9104201' });
    const got = await hs.crm.contacts.basicApi.getById(id, undefined, ['jobtitle']);
    const h = got.propertiesWithHistory?.jobtitle ?? [];
    expect(h[0]).toMatchObject({
      value: 'VP Data',
      sourceType: 'CRM_UI',
      sourceId: 'userId:9104201',
      updatedByUserId: 9104201,
    });
    expect(h[1]).toMatchObject({
      value: 'Head of Data',
      sourceType: 'INTEGRATION',
      sourceId: String(sim.appId),
    });
    expect(h[2]?.sourceType).toBe('IMPORT');
    // propertiesWithHistory alone: the history props plus the system ones (§2.2).
    expect(Object.keys(got.properties).sort()).toEqual([
      'createdate',
      'hs_object_id',
      'jobtitle',
      'lastmodifieddate',
    ]);
    expect(sim.stats().humanWrites).toBeGreaterThan(0);
  });

  it('the control API edits as a rep over HTTP and the record page marks AI-written fields and shows the timeline', async () => {
    const id = String([...sim.state.records.contacts.values()][6].id);
    const res = await fetch(`${sim.url}/_sim/rep-edit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object: 'contacts', id, fields: { city: 'Lyon' } }),
    });
    expect(res.status).toBe(200);
    await hs.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Scored' } });
    await hs.crm.objects.notes.basicApi.create({
      properties: { hs_timestamp: new Date().toISOString(), hs_note_body: 'Intent: high' },
      associations: [
        { to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 202 }] },
      ],
    });
    const html = await (await fetch(`${sim.url}/ui/contacts/${id}`)).text();
    expect(html).toMatch(/Job Title<\/th><td>Scored <span class="ai"/);
    expect(html).toMatch(/City<\/th><td>Lyon <\/td>/);
    expect(html).toContain('Intent: high');
  });

  it('record pages exist for companies and deals, with their timeline; unknown records are 404', async () => {
    const deal = [...sim.state.records.deals.values()].find(
      (d) =>
        sim.state.associations('deals', d.id, 'tasks').length > 0 ||
        sim.state.associations('deals', d.id, 'notes').length > 0,
    );
    expect(deal).toBeDefined();
    const dealHtml = await (await fetch(`${sim.url}/ui/deals/${deal?.id}`)).text();
    expect(dealHtml).toContain(String(deal?.props.dealname).replace(/&/g, '&amp;'));
    expect(dealHtml).not.toContain('Nothing yet.');
    const company = [...sim.state.records.companies.values()][0];
    const res = await fetch(`${sim.url}/ui/companies/${company.id}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Company Domain Name');
    expect((await fetch(`${sim.url}/ui/contacts/1`)).status).toBe(404);
  });
});

describe('merges, lifecycle stages, batch upsert and owners through the official client (§3, §5)', () => {
  it('moves lifecyclestage only forward through the API unless cleared first (§5.5)', async () => {
    const c = await hs.crm.contacts.basicApi.create({ properties: { email: 'stage@forward.example', lifecyclestage: 'opportunity' }, associations: [] });
    const back = await hs.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'lead' } });
    expect(back.properties.lifecyclestage).toBe('opportunity');
    await hs.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: '' } });
    const again = await hs.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'lead' } });
    expect(again.properties.lifecyclestage).toBe('lead');
    expect((await hs.crm.contacts.basicApi.update(c.id, { properties: { lifecyclestage: 'customer' } })).properties.lifecyclestage).toBe('customer');
  });

  it('upserts and archives in batch; reads one owner with its type', async () => {
    const up = await hs.crm.contacts.batchApi.upsert({ inputs: [{ id: 'upsert@batch.example', idProperty: 'email', properties: { firstname: 'Up' } }] });
    expect(up.results).toHaveLength(1);
    await hs.crm.contacts.batchApi.archive({ inputs: [{ id: up.results[0].id }] });
    expect((await failure(hs.crm.contacts.basicApi.getById(up.results[0].id))).code).toBe(404);
    const owners = await hs.crm.owners.ownersApi.getPage();
    const one = await hs.crm.owners.ownersApi.getById(Number(owners.results[0].id));
    expect(one).toMatchObject({ id: owners.results[0].id, type: 'PERSON' });
  });

  it('merges two contacts: the primary keeps its id and values, takes the missing ones, the e-mail and the associations; the other is archived', async () => {
    const primary = await hs.crm.contacts.basicApi.create({ properties: { email: 'keep@merge.example', firstname: 'Kept' }, associations: [] });
    const other = await hs.crm.contacts.basicApi.create({ properties: { email: 'gone@merge.example', firstname: 'Gone', jobtitle: 'CTO' }, associations: [] });
    const company = await hs.crm.companies.basicApi.create({ properties: { name: 'Merge Co' }, associations: [] });
    await hs.crm.associations.v4.basicApi.createDefault('contacts', other.id, 'companies', company.id);
    const merged = await hs.crm.contacts.basicApi.merge({ primaryObjectId: primary.id, objectIdToMerge: other.id });
    expect(merged.id).toBe(primary.id);
    expect(merged.properties).toMatchObject({ email: 'keep@merge.example', firstname: 'Kept', jobtitle: 'CTO', hs_additional_emails: 'gone@merge.example', hs_merged_object_ids: other.id });
    expect((await failure(hs.crm.contacts.basicApi.getById(other.id))).code).toBe(404);
    expect((await hs.crm.contacts.basicApi.getById('gone@merge.example', undefined, undefined, undefined, false, 'email')).id).toBe(primary.id);
    const assoc = await hs.crm.associations.v4.basicApi.getPage('contacts', primary.id, 'companies');
    expect(assoc.results.map((r) => String(r.toObjectId))).toEqual([company.id]);
    expect((await failure(hs.crm.contacts.basicApi.merge({ primaryObjectId: primary.id, objectIdToMerge: other.id }))).code).toBe(404);
    expect((await failure(hs.crm.contacts.basicApi.merge({ primaryObjectId: primary.id, objectIdToMerge: primary.id }))).code).toBe(400);
  });

  it('merges companies and deals through their own clients', async () => {
    const [a, b] = (await hs.crm.companies.batchApi.create({ inputs: [{ properties: { name: 'Merge A' }, associations: [] }, { properties: { name: 'Merge B', city: 'Lyon' }, associations: [] }] })).results;
    const c = await hs.crm.companies.basicApi.merge({ primaryObjectId: a.id, objectIdToMerge: b.id });
    expect(c.properties).toMatchObject({ name: 'Merge A', city: 'Lyon', hs_merged_object_ids: b.id });
    const d1 = await hs.crm.deals.basicApi.create({ properties: { dealname: 'Merge deal 1', dealstage: 'appointmentscheduled' }, associations: [] });
    const d2 = await hs.crm.deals.basicApi.create({ properties: { dealname: 'Merge deal 2', dealstage: 'appointmentscheduled', amount: '900' }, associations: [] });
    const d = await hs.crm.deals.basicApi.merge({ primaryObjectId: d1.id, objectIdToMerge: d2.id });
    expect(d.properties).toMatchObject({ dealname: 'Merge deal 1', amount: '900', hs_merged_object_ids: d2.id });
    expect((await failure(hs.crm.deals.basicApi.getById(d2.id))).code).toBe(404);
  });

  it('lists owners (/crm/v3/owners)', async () => {
    const owners = await hs.crm.owners.ownersApi.getPage();
    expect(owners.results.length).toBe(sim.state.owners.filter((o) => !o.archived).length);
    expect(owners.results[0]).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      email: expect.stringContaining('@'),
    });
  });
});

// Last in the file: it reads the answers of every test above.
describe("HubSpot's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema; every operation of the suite answered', () => {
    const { report, unanswered } = checkSuite('objects', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(50);
    // only the control API and the record pages are outside HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([
      'GET /ui/companies',
      'GET /ui/contacts',
      'GET /ui/deals',
      'POST /_sim/rep-edit',
    ]);
    expect(unanswered).toEqual([]);
  });
});
