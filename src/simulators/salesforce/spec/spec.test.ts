/**
 * What the Salesforce description refuses, on answers written here: the conformance suites only
 * show that the simulator passes, these show that the check would catch it if it did not.
 */
import { describe, expect, it } from 'vitest';
import { type SimAnswer, checkAnswers, matchOperation } from '../../conformance.js';
import { SALESFORCE_SPEC, SALESFORCE_SPEC_ALLOWANCES, recordViolations } from './index.js';

const V = '/services/data/v62.0';
const check = (...answers: SimAnswer[]) =>
  checkAnswers(SALESFORCE_SPEC, answers, SALESFORCE_SPEC_ALLOWANCES).violations;
const lead = (fields: Record<string, unknown>): SimAnswer => ({
  method: 'GET',
  path: `${V}/sobjects/Lead/00QR000000002JrMAI`,
  status: 200,
  body: { attributes: { type: 'Lead' }, ...fields },
});

describe('the Salesforce description', () => {
  it('keeps derived operations and the documented pages apart, with every source named', () => {
    expect(Object.keys(SALESFORCE_SPEC.operations).length).toBeGreaterThan(75);
    for (const s of SALESFORCE_SPEC.sources) expect(s.url).toMatch(/^https:\/\//);
    expect(SALESFORCE_SPEC.statuses).not.toContain(429);
  });

  it('routes a literal segment before a record id: /sobjects/Lead/updated and /describe are not rows', () => {
    expect(matchOperation(SALESFORCE_SPEC, 'GET', `${V}/sobjects/Lead/updated`)).toBe(
      'GET /services/data/{version}/sobjects/{sObject}/updated',
    );
    expect(matchOperation(SALESFORCE_SPEC, 'GET', `${V}/sobjects/Lead/describe`)).toBe(
      'GET /services/data/{version}/sobjects/{sObject}/describe',
    );
    expect(matchOperation(SALESFORCE_SPEC, 'GET', `${V}/sobjects/Lead/00QR000000002JrMAI`)).toBe(
      'GET /services/data/{version}/sobjects/Lead/{id}',
    );
  });

  it('refuses a status outside the status-code table (429) and a success status the operation does not document', () => {
    expect(
      check({
        method: 'POST',
        path: `${V}/sobjects/Lead`,
        status: 429,
        body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }],
      }),
    ).toEqual([expect.stringContaining("429: status not in the vendor's status-code table")]);
    expect(
      check({
        method: 'POST',
        path: `${V}/sobjects/Lead`,
        status: 200,
        body: { id: 'x', success: true, errors: [] },
      }),
    ).toEqual([expect.stringContaining('200: success status not in the spec')]);
    expect(
      check({
        method: 'POST',
        path: `${V}/sobjects/Lead`,
        status: 403,
        body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      }),
    ).toEqual([]);
  });

  it('allows null for an empty record field, but not a value of the wrong type', () => {
    expect(check(lead({ AnnualRevenue: null, NumberOfEmployees: null }))).toEqual([]);
    expect(check(lead({ AnnualRevenue: '12', NumberOfEmployees: 1.5 }))).toEqual([
      'GET /services/data/{version}/sobjects/Lead/{id} → 200 $.AnnualRevenue: string "12" where the spec has number',
      'GET /services/data/{version}/sobjects/Lead/{id} → 200 $.NumberOfEmployees: number 1.5 where the spec has integer',
    ]);
  });

  it("checks describe's keys and Bulk API 2.0 job info against their types and enums", () => {
    const describe = (body: unknown): SimAnswer => ({
      method: 'GET',
      path: `${V}/sobjects/Lead/describe`,
      status: 200,
      body,
    });
    expect(
      check(
        describe({ name: 'Lead', listviewable: null, fields: [{ name: 'Id', relationshipOrder: null }] }),
      ),
    ).toEqual([]);
    expect(
      check(describe({ name: 'Lead', listviewable: 'yes', fields: [{ name: 'Id', length: '18' }] })),
    ).toHaveLength(2);
    const job = {
      id: '750',
      operation: 'update',
      object: 'Lead',
      createdById: '005',
      createdDate: 'd',
      systemModstamp: 'd',
      state: 'Open',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
    };
    expect(check({ method: 'POST', path: `${V}/jobs/ingest`, status: 200, body: job })).toEqual([]);
    const { apiVersion: _version, ...unversioned } = job;
    expect(
      check({
        method: 'POST',
        path: `${V}/jobs/ingest`,
        status: 200,
        body: { ...unversioned, state: 'Done' },
      }),
    ).toEqual([
      'POST /services/data/{version}/jobs/ingest → 200 $.apiVersion: missing (required)',
      'POST /services/data/{version}/jobs/ingest → 200 $.state: "Done" is not one of ["Open","UploadComplete","InProgress","JobComplete","Failed","Aborted"]',
    ]);
  });

  it("checks each record of a query or retrieve answer against its own object's record schema", () => {
    const rec = (type: string, fields: Record<string, unknown>) => ({ attributes: { type }, ...fields });
    const query: SimAnswer = {
      method: 'GET',
      path: `${V}/query`,
      status: 200,
      body: {
        totalSize: 2,
        done: true,
        records: [
          rec('Lead', { AnnualRevenue: null, IsConverted: true }),
          rec('Contact', { Email: 'a@b.c' }),
        ],
      },
    };
    expect(recordViolations([query])).toEqual([]);
    const bad: SimAnswer = {
      method: 'GET',
      path: `${V}/query/0r8R000000002JrAAI-2000`,
      status: 200,
      body: { totalSize: 1, done: true, records: [rec('Lead', { AnnualRevenue: '5', IsConverted: 'yes' })] },
    };
    const retrieve: SimAnswer = {
      method: 'POST',
      path: `${V}/composite/sobjects/Account`,
      status: 200,
      body: [null, rec('Account', { NumberOfEmployees: 2.5 })],
    };
    expect(recordViolations([bad, retrieve])).toEqual([
      'Lead.AnnualRevenue: string "5" where the spec has number',
      'Lead.IsConverted: string "yes" where the spec has boolean',
      'Account.NumberOfEmployees: number 2.5 where the spec has integer',
    ]);
  });
});
