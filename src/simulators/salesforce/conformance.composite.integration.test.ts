/**
 * Upsert, read and delete by external id (single records and sObject Collections), composite,
 * composite batch, sObject Tree and SOSL search, driven through jsforce, every answer checked against the documented statuses and bodies (spec/suite.ts,
 * suite `composite`).
 */
import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from './index.js';
import { checkSuite } from './spec/suite.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type AnyRec = Record<string, unknown>;

async function apiError(
  p: PromiseLike<unknown>,
): Promise<{ errorCode: string; message: string; data?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { errorCode: string; message: string; data?: unknown };
  }
  throw new Error('expected the call to fail');
}

let sim: RunningSalesforceSimulator;
let conn: Conn;
const answers: SimAnswer[] = [];
const BASE = '/services/data/v62.0';
const at = <T>(list: T[], i: number): T => list[i] as T;

beforeAll(async () => {
  sim = await startSalesforceSimulator({ onAnswer: (a) => answers.push(a), records: 40, seed: 5 });
  conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
  await conn.tooling.sobject('CustomField').create({
    FullName: 'Lead.Ext_Key__c',
    Metadata: { label: 'Ext Key', type: 'Text', length: 40, externalId: true },
  });
});
afterAll(async () => {
  await sim?.close();
});

describe('upsert, read and delete by external id', () => {
  it('describes a field created with Metadata.externalId as an external id', async () => {
    const d = await conn.sobject('Lead').describe();
    expect(d.fields.find((f) => f.name === 'Ext_Key__c')).toMatchObject({
      externalId: true,
      idLookup: true,
      custom: true,
    });
    expect(d.fields.find((f) => f.name === 'LastName')).toMatchObject({ externalId: false });
  });

  it('creates on no match (201, created: true) and updates on one match (200, created: false)', async () => {
    const made = (await conn
      .sobject('Lead')
      .upsert({ LastName: 'Upsert', Company: 'Acme', Ext_Key__c: 'K-1' }, 'Ext_Key__c')) as AnyRec;
    expect(made).toMatchObject({ success: true, errors: [], created: true });
    const again = (await conn
      .sobject('Lead')
      .upsert({ LastName: 'Upserted', Ext_Key__c: 'k-1' }, 'Ext_Key__c')) as AnyRec;
    expect(again).toMatchObject({ id: made.id, success: true, created: false });
    const row = sim.org.rows('Lead').get(made.id as string) as AnyRec;
    expect(row).toMatchObject({ LastName: 'Upserted', Company: 'Acme', Ext_Key__c: 'K-1' });
  });

  it('updates but never creates with updateOnly=true', async () => {
    const leads = sim.org.count('Lead');
    const patch = (value: string) =>
      conn.request({
        method: 'PATCH',
        url: `${BASE}/sobjects/Lead/Ext_Key__c/${value}?updateOnly=true`,
        body: JSON.stringify({ Title: 'Only updated' }),
        headers: { 'content-type': 'application/json' },
      });
    expect(await patch('K-1')).toMatchObject({ success: true, created: false });
    expect((await apiError(patch('K-none'))).errorCode).toBe('NOT_FOUND');
    expect(sim.org.count('Lead')).toBe(leads);
  });

  it('answers 300 with the matching records when the value matches several, and 404 for a field that is no external id', async () => {
    const a = (await conn
      .sobject('Lead')
      .create({ LastName: 'Twin', Company: 'A', Ext_Key__c: 'K-2' })) as AnyRec;
    const b = (await conn
      .sobject('Lead')
      .create({ LastName: 'Twin', Company: 'B', Ext_Key__c: 'K-2' })) as AnyRec;
    const many = await apiError(
      conn.sobject('Lead').upsert({ LastName: 'Third', Ext_Key__c: 'K-2' }, 'Ext_Key__c'),
    );
    expect(many.errorCode).toBe('MULTIPLE_CHOICES');
    expect(many.data).toEqual([`${BASE}/sobjects/Lead/${a.id}`, `${BASE}/sobjects/Lead/${b.id}`]);
    expect((await apiError(conn.request(`${BASE}/sobjects/Lead/Ext_Key__c/K-2`))).errorCode).toBe(
      'MULTIPLE_CHOICES',
    );
    expect(
      (await apiError(conn.request({ method: 'DELETE', url: `${BASE}/sobjects/Lead/Ext_Key__c/K-2` })))
        .errorCode,
    ).toBe('MULTIPLE_CHOICES');
    const notExt = await apiError(conn.sobject('Lead').upsert({ LastName: 'X', Company: 'Y' }, 'Company'));
    expect(notExt).toMatchObject({
      errorCode: 'NOT_FOUND',
      message: 'Provided external ID field does not exist or is not accessible: Company',
    });
  });

  it('reads and deletes the record an external id names', async () => {
    const made = (await conn
      .sobject('Lead')
      .upsert({ LastName: 'Gone', Company: 'Acme', Ext_Key__c: 'K-3' }, 'Ext_Key__c')) as AnyRec;
    const read = (await conn.request(
      `${BASE}/sobjects/Lead/Ext_Key__c/K-3?fields=LastName,Ext_Key__c`,
    )) as AnyRec;
    expect(read).toMatchObject({
      Id: made.id,
      LastName: 'Gone',
      Ext_Key__c: 'K-3',
      attributes: { type: 'Lead' },
    });
    await conn.request({ method: 'DELETE', url: `${BASE}/sobjects/Lead/Ext_Key__c/K-3` });
    expect(sim.org.rows('Lead').has(made.id as string)).toBe(false);
    expect((await apiError(conn.request(`${BASE}/sobjects/Lead/Ext_Key__c/K-3`))).errorCode).toBe(
      'NOT_FOUND',
    );
  });

  it('upserts a collection: created and updated per record, all-or-none rolls every record back', async () => {
    const res = (await conn.sobject('Lead').upsert(
      [
        { LastName: 'Many', Company: 'Acme', Ext_Key__c: 'K-4' },
        { LastName: 'Renamed', Ext_Key__c: 'K-1' },
        { LastName: 'Twin', Ext_Key__c: 'K-2' },
      ],
      'Ext_Key__c',
    )) as AnyRec[];
    expect(res[0]).toMatchObject({ success: true, created: true });
    expect(res[1]).toMatchObject({ success: true, created: false });
    expect(res[2]).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID' }] });
    const before = sim.org.count('Lead');
    const rolled = (await conn.sobject('Lead').upsert(
      [
        { LastName: 'Kept out', Company: 'Acme', Ext_Key__c: 'K-5' },
        { LastName: 'Bad', Company: 'Acme', Ext_Key__c: 'K-6', NoSuchField__c: 1 },
      ],
      'Ext_Key__c',
      { allOrNone: true },
    )) as AnyRec[];
    expect(rolled.map((r) => r.success)).toEqual([false, false]);
    expect(rolled[0]).toMatchObject({ errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }] });
    expect(rolled[1]).toMatchObject({ errors: [{ statusCode: 'INVALID_FIELD' }] });
    expect(sim.org.count('Lead')).toBe(before);
  });
});

