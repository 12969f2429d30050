/**
 * Conformance of the simulator, driven only through jsforce. Each quirk cites its section of
 * docs/reference/salesforce.md. Outbound Messages: webhooks.integration.test.ts; every sObject
 * resource per object: conformance.sobjects.integration.test.ts; Bulk API 2.0:
 * conformance.bulk.integration.test.ts (the suites' API groups: spec/suite.ts).
 */
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningSalesforceSimulator, normalizeId, startSalesforceSimulator } from './index.js';
import { checkSuite } from './spec/suite.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type AnyRec = Record<string, unknown>;

async function apiError(p: PromiseLike<unknown>): Promise<{ errorCode: string; message: string; name: string; data?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { errorCode: string; message: string; name: string };
  }
  throw new Error('expected the call to fail');
}

let sim: RunningSalesforceSimulator;
let conn: Conn;
/** Every answer of every simulator in this file, checked against Salesforce's published description at the end. */
const answers: SimAnswer[] = [];
const record = (a: SimAnswer) => answers.push(a);

beforeAll(async () => {
  // 7,500 contacts → > 10,000 leads, enough to page past jsforce's default maxFetch.
  sim = await startSalesforceSimulator({ onAnswer: record, records: 7500, seed: 7 });
  conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
}, 60_000);
afterAll(async () => {
  await sim?.close();
});

describe('discovery and identity (§1.3)', () => {
  it('lists versions without auth and resources with the identity URL', async () => {
    const versions = (await (await fetch(`${sim.url}/services/data/`)).json()) as { version: string; url: string }[];
    expect(versions.at(-1)).toMatchObject({ version: '62.0', url: '/services/data/v62.0' });
    const resources = (await conn.request('/services/data/v62.0/')) as AnyRec;
    expect(resources.identity).toBe(`${sim.url}/id/${sim.orgId}/${sim.integrationUserId}`);
    const id = await conn.identity();
    expect(id.user_id).toBe(sim.integrationUserId);
    expect(id.organization_id).toBe(sim.orgId);
  });
  it('answers an unknown version with NOT_FOUND', async () => {
    const bad = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '12.0' });
    expect((await apiError(bad.query('SELECT Id FROM Lead LIMIT 1'))).errorCode).toBe('NOT_FOUND');
  });
  it('rejects a bad token with 401 INVALID_SESSION_ID, not retried without a refresh delegate (§1.1)', async () => {
    const bad = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: 'nope', version: '62.0' });
    const e = await apiError(bad.query('SELECT Id FROM Lead LIMIT 1'));
    expect(e.errorCode).toBe('INVALID_SESSION_ID');
    expect(e.message).toBe('Session expired or invalid');
  });
});

