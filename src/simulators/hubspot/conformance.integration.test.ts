/**
 * Conformance of the HubSpot simulator, driven only through `@hubspot/api-client` 14.0.1 (as the
 * connector and any user would). Each quirk cites its section of docs/reference/hubspot.md.
 */
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimAnswer, checkAnswers } from '../conformance.js';
import { type GroundTruth, type RunningHubspotSimulator, startHubspotSimulator } from './index.js';
import { HUBSPOT_SPEC, HUBSPOT_SPEC_ALLOWANCES, specPath } from './spec/index.js';

let sim: RunningHubspotSimulator;
let hs: Client;
/** Every answer the simulator gave in this file, checked against HubSpot's published spec at the end. */
const answers: SimAnswer[] = [];

interface ApiError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  // The 5/s search limit is raised here; its own test below runs at the real value (§4.4).
  sim = await startHubspotSimulator({
    records: 120,
    seed: 7,
    clientSecret: 'test-secret',
    searchPerSecond: 100,
    onAnswer: (a) => answers.push(a),
  });
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

describe('search (§4)', () => {
  it('filters with AND inside a group and OR across groups, sorts, pages with an integer after', async () => {
    const res = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'customer' }] },
        { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'lead' }] },
      ],
      sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' } as never],
      properties: ['lifecyclestage', 'createdate'],
      limit: 5,
      after: '0',
    });
    expect(res.total).toBeGreaterThan(5);
    expect(res.paging?.next?.after).toBe('5');
    for (const r of res.results) expect(['customer', 'lead']).toContain(r.properties.lifecyclestage);
    const dates = res.results.map((r) => r.properties.createdate as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('EQ on strings is case-insensitive; IN needs lower-case; secondary emails are searchable', async () => {
    const withExtra = [...sim.state.records.contacts.values()].find(
      (r) => r.props.hs_additional_emails && r.props.email,
    );
    expect(withExtra).toBeDefined();
    const rec = withExtra as NonNullable<typeof withExtra>;
    const eq = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'email', operator: 'EQ' as never, value: rec.props.email.toUpperCase() }],
        },
      ],
      limit: 10,
      after: '0',
      sorts: [],
      properties: ['email'],
    });
    expect(eq.results.map((r) => r.id)).toContain(String(rec.id));
    const extra = rec.props.hs_additional_emails.split(';')[0].toLowerCase();
    const inn = await hs.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_additional_emails', operator: 'IN' as never, values: [extra] }] },
      ],
      limit: 10,
      after: '0',
      sorts: [],
      properties: ['email'],
    });
    expect(inn.results.map((r) => r.id)).toContain(String(rec.id));
  });

  it('supports HAS_PROPERTY, NOT_HAS_PROPERTY, GT on dates as epoch ms, CONTAINS_TOKEN with a wildcard', async () => {
    const ops = async (filters: unknown[]) =>
      (
        await hs.crm.contacts.searchApi.doSearch({
          filterGroups: [{ filters: filters as never }],
          limit: 200,
          after: '0',
          sorts: [],
          properties: ['email', 'phone', 'createdate'],
        })
      ).results;
    const has = await ops([{ propertyName: 'phone', operator: 'HAS_PROPERTY' }]);
    const hasNot = await ops([{ propertyName: 'phone', operator: 'NOT_HAS_PROPERTY' }]);
    expect(has.length + hasNot.length).toBe(
      [...sim.state.records.contacts.values()].filter((r) => r.archivedAt === null).length,
    );
    const cutoff = Date.UTC(2026, 0, 1);
    for (const r of await ops([{ propertyName: 'createdate', operator: 'GT', value: String(cutoff) }]))
      expect(Date.parse(r.properties.createdate as string)).toBeGreaterThan(cutoff);
    const domain = (has[0].properties.email ?? 'x@vanderberg.com').split('@')[1];
    const tok = await ops([{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: `*@${domain}` }]);
    expect(tok.length).toBeGreaterThan(0);
    for (const r of tok) expect(r.properties.email?.toLowerCase().endsWith(`@${domain}`)).toBe(true);
  });

  it('refuses limit > 200 and too many filters', async () => {
    const e = await failure(
      hs.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        limit: 201,
        after: '0',
        sorts: [],
        properties: [],
      }),
    );
    expect(e.code).toBe(400);
    const filters = Array.from({ length: 7 }, () => ({
      propertyName: 'email',
      operator: 'HAS_PROPERTY' as never,
    }));
    const f = await failure(
      hs.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters }],
        limit: 1,
        after: '0',
        sorts: [],
        properties: [],
      }),
    );
    expect(f.code).toBe(400);
  });
});