type CompositeItem = {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
};
const composite = async (body: unknown) =>
  (
    (await conn.request({
      method: 'POST',
      url: `${BASE}/composite`,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })) as {
      compositeResponse: CompositeItem[];
    }
  ).compositeResponse;

describe('composite: ordered subrequests with references', () => {
  it('feeds one answer into the next with @{ref.path} and counts one API call', async () => {
    const used = sim.org.count('Account');
    const before = (await conn.request(`${BASE}/limits`)) as { DailyApiRequests: { Remaining: number } };
    const out = await composite({
      compositeRequest: [
        {
          method: 'POST',
          url: `${BASE}/sobjects/Account`,
          referenceId: 'acct',
          body: { Name: 'Composite Co' },
        },
        {
          method: 'POST',
          url: `${BASE}/sobjects/Contact`,
          referenceId: 'ct',
          body: { LastName: 'Ref', AccountId: '@{acct.id}' },
        },
        { method: 'GET', url: `${BASE}/sobjects/Contact/@{ct.id}?fields=AccountId`, referenceId: 'read' },
        {
          method: 'GET',
          url: `${BASE}/query?q=SELECT+Id+FROM+Contact+WHERE+Id='@{ct.id}'`,
          referenceId: 'q',
        },
        {
          method: 'PATCH',
          url: `${BASE}/sobjects/Contact/@{q.records[0].Id}`,
          referenceId: 'upd',
          body: { Title: 'Linked' },
        },
      ],
    });
    const after = (await conn.request(`${BASE}/limits`)) as { DailyApiRequests: { Remaining: number } };
    expect(before.DailyApiRequests.Remaining - after.DailyApiRequests.Remaining).toBe(2);
    expect(out.map((o) => o.httpStatusCode)).toEqual([201, 201, 200, 200, 204]);
    const acct = (at(out, 0).body as AnyRec).id as string;
    expect(out[0]?.httpHeaders.Location).toBe(`${BASE}/sobjects/Account/${acct}`);
    expect((at(out, 2).body as AnyRec).AccountId).toBe(acct);
    expect(sim.org.count('Account')).toBe(used + 1);
    expect(sim.org.rows('Contact').get((at(out, 1).body as AnyRec).id as string)?.Title).toBe('Linked');
  });

  it('rolls every subrequest back under allOrNone when one fails; without it, halts only those referring to the failure', async () => {
    const accounts = sim.org.count('Account');
    const rolled = await composite({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Rolled back' } },
        { method: 'POST', url: `${BASE}/sobjects/Contact`, referenceId: 'bad', body: { NoSuchField__c: 1 } },
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'after', body: { Name: 'Never' } },
      ],
    });
    expect(rolled.map((o) => o.httpStatusCode)).toEqual([400, 400, 400]);
    expect((at(rolled, 0).body as AnyRec[])[0]?.errorCode).toBe('PROCESSING_HALTED');
    expect((at(rolled, 1).body as AnyRec[])[0]?.errorCode).toBe('INVALID_FIELD');
    expect(sim.org.count('Account')).toBe(accounts);
    const announced: string[] = [];
    sim.org.listeners.push((c) => announced.push(`${c.kind} ${c.object}`));
    await composite({
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: `${BASE}/sobjects/Account`,
          referenceId: 'gone',
          body: { Name: 'Unannounced' },
        },
        { method: 'DELETE', url: `${BASE}/sobjects/Account/@{gone.id}`, referenceId: 'del' },
        {
          method: 'PATCH',
          url: `${BASE}/sobjects/Account/@{gone.id}`,
          referenceId: 'fails',
          body: { Name: 'x' },
        },
      ],
    });
    expect(announced).toEqual([]);
    const committed = await composite({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'kept', body: { Name: 'Announced' } },
      ],
    });
    expect(committed[0]?.httpStatusCode).toBe(201);
    expect(announced).toEqual(['created Account']);
    sim.org.listeners.pop();
    expect(sim.org.count('Account')).toBe(accounts + 1);
    expect(sim.org.getDeleted('Account', Date.now() - 60_000, Date.now() + 60_000).deletedRecords).toEqual(
      [],
    );
    // A request served while an allOrNone composite runs is not undone by its rollback.
    const failing = Array.from({ length: 20 }, (_, i) => ({
      method: 'POST',
      url: `${BASE}/sobjects/Account`,
      referenceId: `r${i}`,
      body: i === 19 ? { NoSuchField__c: 1 } : { Name: `Rolled ${i}` },
    }));
    const [, beside] = await Promise.all([
      composite({ allOrNone: true, compositeRequest: failing }),
      conn.sobject('Account').create({ Name: 'Beside' }) as Promise<AnyRec>,
    ]);
    expect(sim.org.rows('Account').has(beside.id as string)).toBe(true);
    expect(sim.org.count('Account')).toBe(accounts + 2);
    const partial = await composite({
      compositeRequest: [
        { method: 'POST', url: `${BASE}/sobjects/Contact`, referenceId: 'bad', body: { NoSuchField__c: 1 } },
        { method: 'GET', url: `${BASE}/sobjects/Contact/@{bad.id}`, referenceId: 'dep' },
        { method: 'POST', url: `${BASE}/sobjects/Account`, referenceId: 'indep', body: { Name: 'Kept' } },
      ],
    });
    expect(partial.map((o) => o.httpStatusCode)).toEqual([400, 400, 201]);
    expect((at(partial, 1).body as AnyRec[])[0]?.errorCode).toBe('PROCESSING_HALTED');
    expect(sim.org.count('Account')).toBe(accounts + 3);
  });
});