describe('describe (§2.6)', () => {
  it('reports types, lengths, restricted picklists and updateability', async () => {
    const d = await conn.sobject('Lead').describe();
    const f = (n: string) => d.fields.find((x) => x.name === n) as unknown as AnyRec;
    expect(d.keyPrefix).toBe('00Q');
    expect(f('Status')).toMatchObject({ type: 'picklist', restrictedPicklist: true, updateable: true });
    expect(f('LeadSource')).toMatchObject({ type: 'picklist', restrictedPicklist: false });
    expect(f('LastName')).toMatchObject({ type: 'string', length: 80, byteLength: 240, nillable: false });
    expect(f('SystemModstamp')).toMatchObject({ type: 'datetime', updateable: false, createable: false });
    expect(f('NumberOfEmployees')).toMatchObject({ type: 'int', digits: 8, soapType: 'xsd:int' });
    expect(f('AnnualRevenue')).toMatchObject({ type: 'currency', precision: 18, scale: 0 });
    expect(f('OwnerId')).toMatchObject({ type: 'reference', relationshipName: 'Owner', referenceTo: ['User'] });
    expect((f('Status').picklistValues as AnyRec[])[0]).toEqual({ active: true, defaultValue: true, label: 'Open - Not Contacted', validFor: null, value: 'Open - Not Contacted' });
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'User', 'LeadHistory', 'OpportunityFieldHistory']));
  });

  it('carries the keys of the real describe: idEnabled, isSubtype, mruEnabled on every object, polymorphicForeignKey on every field', async () => {
    const keys = { idEnabled: true, isSubtype: false, isInterface: false, hasSubtypes: false, mruEnabled: true, deepCloneable: false };
    expect(await conn.sobject('Lead').describe()).toMatchObject(keys);
    const global = await conn.describeGlobal();
    expect(global.sobjects.find((o) => o.name === 'Lead')).toMatchObject(keys);
    for (const o of global.sobjects) expect(Object.keys(o)).toEqual(expect.arrayContaining(Object.keys(keys)));
    const task = await conn.sobject('Task').describe();
    const field = (n: string) => task.fields.find((f) => f.name === n) as unknown as AnyRec;
    // WhoId points at Contact or Lead: a polymorphic lookup; Subject is no lookup at all.
    expect(field('WhoId')).toMatchObject({ polymorphicForeignKey: true, referenceTo: ['Contact', 'Lead'] });
    expect(field('Subject')).toMatchObject({ polymorphicForeignKey: false });
    for (const f of task.fields) expect(f).toHaveProperty('polymorphicForeignKey');
  });

  it('gives OpportunityContactRole its key prefix 00K, in describe and in its record ids (§5.1)', async () => {
    const d = await conn.sobject('OpportunityContactRole').describe();
    expect(d.keyPrefix).toBe('00K');
    expect((await conn.describeGlobal()).sobjects.find((o) => o.name === 'OpportunityContactRole')?.keyPrefix).toBe('00K');
    const rows = (await conn.query('SELECT Id FROM OpportunityContactRole LIMIT 5')).records as AnyRec[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(String(r.Id).slice(0, 3)).toBe('00K');
  });

  it('answers describe with If-Modified-Since 304 and no body while the metadata is unchanged, the full describe once it changed (§2.6, §7.3)', async () => {
    const org = await startSalesforceSimulator({ onAnswer: record, records: 10 });
    try {
      const c = new jsforce.Connection({ instanceUrl: org.apiBase, accessToken: org.token, version: '62.0' });
      const describeSince = (path: string, since: Date) => c.request({ method: 'GET', url: `/services/data/v62.0/sobjects${path}`, headers: { 'If-Modified-Since': since.toUTCString() } });
      const now = new Date();
      // Unchanged since now: jsforce hands back the empty body of the 304.
      expect(await describeSince('/Lead/describe', now)).toBe('');
      expect(await describeSince('', now)).toBe('');
      const raw = await fetch(`${org.apiBase}/services/data/v62.0/sobjects/Lead/describe`, { headers: { authorization: `Bearer ${org.token}`, 'if-modified-since': now.toUTCString() } });
      expect(raw.status).toBe(304);
      expect(await raw.text()).toBe('');
      // Changed since the epoch: the full describe.
      expect(((await describeSince('/Lead/describe', new Date(0))) as AnyRec).name).toBe('Lead');
      // A custom field added after `now` (the org's clock set ahead, past the header's second) changes Lead's metadata, not Contact's.
      org.org.clock = () => Date.now() + 5000;
      await c.tooling.sobject('CustomField').create({ FullName: 'Lead.Fresh__c', Metadata: { label: 'Fresh', type: 'Text', length: 20 } });
      const lead = (await describeSince('/Lead/describe', now)) as { fields: { name: string }[] };
      expect(lead.fields.map((f) => f.name)).toContain('Fresh__c');
      expect(await describeSince('/Contact/describe', now)).toBe('');
      expect(((await describeSince('', now)) as { sobjects: unknown[] }).sobjects.length).toBeGreaterThan(0);
    } finally {
      await org.close();
    }
  });
});