describe('properties (§5)', () => {
  it('lists, gets and creates with type, fieldType and options', async () => {
    const all = await hs.crm.properties.coreApi.getAll('contacts');
    const life = all.results.find((p) => p.name === 'lifecyclestage');
    expect(life).toMatchObject({ type: 'enumeration', fieldType: 'radio' });
    expect(life?.options.map((o) => o.value)).toContain('salesqualifiedlead');
    const created = await hs.crm.properties.coreApi.create('contacts', {
      name: 'ai_intent',
      label: 'AI intent',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'contactinformation',
      options: [
        { label: 'High', value: 'high', hidden: false, displayOrder: 0 },
        { label: 'Low', value: 'low', hidden: false, displayOrder: 1 },
      ],
    });
    expect(created.name).toBe('ai_intent');
    const got = await hs.crm.properties.coreApi.getByName('contacts', 'ai_intent');
    expect(got.options.map((o) => o.value)).toEqual(['high', 'low']);
    const dup = await failure(
      hs.crm.properties.coreApi.create('contacts', {
        name: 'ai_intent',
        label: 'x',
        type: 'string' as never,
        fieldType: 'text' as never,
        groupName: 'contactinformation',
      }),
    );
    expect(dup.code).toBe(409);
    const badPair = await failure(
      hs.crm.properties.coreApi.create('contacts', {
        name: 'ai_bad',
        label: 'x',
        type: 'number' as never,
        fieldType: 'select' as never,
        groupName: 'contactinformation',
      }),
    );
    expect(badPair.code).toBe(400);
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

describe('associations v4 and activities (§7)', () => {
  it('creates default and labelled associations, reads them back one by one and in batch', async () => {
    const contact = await hs.crm.contacts.basicApi.create({
      properties: { email: 'assoc@example.net' },
      associations: [],
    });
    const company = await hs.crm.companies.basicApi.create({
      properties: { name: 'Assoc Inc' },
      associations: [],
    });
    await hs.crm.associations.v4.basicApi.createDefault('contacts', contact.id, 'companies', company.id);
    const labelled = await hs.crm.associations.v4.basicApi.create(
      'contacts',
      contact.id,
      'companies',
      company.id,
      [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 1 }],
    );
    expect(labelled.labels).toEqual(['Primary']);
    const page = await hs.crm.associations.v4.basicApi.getPage('companies', company.id, 'contacts');
    expect(page.results).toHaveLength(1);
    expect(String(page.results[0].toObjectId)).toBe(contact.id);
    expect(page.results[0].associationTypes.map((t) => t.typeId).sort()).toEqual([2, 280]);
    const batch = await hs.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
      inputs: [{ id: contact.id }],
    });
    expect(batch.results[0].to.map((t) => String(t.toObjectId))).toEqual([company.id]);
    const deal = await hs.crm.deals.basicApi.create({
      properties: { dealname: 'Assoc deal', dealstage: 'contractsent', amount: '1500.00' },
      associations: [
        {
          to: { id: contact.id },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 3 }],
        },
      ],
    });
    expect(deal.properties.pipeline).toBe('default');
    const fromContact = await hs.crm.contacts.basicApi.getById(contact.id, undefined, undefined, [
      'deals',
      'companies',
    ]);
    expect(fromContact.associations?.deals?.results.map((r) => r.id)).toEqual([deal.id]);
    expect(fromContact.associations?.companies?.results.map((r) => r.type)).toEqual([
      'contact_to_company',
      'contact_to_company_unlabeled',
    ]);
  });

  it('creates a task on a deal; missing hs_timestamp is refused (§7.4)', async () => {
    const deal = String([...sim.state.records.deals.values()][0].id);
    const task = await hs.crm.objects.tasks.basicApi.create({
      properties: {
        hs_timestamp: '2026-12-01T09:00:00Z',
        hs_task_subject: 'Call back',
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
      },
      associations: [
        {
          to: { id: deal },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 216 }],
        },
      ],
    });
    expect(task.properties.hs_timestamp).toBe('2026-12-01T09:00:00.000Z');
    const e = await failure(
      hs.crm.objects.notes.basicApi.create({ properties: { hs_note_body: 'no time' }, associations: [] }),
    );
    expect(e.code).toBe(400);
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

describe('scale, limits and faults (§4.1, §9, §11.2)', () => {
  it('pages past 10,000 records with list; search refuses paging past the 10,000th result', async () => {
    const big = await startHubspotSimulator({ records: 10, seed: 3 });
    try {
      const at = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 10_050; i++)
        big.state.create(
          'contacts',
          { email: `bulk${i}@bulk.example`, lifecyclestage: 'lead' },
          { sourceType: 'IMPORT' },
          { at: at + i, unique: false },
        );
      const c = new Client({ accessToken: big.token, basePath: big.url, numberOfApiCallRetries: 1 });
      const all = await c.crm.contacts.getAll(100, undefined, ['email']);
      expect(all.length).toBe(big.state.records.contacts.size);
      const req = {
        filterGroups: [
          { filters: [{ propertyName: 'lifecyclestage', operator: 'EQ' as never, value: 'lead' }] },
        ],
        limit: 200,
        sorts: [],
        properties: ['email'],
      };
      const last = await c.crm.contacts.searchApi.doSearch({ ...req, after: '9800' });
      expect(last.total).toBeGreaterThan(10_000);
      expect(last.paging).toBeUndefined();
      const e = await failure(c.crm.contacts.searchApi.doSearch({ ...req, after: '10000' }));
      expect(e.code).toBe(400);
    } finally {
      await big.close();
    }
  }, 120_000);

  it('answers the 10-second limit with 429 TEN_SECONDLY_ROLLING, and the SDK retries the search secondly limit', async () => {
    const tight = await startHubspotSimulator({
      records: 10,
      seed: 4,
      rateLimit: { callsPerWindow: 3, windowMs: 10_000 },
    });
    try {
      const c = new Client({ accessToken: tight.token, basePath: tight.url, numberOfApiCallRetries: 1 });
      for (let i = 0; i < 3; i++) await c.crm.contacts.basicApi.getPage(1);
      const e = await failure(c.crm.contacts.basicApi.getPage(1));
      expect(e.code).toBe(429);
      expect(e.body).toMatchObject({
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
        message: 'You have reached your ten_secondly_rolling limit.',
      });
      expect(e.body.category).toBeUndefined();
      expect(e.headers['x-hubspot-ratelimit-remaining']).toBe('0');
      // The SDK retries "secondly limit" 429s after 1 s × attempt (§11.2): 8 searches at 5/s all succeed.
      const retrying = new Client({
        accessToken: tight.token,
        basePath: tight.url,
        numberOfApiCallRetries: 3,
      });
      const req = { filterGroups: [], limit: 1, after: '0', sorts: [], properties: [] };
      const out = await Promise.all(
        Array.from({ length: 8 }, () => retrying.crm.contacts.searchApi.doSearch(req)),
      );
      expect(out).toHaveLength(8);
      expect(tight.stats().rateLimited).toBeGreaterThanOrEqual(2);
    } finally {
      await tight.close();
    }
  }, 30_000);

  it('injects 500s on writes and the SDK retries them', async () => {
    const faulty = await startHubspotSimulator({ records: 10, seed: 5 });
    try {
      faulty.setFaults({ error500: 0.3, seed: 7 });
      const c = new Client({ accessToken: faulty.token, basePath: faulty.url, numberOfApiCallRetries: 6 });
      const id = String([...faulty.state.records.contacts.values()][0].id);
      for (let i = 0; i < 4; i++)
        await c.crm.contacts.basicApi.update(id, { properties: { jobtitle: `T${i}` } });
      expect(faulty.state.get('contacts', Number(id))?.props.jobtitle).toBe('T3');
      expect(faulty.stats().calls['PATCH /crm/v3/objects/:type/:id']).toBeGreaterThanOrEqual(4);
    } finally {
      await faulty.close();
    }
  }, 30_000);
});

