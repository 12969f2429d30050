/**
 * Upsert, read and delete by external id (single records and sObject Collections) driven through
 * jsforce, every answer checked against the documented statuses and bodies (spec/suite.ts,
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

describe('conformance', () => {
  it('answers every operation of the suite with a documented status and body', () => {
    const { report, unanswered } = checkSuite('composite', answers);
    expect(report.violations).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
