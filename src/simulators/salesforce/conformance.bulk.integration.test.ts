/**
 * Bulk API 2.0 on the Salesforce simulator, driven by jsforce's bulk2 classes as an integration
 * drives the real org: the ingest job lifecycle (Open → UploadComplete → InProgress →
 * JobComplete), CSV rules (`#N/A` nulls a field, an empty value leaves it, quoting), per-row
 * results with Salesforce's error codes, field history of bulk updates, query jobs read in sets
 * through `Sforce-Locator`, and the calls and allocations each request counts against.
 */
import jsforce from 'jsforce';
import { IngestJobV2, QueryJobV2 } from 'jsforce/lib/api/bulk2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimAnswer } from '../conformance.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from './index.js';
import { checkSuite } from './spec/suite.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type Rec = Record<string, string>;

const polling = { pollInterval: 10, pollTimeout: 5000 } as never;
/** Every answer of the simulators in this file, checked against Salesforce's documentation at the end. */
const answers: SimAnswer[] = [];
const record = (a: SimAnswer) => answers.push(a);

describe('Salesforce simulator: Bulk API 2.0 through jsforce bulk2', () => {
  let sim: RunningSalesforceSimulator;
  let conn: Conn;
  let leads: string[];
  const base = () => `${sim.apiBase}/services/data/v62.0`;
  const raw = (path: string, init: RequestInit = {}) => fetch(`${base()}${path}`, { ...init, headers: { authorization: `Bearer ${sim.token}`, ...(init.headers ?? {}) } });

  beforeAll(async () => {
    sim = await startSalesforceSimulator({ onAnswer: record, records: 300, seed: 5, bulk: { processingMs: 200, defaultMaxRecords: 100 } });
    conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
    leads = [...sim.org.rows('Lead').keys()];
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('an ingest job goes Open → UploadComplete → InProgress → JobComplete, processing only after the upload is closed', async () => {
    const job = conn.bulk2.createJob({ object: 'Lead', operation: 'update' });
    const opened = (await job.open()) as unknown as Rec;
    expect(opened).toMatchObject({ state: 'Open', object: 'Lead', operation: 'update', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA', concurrencyMode: 'Parallel' });
    expect(opened.id).toMatch(/^750/);
    expect(opened.contentUrl).toBe(`services/data/v62.0/jobs/ingest/${opened.id}/batches`);
    await job.uploadData([{ Id: leads[0], Title: 'Uploaded' }]);
    // uploaded but not closed: nothing is written
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.org.rows('Lead').get(leads[0] as string)?.Title).not.toBe('Uploaded');
    await job.close();
    // the close answers with the job's new state
    const states: string[] = [(job.getInfo() as unknown as Rec).state as string];
    for (let i = 0; i < 100; i++) {
      const s = ((await job.check()) as unknown as Rec).state as string;
      if (states.at(-1) !== s) states.push(s);
      if (s === 'JobComplete') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(states).toEqual(['UploadComplete', 'InProgress', 'JobComplete']);
    const info = (await job.check()) as unknown as Record<string, unknown>;
    expect(info).toMatchObject({ jobType: 'V2Ingest', numberRecordsProcessed: 1, numberRecordsFailed: 0, retries: 0 });
    expect(sim.org.rows('Lead').get(leads[0] as string)?.Title).toBe('Uploaded');
  });

  it('reports every row: created/updated ids, failures with code and message, #N/A nulls, empty values left alone', async () => {
    const deleted = leads[10] as string;
    const never = sim.org.ids.next('00Q');
    sim.org.remove('Lead', deleted, sim.integrationUserId);
    const before = { ...sim.org.rows('Lead').get(leads[2] as string) };
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Lead',
      operation: 'update',
      ...(polling as object),
      // jsforce takes the CSV columns from the first record: every record carries them all
      input: [
        { Id: leads[1], Title: 'Quote "this", please', Description: null, Status: '' },
        { Id: leads[2], Title: 'Only the title', Description: '', Status: '' },
        { Id: leads[3], Title: '', Description: '', Status: 'Maybe later' },
        { Id: deleted, Title: 'x', Description: '', Status: '' },
        { Id: never, Title: 'x', Description: '', Status: '' },
        { Id: '001R000000001AAA', Title: 'x', Description: '', Status: '' },
      ] as never,
    });
    const ok = res.successfulResults as unknown as Rec[];
    const failed = res.failedResults as unknown as Rec[];
    expect(ok.map((r) => [r.sf__Id, r.sf__Created])).toEqual([
      [leads[1], 'false'],
      [leads[2], 'false'],
    ]);
    const lead1 = sim.org.rows('Lead').get(leads[1] as string);
    expect(lead1?.Title).toBe('Quote "this", please');
    expect(lead1?.Description ?? null).toBeNull();
    expect(sim.org.rows('Lead').get(leads[2] as string)?.Description).toEqual(before.Description);
    const byId = new Map(failed.map((r) => [r.Id, r.sf__Error]));
    expect(byId.get(leads[3])).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Status: bad value for restricted picklist field: Maybe later:Status --');
    expect(byId.get(deleted)).toBe('ENTITY_IS_DELETED:entity is deleted: --');
    expect(byId.get(never)).toBe('INVALID_CROSS_REFERENCE_KEY:invalid cross reference id: --');
    expect(byId.get('001R000000001AAA')).toMatch(/^MALFORMED_ID:Lead ID: id value of incorrect type: 001R000000001AAA:Id --$/);
    expect(res.unprocessedRecords).toEqual([]);
  });

  it('records field history for bulk updates as the job’s user, as for REST', async () => {
    const id = leads[20] as string;
    await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'update', ...(polling as object), input: [{ Id: id, Rating: 'Hot', Title: 'Bulk title' }] as never });
    const rows = await conn.query(`SELECT Field, NewValue, CreatedById FROM LeadHistory WHERE LeadId = '${id}' AND Field IN ('Title', 'Rating') ORDER BY CreatedDate DESC`);
    const title = (rows.records as Rec[]).find((r) => r.Field === 'Title');
    expect(title).toMatchObject({ NewValue: 'Bulk title', CreatedById: sim.integrationUserId });
  });

  it('inserts report sf__Created true with the new id, and a missing required field', async () => {
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'insert', ...(polling as object), input: [{ LastName: 'Bulk, Inserted', Company: 'Acme' }, { Company: 'No name' }] as never });
    const ok = res.successfulResults as unknown as Rec[];
    expect(ok).toHaveLength(1);
    expect(ok[0]?.sf__Created).toBe('true');
    expect(sim.org.rows('Lead').get(ok[0]?.sf__Id as string)?.LastName).toBe('Bulk, Inserted');
    expect((res.failedResults as unknown as Rec[])[0]?.sf__Error).toBe('REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --');
  });

  it('answers a job’s mistakes with Salesforce’s error array', async () => {
    const bad = await raw('/jobs/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'Nope', operation: 'update' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual([{ errorCode: 'INVALIDJOB', message: 'InvalidJob : Unable to find object: Nope' }]);
    const upsert = await raw('/jobs/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ object: 'Lead', operation: 'upsert' }) });
    expect(((await upsert.json()) as Rec[])[0]?.errorCode).toBe('INVALIDJOB');
    // a closed job takes no more data
    const job = conn.bulk2.createJob({ object: 'Lead', operation: 'update' });
    const info = (await job.open()) as unknown as Rec;
    await job.uploadData([{ Id: leads[30], Title: 'x' }]);
    await job.close();
    const again = await raw(`/jobs/ingest/${info.id}/batches`, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: 'Id,Title\n' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as Rec[])[0]?.errorCode).toBe('INVALIDJOBSTATE');
    const missing = await raw('/jobs/ingest/750R00000000000AAA');
    expect(missing.status).toBe(404);
  });

  it('an aborted job writes nothing and hands its rows back as unprocessed', async () => {
    const job = new IngestJobV2(conn, { bodyParams: { object: 'Lead', operation: 'update' }, pollingOptions: polling });
    await job.open();
    await job.uploadData([{ Id: leads[40], Title: 'never' }]);
    await job.abort();
    expect(((await job.check()) as unknown as Rec).state).toBe('Aborted');
    expect(sim.org.rows('Lead').get(leads[40] as string)?.Title).not.toBe('never');
    expect(await job.getUnprocessedRecords()).toEqual([{ Id: leads[40], Title: 'never' }]);
  });

  it('query jobs: results in sets of maxRecords, Sforce-Locator to the next set and "null" after the last', async () => {
    const job = new QueryJobV2(conn, { bodyParams: { query: 'SELECT Id, Rating, Owner.Name, CreatedDate, AnnualRevenue FROM Lead ORDER BY Id', operation: 'query' }, pollingOptions: polling });
    const info = (await job.open()) as unknown as Rec;
    expect(info.state).toBe('UploadComplete');
    const early = await raw(`/jobs/query/${info.id}/results`);
    expect(early.status).toBe(412);
    await job.poll(10, 5000);
    const done = (await job.check()) as unknown as Record<string, unknown>;
    expect(done).toMatchObject({ state: 'JobComplete', jobType: 'V2Query', numberRecordsProcessed: sim.org.count('Lead') });
    const seen: string[] = [];
    let locator: string | null = null;
    let sets = 0;
    for (;;) {
      const res = await raw(`/jobs/query/${info.id}/results?maxRecords=120${locator ? `&locator=${locator}` : ''}`, { headers: { accept: 'text/csv' } });
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      const text = await res.text();
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe('"Id","Rating","Owner.Name","CreatedDate","AnnualRevenue"');
      expect(Number(res.headers.get('sforce-numberofrecords'))).toBe(lines.length - 1);
      for (const l of lines.slice(1)) seen.push(l.slice(1, 19));
      sets++;
      locator = res.headers.get('sforce-locator');
      if (locator === 'null') break;
    }
    expect(sets).toBe(Math.ceil(sim.org.count('Lead') / 120));
    expect(seen).toEqual([...sim.org.rows('Lead').keys()].sort());
    // a datetime is ISO 8601 with Z in query results
    const first = await raw(`/jobs/query/${info.id}/results?maxRecords=1`);
    expect((await first.text()).split('\n')[1]).toMatch(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z"/);
    const badLocator = await raw(`/jobs/query/${info.id}/results?locator=zz!`);
    expect(badLocator.status).toBe(400);
  });

  it('counts every request as one API call, query jobs and ingest batches against their own allocations', async () => {
    const limits = async () => (await (await raw('/limits')).json()) as Record<string, { Max: number; Remaining: number }>;
    const before = await limits();
    sim.resetStats();
    await conn.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'update', ...(polling as object), input: [{ Id: leads[50], Title: 'counted' }] as never });
    const calls = sim.stats().calls;
    // create, upload, close, each look at the state, and the three result lists
    expect(calls['POST /jobs/ingest']).toBe(1);
    expect(calls['PUT /jobs/ingest/{id}/batches']).toBe(1);
    expect(calls['PATCH /jobs/ingest/{id}']).toBe(1);
    expect(calls['GET /jobs/ingest/{id}']).toBeGreaterThanOrEqual(1);
    expect(sim.stats().totalCalls).toBe(6 + (calls['GET /jobs/ingest/{id}'] as number));
    const after = await limits();
    expect(after.DailyBulkApiBatches?.Remaining).toBe((before.DailyBulkApiBatches?.Remaining as number) - 1);
    expect(after.DailyApiRequests?.Remaining).toBe((before.DailyApiRequests?.Remaining as number) - sim.stats().totalCalls);
  });

  it('a spent batch allocation fails the job and leaves its rows unprocessed', async () => {
    const small = await startSalesforceSimulator({ onAnswer: record, records: 50, seed: 5, bulk: { processingMs: 20, dailyBatches: 1 } });
    const c2 = new jsforce.Connection({ instanceUrl: small.apiBase, accessToken: small.token, version: '62.0' });
    const ids = [...small.org.rows('Lead').keys()];
    // one batch a day: the first job spends it
    await c2.bulk2.loadAndWaitForResults({ object: 'Lead', operation: 'update', ...(polling as object), input: [{ Id: ids[0], Title: 'spend' }] as never });
    const job = c2.bulk2.createJob({ object: 'Lead', operation: 'update' });
    await job.open();
    await job.uploadData([{ Id: ids[1], Title: 'over the limit' }]);
    await job.close();
    await expect(job.poll(10, 5000)).rejects.toThrow(/Bulk API batches/);
    expect(await job.getUnprocessedRecords()).toEqual([{ Id: ids[1], Title: 'over the limit' }]);
    expect(small.org.rows('Lead').get(ids[1] as string)?.Title).not.toBe('over the limit');
    await small.close();
  });

  it('lists, aborts and deletes jobs: a finished ingest job and an aborted query job are deleted, listed no more', async () => {
    const ingest = conn.bulk2.createJob({ object: 'Lead', operation: 'update' });
    await ingest.open();
    await ingest.uploadData([{ Id: leads[3], Title: 'Listed' }]);
    await ingest.close();
    await ingest.poll(10, 5000);
    const query = new QueryJobV2(conn, {
      bodyParams: { query: 'SELECT Id FROM Lead', operation: 'query' },
      pollingOptions: polling,
    });
    const opened = await query.open();
    expect((await query.abort()).state).toBe('Aborted');
    const listed = async (kind: string) =>
      (
        (await conn.request(`/services/data/v62.0/jobs/${kind}`)) as { records: { id: string }[] }
      ).records.map((j) => j.id);
    expect(await listed('ingest')).toContain(ingest.id);
    expect(await listed('query')).toContain(opened.id);
    await ingest.delete();
    await query.delete();
    expect(await listed('ingest')).not.toContain(ingest.id);
    expect(await listed('query')).not.toContain(opened.id);
  });

  // Last: it reads the answers of every test above.
  it('answers every Bulk API 2.0 operation with a documented status and the documented job shape', () => {
    const { report, unanswered } = checkSuite('bulk', answers);
    expect(report.violations).toEqual([]);
    expect(report.unmatched).toEqual([]);
    expect(unanswered).toEqual([]);
  });
});