describe('properties, groups, owners, associations, webhooks and OAuth through the official client (§5, §7, §8)', () => {
  it('lists property groups (not shadowed by the property route), creates, updates and archives one; a property needs an existing group', async () => {
    const groups = await hs.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('contactinformation');
    const made = await hs.crm.properties.groupsApi.create('contacts', { name: 'inrecord_ai', label: 'inrecord AI', displayOrder: -1 });
    expect(made).toMatchObject({ name: 'inrecord_ai', label: 'inrecord AI', archived: false });
    expect((await hs.crm.properties.groupsApi.update('contacts', 'inrecord_ai', { label: 'AI fields' })).label).toBe('AI fields');
    expect((await hs.crm.properties.groupsApi.getByName('contacts', 'inrecord_ai')).label).toBe('AI fields');
    const noGroup = await failure(hs.crm.properties.coreApi.create('contacts', { name: 'ai_orphan', label: 'Orphan', type: 'string' as never, fieldType: 'text' as never, groupName: 'no_such_group' }));
    expect(noGroup.code).toBe(400);
    expect(String(noGroup.body.message)).toMatch(/no_such_group does not exist/);
    await hs.crm.properties.coreApi.create('contacts', { name: 'ai_summary_g', label: 'AI summary', type: 'string' as never, fieldType: 'text' as never, groupName: 'inrecord_ai' });
    const busy = await failure(hs.crm.properties.groupsApi.archive('contacts', 'inrecord_ai'));
    expect(busy.code).toBe(400);
    const updated = await hs.crm.properties.coreApi.update('contacts', 'ai_summary_g', { label: 'AI account summary', description: 'Written by inrecord' });
    expect(updated).toMatchObject({ name: 'ai_summary_g', label: 'AI account summary', groupName: 'inrecord_ai' });
    await hs.crm.properties.coreApi.archive('contacts', 'ai_summary_g');
    expect((await failure(hs.crm.properties.coreApi.getByName('contacts', 'ai_summary_g'))).code).toBe(404);
    expect((await failure(hs.crm.properties.coreApi.archive('contacts', 'email'))).code).toBe(400);
    await hs.crm.properties.groupsApi.archive('contacts', 'inrecord_ai');
    expect((await failure(hs.crm.properties.groupsApi.getByName('contacts', 'inrecord_ai'))).code).toBe(404);
  });

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

  it('creates associations in batch, removes one, and unassociates in bulk', async () => {
    const contact = (await hs.crm.contacts.basicApi.getPage(2)).results[1].id;
    const companies = (await hs.crm.companies.basicApi.getPage(3)).results.map((r) => r.id);
    const made = await hs.crm.associations.v4.batchApi.create('contacts', 'companies', {
      inputs: companies.map((id) => ({ _from: { id: contact }, to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }] })),
    });
    expect(made.results).toHaveLength(3);
    await hs.crm.associations.v4.basicApi.archive('contacts', contact, 'companies', companies[0]);
    await hs.crm.associations.v4.batchApi.archive('contacts', 'companies', { inputs: [{ _from: { id: contact }, to: [{ id: companies[1] }, { id: companies[2] }] }] });
    const left = await hs.crm.associations.v4.basicApi.getPage('contacts', contact, 'companies');
    expect(left.results.map((r) => String(r.toObjectId))).not.toEqual(expect.arrayContaining([companies[0]]));
    expect(left.results.some((r) => companies.includes(String(r.toObjectId)))).toBe(false);
  });

  it('defines an association label (both directions), associates with it, renames it, removes it from one pair, deletes it', async () => {
    const defs = hs.crm.associations.v4.schema.definitionsApi;
    const before = await defs.getAll('contacts', 'companies');
    expect(before.results.map((t) => [t.category, t.typeId, t.label ?? null])).toEqual([
      ['HUBSPOT_DEFINED', 1, 'Primary'],
      ['HUBSPOT_DEFINED', 279, null],
    ]);
    const made = await defs.create('contacts', 'companies', { name: 'billing_contact', label: 'Billing contact', inverseLabel: 'Billed company' });
    expect(made.results.map((t) => [t.category, t.label])).toEqual([
      ['USER_DEFINED', 'Billing contact'],
      ['USER_DEFINED', 'Billed company'],
    ]);
    const [forward, inverse] = made.results.map((t) => t.typeId);
    expect(new Set([forward, inverse, 1, 2, 279, 280]).size).toBe(6);
    expect((await failure(defs.create('contacts', 'companies', { name: 'billing_contact', label: 'Again' }))).code).toBe(409);
    expect((await defs.getAll('companies', 'contacts')).results.find((t) => t.typeId === inverse)?.label).toBe('Billed company');
    // the same definitions at the path the published spec names
    const specPathList = await (await hs.apiRequest({ method: 'GET', path: '/crm/associations/v4/contacts/companies/labels' })).json();
    expect(specPathList.results.map((t: { typeId: number }) => t.typeId)).toEqual([1, 279, forward]);

    const contact = await hs.crm.contacts.basicApi.create({ properties: { email: 'billing@label.example' }, associations: [] });
    const company = await hs.crm.companies.basicApi.create({ properties: { name: 'Label Ltd' }, associations: [] });
    const linked = await hs.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', company.id, [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }]);
    expect(linked.labels).toEqual(['Billing contact']);
    const back = await hs.crm.associations.v4.basicApi.getPage('companies', company.id, 'contacts');
    const types = back.results[0].associationTypes.map((t) => [t.category, t.typeId, t.label ?? null]);
    expect(types).toHaveLength(2);
    expect(types).toEqual(expect.arrayContaining([
      ['HUBSPOT_DEFINED', 280, null],
      ['USER_DEFINED', inverse, 'Billed company'],
    ]));

    await defs.update('contacts', 'companies', { associationTypeId: forward, label: 'Invoice contact' });
    expect((await defs.getAll('contacts', 'companies')).results.find((t) => t.typeId === forward)?.label).toBe('Invoice contact');
    expect((await failure(defs.update('contacts', 'companies', { associationTypeId: 1, label: 'Main' }))).code).toBe(400);

    // Removing the label from the pair keeps the pair associated by its default type.
    await hs.crm.associations.v4.batchApi.archiveLabels('contacts', 'companies', {
      inputs: [{ _from: { id: contact.id }, to: { id: company.id }, types: [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }] }],
    });
    const left = await hs.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(left.results.map((r) => r.associationTypes.map((t) => t.typeId))).toEqual([[279]]);

    await hs.crm.associations.v4.basicApi.create('contacts', contact.id, 'companies', company.id, [{ associationCategory: 'USER_DEFINED' as never, associationTypeId: forward }]);
    await defs.remove('contacts', 'companies', forward);
    expect((await defs.getAll('contacts', 'companies')).results.map((t) => t.typeId)).toEqual([1, 279]);
    const after = await hs.crm.associations.v4.basicApi.getPage('contacts', contact.id, 'companies');
    expect(after.results[0].associationTypes.map((t) => t.typeId)).toEqual([279]);
    expect((await failure(defs.remove('contacts', 'companies', 279))).code).toBe(400);
    expect((await failure(defs.remove('contacts', 'companies', forward))).code).toBe(404);
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

  it('manages webhook settings and v3 subscriptions (string ids, no createdBy): create, list, get, update, delete', async () => {
    const dev = new Client({ developerApiKey: sim.developerApiKey, basePath: sim.url, numberOfApiCallRetries: 1 });
    await dev.webhooks.settingsApi.configure(sim.appId, { targetUrl: 'http://127.0.0.1:9/hooks', throttling: { maxConcurrentRequests: 10 } });
    expect((await dev.webhooks.settingsApi.getAll(sim.appId)).targetUrl).toBe('http://127.0.0.1:9/hooks');
    const sub = await dev.webhooks.subscriptionsApi.create(sim.appId, { eventType: 'contact.propertyChange' as never, propertyName: 'jobtitle', active: true });
    expect(typeof sub.id).toBe('string');
    expect(sub).not.toHaveProperty('createdBy');
    expect((await dev.webhooks.subscriptionsApi.getAll(sim.appId)).results.map((r) => r.id)).toContain(sub.id);
    expect((await dev.webhooks.subscriptionsApi.getById(Number(sub.id), sim.appId)).propertyName).toBe('jobtitle');
    expect((await dev.webhooks.subscriptionsApi.update(Number(sub.id), sim.appId, { active: false })).active).toBe(false);
    await dev.webhooks.subscriptionsApi.archive(Number(sub.id), sim.appId);
    expect((await failure(dev.webhooks.subscriptionsApi.getById(Number(sub.id), sim.appId))).code).toBe(404);
  });

  it('exchanges an authorization code, reads the access token, revokes the refresh token', async () => {
    const code = sim.oauth.issueCode();
    const tokens = await hs.oauth.tokensApi.create('authorization_code', code, 'http://localhost/cb', 'sim-client-id', 'test-secret');
    expect(tokens.accessToken).toBeTruthy();
    const info = await hs.oauth.accessTokensApi.get(tokens.accessToken);
    expect(info.hubId).toBe(sim.portalId);
    await hs.oauth.refreshTokensApi.archive(tokens.refreshToken);
  });
});

// Last in the file: it reads the answers of every test above.
describe("HubSpot's published OpenAPI description", () => {
  it('every answer above has a documented status and matches the documented schema', () => {
    const report = checkAnswers(HUBSPOT_SPEC, answers, HUBSPOT_SPEC_ALLOWANCES, specPath);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(50);
    // only the control API and the record pages are outside HubSpot's paths
    expect([...new Set(report.unmatched.map((a) => `${a.method} ${a.path.split('/').slice(0, 3).join('/')}`))].sort()).toEqual([
      'GET /ui/companies',
      'GET /ui/contacts',
      'GET /ui/deals',
      'POST /_sim/rep-edit',
    ]);
    // every operation the simulator implements answered at least once above
    expect(Object.keys(HUBSPOT_SPEC.operations).filter((op) => !report.operations.has(op))).toEqual([]);
  });
});