describe('composite batch: independent subrequests', () => {
  it('answers each subrequest, counts each against the request limits, and halts the rest after a failure under haltOnError', async () => {
    const lead = [...sim.org.rows('Lead').keys()][0] as string;
    const batch = async (body: unknown) =>
      (await conn.request({
        method: 'POST',
        url: `${BASE}/composite/batch`,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      })) as {
        hasErrors: boolean;
        results: { statusCode: number; result: unknown }[];
      };
    const remaining = async () =>
      ((await conn.request(`${BASE}/limits`)) as { DailyApiRequests: { Remaining: number } }).DailyApiRequests
        .Remaining;
    const before = await remaining();
    const ok = await batch({
      batchRequests: [
        { method: 'PATCH', url: `v62.0/sobjects/Lead/${lead}`, richInput: { Title: 'Batched' } },
        { method: 'GET', url: `v62.0/sobjects/Lead/${lead}?fields=Title` },
      ],
    });
    // each subrequest counts against the limits (two), then the second /limits call
    expect(before - (await remaining())).toBe(3);
    expect(ok.hasErrors).toBe(false);
    expect(ok.results.map((r) => r.statusCode)).toEqual([204, 200]);
    expect((at(ok.results, 1).result as AnyRec).Title).toBe('Batched');
    const halted = await batch({
      haltOnError: true,
      batchRequests: [
        { method: 'GET', url: 'v62.0/sobjects/NoSuchObject/001000000000000' },
        { method: 'GET', url: `v62.0/sobjects/Lead/${lead}` },
      ],
    });
    expect(halted.hasErrors).toBe(true);
    expect(halted.results.map((r) => r.statusCode)).toEqual([404, 412]);
    expect((at(halted.results, 1).result as AnyRec[])[0]?.errorCode).toBe('BATCH_PROCESSING_HALTED');
  });
});