describe('sObject rows (§2.1–§2.4, §6)', () => {
  it('creates (201), updates (204), reads with fields, accepts 15-char ids and answers 18 (§5.1)', async () => {
    const created = (await conn.sobject('Lead').create({ LastName: 'Conformance', Company: 'Acme', Email: 'c@acme.test' })) as { id: string; success: boolean };
    expect(created.success).toBe(true);
    expect(created.id).toHaveLength(18);
    expect(normalizeId(created.id)).toBe(created.id);
    const upd = await conn.sobject('Lead').update({ Id: created.id.slice(0, 15), Title: 'CTO' });
    expect(upd).toMatchObject({ success: true });
    const rec = (await conn.sobject('Lead').retrieve(created.id.slice(0, 15), { fields: ['title', 'Status'] })) as AnyRec;
    expect(Object.keys(rec)).toEqual(['attributes', 'Id', 'Title', 'Status']);
    expect(rec.Id).toBe(created.id);
    expect(rec.Status).toBe('Open - Not Contacted');
    const full = (await conn.sobject('Lead').retrieve(created.id.toLowerCase())) as AnyRec;
    expect(full.LastModifiedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/); // §2.2
    await conn.sobject('Lead').destroy(created.id);
    expect((await apiError(conn.sobject('Lead').retrieve(created.id))).errorCode).toBe('NOT_FOUND');
    expect((await apiError(conn.sobject('Lead').update({ Id: created.id, Title: 'x' }))).errorCode).toBe('ENTITY_IS_DELETED');
  });

  it('stores "" as null and silently accepts unknown values in unrestricted picklists (§6.4)', async () => {
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Quirk', Company: 'Acme', Email: 'q@acme.test', LeadSource: 'Trade Show 2026' })) as { id: string };
    await conn.sobject('Lead').update({ Id: id, Email: '' });
    const rec = (await conn.sobject('Lead').retrieve(id, { fields: ['Email', 'LeadSource'] })) as AnyRec;
    expect(rec.Email).toBeNull();
    expect(rec.LeadSource).toBe('Trade Show 2026');
  });

  it.each([
    [{ Foo__c: 1 }, 'INVALID_FIELD', "No such column 'Foo__c' on sobject of type Lead"],
    [{ Status: 'Qualified' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'Status: bad value for restricted picklist field: Qualified'],
    [{ Status: 'working - contacted' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'bad value for restricted picklist field'], // case-sensitive
    [{ LastName: 'x'.repeat(81) }, 'STRING_TOO_LONG', '(max length=80)'],
    [{ Email: 'not an email' }, 'INVALID_EMAIL_ADDRESS', 'Email: invalid email address: not an email'],
    [{ OwnerId: '001xx000003DGb2AAG' }, 'MALFORMED_ID', 'id value of incorrect type'],
    [{ CreatedDate: '2020-01-01T00:00:00Z' }, 'INVALID_FIELD_FOR_INSERT_UPDATE', 'Unable to create/update fields: CreatedDate'],
    [{ NumberOfEmployees: 'lots' }, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of int'],
    [{ Last_Engaged__c: '2017-10-17 00:00:00' }, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of datetime'],
  ])('update %o → %s (§6.3)', async (fields, code, message) => {
    const id = (sim.org.rows('Lead').keys().next().value as string) ?? '';
    const e = await apiError(conn.sobject('Lead').update({ Id: id, ...fields }));
    expect(e.errorCode).toBe(code);
    expect(e.message).toContain(message);
  });

  it('answers a method the resource does not take with 405 METHOD_NOT_ALLOWED naming the allowed ones (§1.4, §6.3)', async () => {
    const patch = await apiError(conn.request({ method: 'PATCH', url: '/services/data/v62.0/sobjects/Lead', body: JSON.stringify({ LastName: 'x' }), headers: { 'content-type': 'application/json' } }));
    expect(patch.errorCode).toBe('METHOD_NOT_ALLOWED');
    expect(patch.message).toBe("HTTP Method 'PATCH' not allowed. Allowed are HEAD,GET,POST");
    const id = sim.org.rows('Lead').keys().next().value as string;
    const put = await apiError(conn.request({ method: 'PUT', url: `/services/data/v62.0/sobjects/Lead/${id}`, body: JSON.stringify({ LastName: 'x' }), headers: { 'content-type': 'application/json' } }));
    expect(put.errorCode).toBe('METHOD_NOT_ALLOWED');
    expect(put.message).toBe("HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,PATCH,DELETE");
  });

  it('answers REQUIRED_FIELD_MISSING, a garbage id and a wrong-prefix id like the real API (§2.2, §6.3)', async () => {
    const missing = await apiError(conn.sobject('Lead').create({ FirstName: 'NoLast' }));
    expect(missing.errorCode).toBe('REQUIRED_FIELD_MISSING');
    expect(missing.message).toBe('Required fields are missing: [LastName, Company]');
    const garbage = await apiError(conn.sobject('Lead').retrieve('23foo'));
    expect(garbage.errorCode).toBe('NOT_FOUND');
    expect(garbage.message).toBe('Provided external ID field does not exist or is not accessible: 23foo');
    const wrong = await apiError(conn.sobject('Lead').update({ Id: '001xx000003DGb2AAG', Title: 'x' }));
    expect(wrong.errorCode).toBe('MALFORMED_ID');
  });

  it('refuses a PATCH with If-Unmodified-Since older than the last change: 412 with no body, the only part Salesforce publishes (§6.2, §7.3)', async () => {
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Cond', Company: 'Acme' })) as { id: string };
    const before = new Date(Date.now() - 10_000).toUTCString();
    const e = await apiError(conn.sobject('Lead').update({ Id: id, Title: 'late' }, { headers: { 'If-Unmodified-Since': before } } as never));
    // jsforce names a bodiless error answer by its status.
    expect(e.errorCode).toBe('ERROR_HTTP_412');
    expect(e.message).toBe('');
    expect(((await conn.sobject('Lead').retrieve(id, { fields: ['Title'] })) as AnyRec).Title).toBeNull();
    const after = new Date(Date.now() + 10_000).toUTCString();
    await conn.sobject('Lead').update({ Id: id, Title: 'fine' }, { headers: { 'If-Unmodified-Since': after } } as never);
    expect(((await conn.sobject('Lead').retrieve(id, { fields: ['Title'] })) as AnyRec).Title).toBe('fine');
  });
});

describe('SOQL query and queryMore (§3)', () => {
  it('pages by 2000 with a locator, totalSize overall, and jsforce autoFetch stops at maxFetch 10,000 (§3.2, §3.3)', async () => {
    const total = sim.org.count('Lead');
    expect(total).toBeGreaterThan(10_000);
    const first = await conn.query('SELECT Id FROM Lead');
    expect(first.totalSize).toBe(total);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/0r8[0-9A-Za-z]{15}-2000$/);
    const second = await conn.queryMore(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(2000);
    const capped = await conn.query('SELECT Id FROM Lead', { autoFetch: true } as never);
    expect(capped.records.length).toBe(10_000);
    const all = await conn.query('SELECT Id, LastName FROM Lead ORDER BY Id', { autoFetch: true, maxFetch: 50_000 } as never);
    expect(all.records.length).toBe(total);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(total);
  });

  it('honours Sforce-Query-Options batchSize within 200..2000 (§3.1)', async () => {
    const page = (await conn.request({ method: 'GET', url: '/query?q=SELECT+Id+FROM+Contact', headers: { 'Sforce-Query-Options': 'batchSize=300' } })) as { records: unknown[] };
    expect(page.records).toHaveLength(300);
    const tiny = (await conn.request({ method: 'GET', url: '/query?q=SELECT+Id+FROM+Contact', headers: { 'Sforce-Query-Options': 'batchSize=5' } })) as { records: unknown[] };
    expect(tiny.records).toHaveLength(200);
  });

  it('uses the jsforce builder SOQL, count(), parent fields and canonical casing (§3.2, §3.4)', async () => {
    const recs = await conn.sobject('Lead').find({ IsConverted: true, Email: { $like: '%@%' } }, ['id', 'email', 'owner.name', 'ConvertedContactId'], { sort: { SystemModstamp: 1 }, limit: 5 } as never);
    expect(recs).toHaveLength(5);
    const r = recs[0] as AnyRec;
    expect(Object.keys(r)).toEqual(['attributes', 'Id', 'Email', 'Owner', 'ConvertedContactId']);
    expect((r.Owner as AnyRec).Name).toEqual(expect.any(String));
    const n = await conn.sobject('Lead').count({ IsConverted: true });
    expect(n).toBeGreaterThanOrEqual(1000);
    const since = jsforce.SfDate.toDateTimeLiteral(new Date(Date.now() - 30 * 86_400_000)).toString();
    const recent = await conn.query(`SELECT Id FROM Lead WHERE SystemModstamp > ${since} ORDER BY SystemModstamp ASC, Id ASC LIMIT 2000`);
    expect(recent.records.length).toBeGreaterThan(0);
  });

  it('reproduces the quoted-datetime pitfall and a bad locator (§3.1, §3.4)', async () => {
    const e = await apiError(conn.sobject('Lead').find({ LastModifiedDate: { $gte: '2018-12-27T15:28:16.158Z' } }));
    expect(e.errorCode).toBe('INVALID_FIELD');
    expect(e.message).toMatch(/must be of type dateTime and should not be enclosed in quotes[\s\S]*|ERROR at Row:1:Column:/);
    expect((await apiError(conn.queryMore('/services/data/v62.0/query/0r8000000000000AAA-2000'))).errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('queryAll includes deleted records, query does not (§3.1)', async () => {
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Binned', Company: 'Acme' })) as { id: string };
    await conn.sobject('Lead').destroy(id);
    expect((await conn.query(`SELECT Id FROM Lead WHERE Id = '${id}'`)).totalSize).toBe(0);
    const all = await conn.query(`SELECT Id, IsDeleted FROM Lead WHERE Id = '${id}'`, { scanAll: true } as never);
    expect(all.records[0]).toMatchObject({ Id: id, IsDeleted: true });
  });
});

describe('sObject Collections (§4)', () => {
  it('creates, updates and deletes up to 200 with per-record results and statusCode (§4.1–§4.4)', async () => {
    const recs = Array.from({ length: 200 }, (_, i) => ({ LastName: `Bulk${i}`, Company: 'Acme', Status: i === 7 ? 'Bogus' : 'Working - Contacted' }));
    const res = (await conn.sobject('Lead').create(recs)) as AnyRec[];
    expect(res).toHaveLength(200);
    expect(res[7]).toEqual({ success: false, errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Status: bad value for restricted picklist field: Bogus', fields: ['Status'] }] });
    const ids = res.filter((r) => r.success).map((r) => r.id as string);
    expect(ids).toHaveLength(199);
    const upd = (await conn.sobject('Lead').update([{ Id: ids[0], Rating: 'Hot' }, { Id: '001xx000003DGb2999', Rating: 'Hot' }])) as AnyRec[];
    expect(upd[0]).toMatchObject({ id: ids[0], success: true });
    expect(upd[1]).toMatchObject({ success: false, errors: [{ statusCode: 'MALFORMED_ID', fields: ['Id'] }] });
    const del = (await conn.sobject('Lead').destroy(ids.slice(0, 3))) as AnyRec[];
    expect(del.every((d) => d.success)).toBe(true);
  });

  it('rolls back everything under allOrNone and keeps the ids of rolled-back records (§4.3)', async () => {
    const ids = [...sim.org.rows('Contact').keys()].slice(0, 2) as [string, string];
    const res = (await conn.sobject('Contact').update([{ Id: ids[0], Title: 'RolledBack' }, { Id: ids[1], Email: 'bad email' }], { allOrNone: true })) as AnyRec[];
    expect(res[0]).toMatchObject({ id: ids[0], success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }] });
    expect(res[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS' }] });
    expect(((await conn.sobject('Contact').retrieve(ids[0], { fields: ['Title'] })) as AnyRec).Title).not.toBe('RolledBack');
  });

  it('refuses more than 200 records in one call; jsforce allowRecursive splits them (§4.1)', async () => {
    const recs = Array.from({ length: 201 }, (_, i) => ({ LastName: `Over${i}`, Company: 'Acme' }));
    const e = await apiError(conn.sobject('Lead').create(recs));
    expect(e.errorCode).toBe('EXCEEDED_ID_LIMIT');
    const ok = (await conn.sobject('Lead').create(recs, { allowRecursive: true } as never)) as AnyRec[];
    expect(ok).toHaveLength(201);
    expect(ok.every((r) => r.success)).toBe(true);
  });

  it('retrieves by POST with nulls for missing and deleted ids (§4.5)', async () => {
    const [a, b] = [...sim.org.rows('Account').keys()] as [string, string];
    const { id } = (await conn.sobject('Account').create({ Name: 'Gone' })) as { id: string };
    await conn.sobject('Account').destroy(id);
    const res = (await conn.sobject('Account').retrieve([a, id, b.slice(0, 15)], { fields: ['Name'] })) as (AnyRec | null)[];
    expect(res[0]).toMatchObject({ Id: a });
    expect(res[1]).toBeNull();
    expect(res[2]).toMatchObject({ Id: b });
  });
});

describe('getUpdated / getDeleted, history, limits (§7.2, §8.3, §9)', () => {
  it('lists updated and deleted ids in a minute-truncated window (§8.3)', async () => {
    const { id } = (await conn.sobject('Opportunity').create({ Name: 'Poll me', StageName: 'Prospecting', CloseDate: '2027-01-31' })) as { id: string };
    const start = new Date(Date.now() - 5 * 60_000).toISOString();
    const end = new Date(Date.now() + 2 * 60_000).toISOString();
    const upd = await conn.sobject('Opportunity').updated(start, end);
    expect(upd.ids).toContain(id);
    expect(upd.latestDateCovered).toMatch(/:00\.000\+0000$/);
    await conn.sobject('Opportunity').destroy(id);
    const del = await conn.sobject('Opportunity').deleted(start, end);
    expect(del.deletedRecords.map((d) => d.id)).toContain(id);
    const e = await apiError(conn.sobject('Opportunity').updated(end, start));
    expect(e.errorCode).toBe('INVALID_REPLICATION_DATE');
  });

  it('tells a rep edit from the integration user in field history (§7.2)', async () => {
    const { id } = (await conn.sobject('Lead').create({ LastName: 'Hist', Company: 'Acme', Rating: 'Cold' })) as { id: string };
    await conn.sobject('Lead').update({ Id: id, Rating: 'Warm' });
    await sim.repEdit({ object: 'Lead', id, fields: { Rating: 'Hot' } });
    await conn.sobject('Lead').update({ Id: id, Rating: 'Hot' }); // same value: no history row (§6.4)
    const h = await conn.query(`SELECT LeadId, Field, OldValue, NewValue, CreatedById, CreatedDate FROM LeadHistory WHERE LeadId IN ('${id}') AND Field IN ('Rating', 'created') ORDER BY CreatedDate DESC, Id DESC`);
    const rows = h.records as AnyRec[];
    expect(rows.map((r) => r.Field)).toEqual(['Rating', 'Rating', 'created']);
    expect(rows[0]).toMatchObject({ OldValue: 'Warm', NewValue: 'Hot' });
    expect(rows[0]?.CreatedById).not.toBe(sim.integrationUserId);
    expect(rows[1]).toMatchObject({ OldValue: 'Cold', NewValue: 'Warm', CreatedById: sim.integrationUserId });
  });

  it('counts calls in Sforce-Limit-Info and /limits (§9.2, §9.3)', async () => {
    const limits = await conn.limits();
    expect(limits.DailyApiRequests.Max).toBe(100_000);
    await conn.query('SELECT Id FROM User');
    const info = conn.limitInfo as { apiUsage?: { used: number; limit: number } };
    expect(info.apiUsage?.limit).toBe(100_000);
    expect(info.apiUsage?.used).toBe(100_000 - limits.DailyApiRequests.Remaining + 1);
  });

  it('creates a custom field through the Tooling API CustomField and accepts it on write', async () => {
    const res = (await conn.tooling.sobject('CustomField').create({
      FullName: 'Lead.AI_Score__c',
      Metadata: { label: 'AI Score', type: 'Number', precision: 3, scale: 0 },
    })) as AnyRec;
    expect(res.success).toBe(true);
    const d = await conn.sobject('Lead').describe();
    expect(d.fields.find((f) => f.name === 'AI_Score__c')).toMatchObject({ type: 'double', custom: true, precision: 3 });
    const id = [...sim.org.rows('Lead').keys()][5] as string;
    await conn.sobject('Lead').update({ Id: id, AI_Score__c: 87 });
    expect(((await conn.sobject('Lead').retrieve(id, { fields: ['AI_Score__c'] })) as AnyRec).AI_Score__c).toBe(87);
    expect((await apiError(conn.sobject('Lead').update({ Id: id, AI_Score__c: 1000 }))).errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
  });
});

describe('record page', () => {
  it('renders a record with the integration’s writes marked and its timeline', async () => {
    const lead = [...sim.org.rows('Lead').keys()][3] as string;
    await conn.sobject('Lead').update({ Id: lead, Rating: 'Warm' === sim.org.rows('Lead').get(lead)?.Rating ? 'Hot' : 'Warm' });
    await conn.sobject('Task').create({ WhoId: lead, Subject: 'Scored <87>', Status: 'Completed' });
    const res = await fetch(`${sim.url}/ui/Lead/${lead.slice(0, 15)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<th>Rating<\/th><td>\w+ <span class="ai">AI · /);
    expect(html).toContain('Scored &lt;87&gt;');
    expect((await fetch(`${sim.url}/ui/Lead/00QR00000000000AAA`)).status).toBe(404);
  });
});

describe('limits and OAuth on a small org', () => {
  let small: RunningSalesforceSimulator;
  beforeAll(async () => {
    small = await startSalesforceSimulator({ onAnswer: record, records: 40, tokenTtlSeconds: 2, rateLimit: { callsPerWindow: 1000, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await small?.close();
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED when the allocation is spent, shown in /limits and Sforce-Limit-Info, not retried by jsforce (§6.5, §9.1–§9.3)', async () => {
    const tight = await startSalesforceSimulator({ onAnswer: record, records: 10, rateLimit: { callsPerWindow: 3, windowMs: 60_000 } });
    try {
      const c = new jsforce.Connection({ instanceUrl: tight.apiBase, accessToken: tight.token, version: '62.0' });
      for (let i = 0; i < 2; i++) await c.query('SELECT Id FROM User LIMIT 1');
      // The third call is the allocation's last: /limits shows none remaining.
      expect((await c.limits()).DailyApiRequests).toEqual({ Max: 3, Remaining: 0 });
      expect(c.limitInfo).toEqual({ apiUsage: { used: 3, limit: 3 } });
      for (const refused of [() => c.query('SELECT Id FROM User LIMIT 1'), () => c.sobject('Lead').create({ LastName: 'Late', Company: 'Acme' }), () => c.limits()]) {
        const e = await apiError(refused());
        expect(e.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
        expect(e.message).toBe('TotalRequests Limit exceeded.');
      }
      // The refusals carry the header too, and are not counted.
      expect(c.limitInfo).toEqual({ apiUsage: { used: 3, limit: 3 } });
      expect(tight.stats().totalCalls).toBe(6);
      expect(tight.stats().rateLimited).toBe(3);
    } finally {
      await tight.close();
    }
  });

  it('refuses new calls with 403 REQUEST_LIMIT_EXCEEDED while the concurrent long-running limit is reached, and takes them again once the slow ones finish (§6.3, §9.1)', async () => {
    // Two calls in service for 100 ms or more stand in for production's 25 of 20 s or more.
    const org = await startSalesforceSimulator({ onAnswer: record, records: 10, longRunning: { limit: 2, afterMs: 100 } });
    try {
      const c = new jsforce.Connection({ instanceUrl: org.apiBase, accessToken: org.token, version: '62.0' });
      org.setSlowRequests({ ms: 3000, methods: ['GET'] });
      // A jsforce Query runs once it is awaited: Promise.resolve starts both now.
      const slow = [Promise.resolve(c.query('SELECT Id FROM User')), Promise.resolve(c.query('SELECT Id FROM Lead'))];
      // Both admitted, then in service past the 100 ms mark.
      while ((org.stats().calls['GET /query'] ?? 0) < 2) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300));
      const e = await apiError(c.sobject('Lead').create({ LastName: 'Crowded', Company: 'Acme' }));
      expect(e.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(e.message).toBe('ConcurrentPerOrgLongTxn Limit exceeded.');
      expect(org.stats().rateLimited).toBe(1);
      await Promise.all(slow);
      org.setSlowRequests(undefined);
      expect(((await c.sobject('Lead').create({ LastName: 'Crowded', Company: 'Acme' })) as { success: boolean }).success).toBe(true);
      // Salesforce never answers 429: an injected share of refusals is this same 403.
      org.setFaults({ error429: 1 });
      const injected = await apiError(c.sobject('Lead').create({ LastName: 'Injected', Company: 'Acme' }));
      expect(injected.errorCode).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(injected.message).toBe('ConcurrentPerOrgLongTxn Limit exceeded.');
    } finally {
      await org.close();
    }
  });

  it('runs the authorization_code grant, refreshes an expired token on 401, and fails with invalid_grant once revoked (§1.2)', async () => {
    const oauth2 = new jsforce.OAuth2({ loginUrl: small.apiBase, clientId: small.oauth.clientId, clientSecret: small.oauth.clientSecret, redirectUri: 'http://127.0.0.1/cb' });
    const c = new jsforce.Connection({ oauth2, version: '62.0' });
    const authUrl = oauth2.getAuthorizationUrl({ state: 's1' });
    const redirect = await fetch(authUrl, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') as string).searchParams.get('code') as string;
    const info = await c.authorize(code);
    expect(info.organizationId).toBe(small.orgId);
    expect(c.refreshToken).toEqual(expect.any(String));
    let refreshed = 0;
    c.on('refresh', () => refreshed++);
    await c.query('SELECT Id FROM User LIMIT 1');
    await new Promise((r) => setTimeout(r, 2100));
    await c.query('SELECT Id FROM User LIMIT 1');
    expect(refreshed).toBe(1);
    expect(small.stats().tokenRefreshes).toBe(1);
    small.revokeGrants();
    const e = await apiError(c.query('SELECT Id FROM User LIMIT 1'));
    expect(`${e.name} ${e.message}`).toMatch(/invalid_grant|expired access\/refresh token/);
    const direct = await apiError(oauth2.refreshToken(c.refreshToken as string));
    expect(direct.name).toBe('invalid_grant');
  });
});

describe('queryAll locators and retrieve by GET (§3.1, §4.5)', () => {
  it('pages queryAll with its own locator and retrieves by GET with fields (§3.1, §4.5)', async () => {
    const first = (await conn.request({
      method: 'GET',
      url: '/services/data/v62.0/queryAll?q=SELECT+Id+FROM+Lead',
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    })) as { nextRecordsUrl: string };
    const next = (await conn.request(first.nextRecordsUrl.replace('/query/', '/queryAll/'))) as {
      records: unknown[];
    };
    expect(next.records).toHaveLength(200);
    const ids = [...sim.org.rows('Account').keys()].slice(0, 2);
    const rows = (await conn.request(
      `/services/data/v62.0/composite/sobjects/Account?ids=${ids.join(',')}&fields=Name`,
    )) as AnyRec[];
    expect(rows.map((r) => r.Id)).toEqual(ids);
  });
});

// Last in the file: it reads the answers of every test above.
describe("Salesforce's published description", () => {
  it('every answer above has a documented status and matches the documented schema', () => {
    const { report, unanswered } = checkSuite('core', answers);
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(100);
    // Outside the description: the record page, the OAuth redirect, and methods a resource does not take (405).
    expect(
      [
        ...new Set(
          report.unmatched.map(
            (a) => `${a.method} ${a.path.replace(/\/[0-9A-Za-z]{15,18}$/, '/{id}')} ${a.status}`,
          ),
        ),
      ].sort(),
    ).toEqual([
      'GET /services/oauth2/authorize 302',
      'GET /ui/Lead/{id} 200',
      'GET /ui/Lead/{id} 404',
      'PATCH /services/data/v62.0/sobjects/Lead 405',
      'PUT /services/data/v62.0/sobjects/Lead/{id} 405',
    ]);
    // The statuses seen: all of Salesforce's status-code table (checked above), the limit refusals 403 (never 429).
    const statuses = new Set(answers.filter((a) => a.path.startsWith('/services/data')).map((a) => a.status));
    expect([...statuses].sort()).toEqual(
      expect.arrayContaining([200, 201, 204, 304, 400, 401, 403, 404, 405, 412]),
    );
    // Every operation of this suite answered at least once (per object and Bulk API 2.0: their own suites).
    expect(unanswered).toEqual([]);
  });
});