describe('sObject Tree: record trees', () => {
  const tree = (body: unknown) =>
    conn.request({
      method: 'POST',
      url: `${BASE}/composite/tree/Account`,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('creates parents and their children, each child pointing at its parent', async () => {
    const res = (await tree({
      records: [
        {
          attributes: { type: 'Account', referenceId: 'a1' },
          Name: 'Tree Co',
          Contacts: { records: [{ attributes: { type: 'Contact', referenceId: 'c1' }, LastName: 'Leaf' }] },
        },
        { attributes: { type: 'Account', referenceId: 'a2' }, Name: 'Tree Two' },
      ],
    })) as { hasErrors: boolean; results: { referenceId: string; id: string }[] };
    expect(res.hasErrors).toBe(false);
    expect(res.results.map((r) => r.referenceId)).toEqual(['a1', 'c1', 'a2']);
    const [a1, c1] = res.results;
    expect(sim.org.rows('Contact').get(c1?.id as string)?.AccountId).toBe(a1?.id);
  });

  it('creates nothing and answers 400 with each failing record when one is invalid', async () => {
    const accounts = sim.org.count('Account');
    const e = await apiError(
      tree({
        records: [
          { attributes: { type: 'Account', referenceId: 'ok' }, Name: 'Fine' },
          { attributes: { type: 'Account', referenceId: 'bad' }, Name: 'Bad', NoSuchField__c: 1 },
        ],
      }),
    );
    // jsforce names a non-error-array 400 ERROR_HTTP_400 and keeps the body as the message.
    expect(JSON.parse(e.message)).toEqual({
      hasErrors: true,
      results: [
        {
          referenceId: 'bad',
          errors: [
            {
              statusCode: 'INVALID_FIELD',
              message: "No such column 'NoSuchField__c' on sobject of type Account",
              fields: [],
            },
          ],
        },
      ],
    });
    expect(sim.org.count('Account')).toBe(accounts);
  });
});

describe('SOSL search', () => {
  it('finds the term in text fields, case-insensitively and with wildcards, returning the fields asked for', async () => {
    await conn
      .sobject('Lead')
      .create({ LastName: 'Zanzibar', Company: 'Quokka Widgets', Email: 'zed@quokka.example' });
    await conn.sobject('Contact').create({ LastName: 'Quokkason', Email: 'q@other.example' });
    const all = await conn.search(
      'FIND {quokka} IN ALL FIELDS RETURNING Lead(Id, Name, Company), Contact(Id, Name)',
    );
    expect(all.searchRecords.map((r) => [r.attributes?.type, r.Name])).toEqual([
      ['Lead', 'Zanzibar'],
      ['Contact', 'Quokkason'],
    ]);
    expect(all.searchRecords[0]).toMatchObject({ Company: 'Quokka Widgets' });
    const names = await conn.search('FIND {Quokka*} IN NAME FIELDS RETURNING Lead(Name), Contact(Name)');
    expect(names.searchRecords.map((r) => r.Name)).toEqual(['Quokkason']);
    const email = await conn.search('FIND {zed@quok*} IN EMAIL FIELDS RETURNING Lead(Email) LIMIT 5');
    expect(email.searchRecords.map((r) => r.Email)).toEqual(['zed@quokka.example']);
    const everywhere = await conn.search('FIND {Zanzibar}');
    expect(everywhere.searchRecords.map((r) => r.attributes?.type)).toEqual(['Lead']);
  });

  it('refuses what it cannot parse with MALFORMED_SEARCH', async () => {
    for (const sosl of [
      'FIND quokka',
      'FIND {quokka} IN SOME FIELDS',
      'FIND {q}',
      'FIND {quokka} RETURNING Lead(Name',
    ]) {
      expect((await apiError(conn.search(sosl))).errorCode).toBe('MALFORMED_SEARCH');
    }
    expect((await apiError(conn.search('FIND {quokka} RETURNING Nope(Id)'))).errorCode).toBe('INVALID_TYPE');
  });
});

describe('conformance', () => {
  it('answers every operation of the suite with a documented status and body', () => {
    const { report, unanswered } = checkSuite('composite', answers);
    expect(report.violations).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
