/**
 * Bulk API 2.0's HTTP resources (`/jobs/ingest`, `/jobs/query`) over the org's jobs (`../bulk.ts`).
 * Every request is one call against the daily allocation, like any REST call (the routes go
 * through `rest`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type BulkOptions, type IngestJob, OPERATIONS, type QueryJob, TERMINAL, createBulkJobs, invalidJob, invalidState, notFound } from '../bulk.js';
import { CsvError, parseCsv, toCsv } from '../csv.js';
import type { Rest } from '../routes.js';
import { type SalesforceOrg, SfApiError } from '../state.js';

const locatorOf = (offset: number) => Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
function offsetOf(locator: string): number | null {
  if (!/^[A-Za-z0-9+/]+$/.test(locator)) return null;
  const s = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(s) ? Number(s) : null;
}

export function registerBulkRoutes(app: FastifyInstance, org: SalesforceOrg, rest: Rest, opts: BulkOptions = {}): { limits(): Record<string, { Max: number; Remaining: number }> } {
  const jobs = createBulkJobs(org, opts);
  const { ingest, queries, maxUpload, defaultMaxRecords, queryJobs, stamp, touch, fail, formatOf, delim, eol, ingestInfo, queryInfo, schedule, processIngest, processQuery } = jobs;

  // Job data is CSV; the size check is this API's own (base64 counted), so the parser takes more.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: Math.ceil(maxUpload) + 1024 * 1024 }, (_req, body, done) => done(null, body));
  const jsonBody = (req: FastifyRequest): Record<string, unknown> => {
    const b = req.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw SfApiError.one(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    return b as Record<string, unknown>;
  };

  const ingestJob = (req: FastifyRequest): IngestJob => {
    const job = ingest.get((req.params as { id: string }).id);
    if (!job) throw notFound();
    return job;
  };
  const queryJob = (req: FastifyRequest): QueryJob => {
    const job = queries.get((req.params as { id: string }).id);
    if (!job) throw notFound();
    return job;
  };

  app.post(
    '/services/data/:v/jobs/ingest',
    rest('POST /jobs/ingest', (req, _reply, s) => {
      const body = jsonBody(req);
      const operation = String(body.operation ?? '');
      if (!OPERATIONS.includes(operation)) throw invalidJob(`InvalidJob : Invalid operation: ${operation || '(none)'}. Use insert, update, upsert, delete or hardDelete`);
      const obj = org.object(String(body.object ?? ''));
      if (!obj) throw invalidJob(`InvalidJob : Unable to find object: ${String(body.object ?? '')}`);
      if (operation === 'hardDelete') throw SfApiError.one(400, 'INSUFFICIENT_ACCESS', 'InvalidJob : The user needs the "Bulk API Hard Delete" permission to hard delete records');
      const allowed = operation === 'insert' ? obj.createable : operation === 'update' ? obj.updateable : operation === 'upsert' ? obj.createable && obj.updateable : obj.deletable;
      if (!allowed) throw invalidJob(`InvalidJob : Entity type ${obj.name} does not support ${operation}`);
      const ext = body.externalIdFieldName === undefined ? undefined : String(body.externalIdFieldName);
      if (operation === 'upsert') {
        if (!ext) throw invalidJob(`InvalidJob : External ID was blank for ${obj.name}. An External ID must be specified for upsert.`);
        if (ext.toLowerCase() !== 'id' && !obj.byLower.get(ext.toLowerCase())) throw invalidJob(`InvalidJob : Field name provided, ${ext} does not match an External ID, Salesforce Id, or indexed field for ${obj.name}`);
      }
      const now = stamp();
      const job: IngestJob = {
        kind: 'ingest', id: org.ids.next('750'), object: obj.name, operation, ...(ext ? { externalIdFieldName: ext } : {}),
        ...(typeof body.assignmentRuleId === 'string' ? { assignmentRuleId: body.assignmentRuleId } : {}),
        createdById: s.userId, createdDate: now, systemModstamp: now, state: 'Open', apiVersion: s.version, ...formatOf(body),
        data: null, header: [], successful: [], failed: [], unprocessed: [], processed: 0,
      };
      ingest.set(job.id, job);
      return ingestInfo(job, false);
    }),
  );

  app.put(
    '/services/data/:v/jobs/ingest/:id/batches',
    rest('PUT /jobs/ingest/{id}/batches', (req, reply) => {
      const job = ingestJob(req);
      if (job.state !== 'Open') throw invalidState(`InvalidJobState : Job ${job.id} is not open for uploads: its state is ${job.state}`);
      if (job.data !== null) throw invalidState(`InvalidJobState : Data was already uploaded to job ${job.id}; create another job for more data`);
      const ct = String(req.headers['content-type'] ?? '');
      if (!/^text\/csv\b/i.test(ct)) throw SfApiError.one(400, 'INVALIDJOB', `InvalidJob : Unsupported content type ${ct || '(none)'}: job data is text/csv`);
      const data = typeof req.body === 'string' ? req.body : '';
      const base64 = Math.ceil(Buffer.byteLength(data) / 3) * 4;
      if (base64 > maxUpload) throw SfApiError.one(400, 'INVALIDJOB', `InvalidJob : The upload is ${base64} bytes as base64, over the limit of ${maxUpload}; split the data across several jobs`);
      job.data = data;
      return reply.code(201).send();
    }),
  );

  app.patch(
    '/services/data/:v/jobs/ingest/:id',
    rest('PATCH /jobs/ingest/{id}', (req) => {
      const job = ingestJob(req);
      const state = String(jsonBody(req).state ?? '');
      if (state === 'UploadComplete') {
        if (job.state !== 'Open') throw invalidState(`InvalidJobState : Job ${job.id} cannot be closed: its state is ${job.state}`);
        touch(job, 'UploadComplete');
        if (job.data === null) {
          fail(job, 'InvalidBatch : No data was uploaded to this job');
        } else schedule(job, () => processIngest(job));
        return ingestInfo(job, false);
      }
      if (state === 'Aborted') {
        if (TERMINAL.includes(job.state)) throw invalidState(`InvalidJobState : Job ${job.id} cannot be aborted: its state is ${job.state}`);
        clearTimeout(job.timer);
        touch(job, 'Aborted');
        return ingestInfo(job, false);
      }
      throw invalidState(`InvalidJobState : Invalid state: ${state || '(none)'}. Use UploadComplete or Aborted`);
    }),
  );

  app.get('/services/data/:v/jobs/ingest/:id', rest('GET /jobs/ingest/{id}', (req) => ingestInfo(ingestJob(req), true)));

  app.get(
    '/services/data/:v/jobs/ingest',
    rest('GET /jobs/ingest', () => ({ done: true, records: [...ingest.values()].map((j) => ingestInfo(j, false)), nextRecordsUrl: null })),
  );

  app.delete(
    '/services/data/:v/jobs/ingest/:id',
    rest('DELETE /jobs/ingest/{id}', (req, reply) => {
      const job = ingestJob(req);
      if (job.state === 'Open' || job.state === 'InProgress') throw invalidState(`InvalidJobState : Job ${job.id} cannot be deleted in state ${job.state}: abort it first`);
      clearTimeout(job.timer);
      ingest.delete(job.id);
      return reply.code(204).send();
    }),
  );

  const results = (name: string, pick: (job: IngestJob) => { head: string[]; rows: string[][] }) =>
    rest(`GET /jobs/ingest/{id}/${name}`, (req, reply) => {
      const job = ingestJob(req);
      if (job.state === 'Open') throw invalidState(`InvalidJobState : Job ${job.id} has not been closed: no results yet`);
      const { head, rows } = pick(job);
      return reply.type('text/csv').send(toCsv([head, ...rows], delim(job), eol(job), true));
    });
  app.get('/services/data/:v/jobs/ingest/:id/successfulResults', results('successfulResults', (j) => ({ head: ['sf__Id', 'sf__Created', ...j.header], rows: j.successful })));
  app.get('/services/data/:v/jobs/ingest/:id/failedResults', results('failedResults', (j) => ({ head: ['sf__Id', 'sf__Error', ...j.header], rows: j.failed })));
  app.get(
    '/services/data/:v/jobs/ingest/:id/unprocessedrecords',
    results('unprocessedrecords', (j) => {
      // Never processed (aborted or failed before processing): the uploaded data as it was.
      if (j.data !== null && j.header.length === 0) {
        try {
          const rows = parseCsv(j.data, delim(j), eol(j));
          return { head: rows[0] ?? [], rows: rows.slice(1) };
        } catch (e) {
          if (!(e instanceof CsvError)) throw e;
        }
      }
      return { head: j.header, rows: j.unprocessed };
    }),
  );

  app.post(
    '/services/data/:v/jobs/query',
    rest('POST /jobs/query', (req, _reply, s) => {
      const body = jsonBody(req);
      const operation = String(body.operation ?? 'query');
      if (operation !== 'query' && operation !== 'queryAll') throw invalidJob(`InvalidJob : Invalid operation: ${operation}. Use query or queryAll`);
      if (typeof body.query !== 'string' || !body.query.trim()) throw invalidJob('InvalidJob : A query is required');
      const compiled = org.compile(body.query);
      if (compiled.count) throw SfApiError.one(400, 'INVALIDJOB', 'InvalidJob : Aggregate queries (COUNT()) are not supported by Bulk API 2.0 query jobs; use the REST query resource');
      if (compiled.offset > 0) throw SfApiError.one(400, 'INVALIDJOB', 'InvalidJob : OFFSET is not supported by Bulk API 2.0 query jobs');
      const format = formatOf(body);
      if (!queryJobs.take()) throw SfApiError.one(400, 'REQUEST_LIMIT_EXCEEDED', `Exceeded the org's limit of ${queryJobs.max} Bulk API 2.0 query jobs in 24 hours`);
      const now = stamp();
      const job: QueryJob = {
        kind: 'query', id: org.ids.next('750'), object: compiled.object.name, operation, query: body.query, compiled,
        columns: compiled.fields.map((f) => f.out.join('.')), results: null,
        createdById: s.userId, createdDate: now, systemModstamp: now, state: 'UploadComplete', apiVersion: s.version, ...format,
      };
      queries.set(job.id, job);
      schedule(job, () => processQuery(job));
      return queryInfo(job, false);
    }),
  );

  app.get('/services/data/:v/jobs/query/:id', rest('GET /jobs/query/{id}', (req) => queryInfo(queryJob(req), true)));

  app.get(
    '/services/data/:v/jobs/query',
    rest('GET /jobs/query', () => ({ done: true, records: [...queries.values()].map((j) => queryInfo(j, false)), nextRecordsUrl: null })),
  );

  app.get(
    '/services/data/:v/jobs/query/:id/results',
    rest('GET /jobs/query/{id}/results', (req, reply) => {
      const job = queryJob(req);
      if (job.state !== 'JobComplete' || !job.results) {
        throw SfApiError.one(412, 'JOB_NOT_COMPLETE', `can only download query results of successfully completed bulk job with status: JOB_COMPLETE. Current status: ${job.state.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`);
      }
      const q = req.query as { locator?: string; maxRecords?: string };
      const start = q.locator === undefined || q.locator === '' ? 0 : offsetOf(q.locator);
      if (start === null || start > job.results.length) throw SfApiError.one(400, 'INVALID_QUERY_LOCATOR', `Invalid locator: ${q.locator}`);
      let max = defaultMaxRecords;
      if (q.maxRecords !== undefined) {
        if (!/^\d+$/.test(q.maxRecords) || Number(q.maxRecords) < 1) throw SfApiError.one(400, 'INVALIDJOB', `InvalidJob : maxRecords must be a positive whole number, not ${q.maxRecords}`);
        max = Number(q.maxRecords);
      }
      const end = Math.min(job.results.length, start + max);
      const set = job.results.slice(start, end);
      reply.header('Sforce-Locator', end < job.results.length ? locatorOf(end) : 'null');
      reply.header('Sforce-NumberOfRecords', String(set.length));
      return reply.type('text/csv').send(toCsv([job.columns, ...set], delim(job), eol(job), true));
    }),
  );

  app.patch(
    '/services/data/:v/jobs/query/:id',
    rest('PATCH /jobs/query/{id}', (req) => {
      const job = queryJob(req);
      const state = String(jsonBody(req).state ?? '');
      if (state !== 'Aborted') throw invalidState(`InvalidJobState : Invalid state: ${state || '(none)'}. A query job can only be set to Aborted`);
      if (TERMINAL.includes(job.state)) throw invalidState(`InvalidJobState : Job ${job.id} cannot be aborted: its state is ${job.state}`);
      clearTimeout(job.timer);
      touch(job, 'Aborted');
      return queryInfo(job, false);
    }),
  );

  app.delete(
    '/services/data/:v/jobs/query/:id',
    rest('DELETE /jobs/query/{id}', (req, reply) => {
      const job = queryJob(req);
      if (job.state === 'UploadComplete' || job.state === 'InProgress') throw invalidState(`InvalidJobState : Job ${job.id} cannot be deleted in state ${job.state}: abort it first`);
      queries.delete(job.id);
      return reply.code(204).send();
    }),
  );

  app.addHook('onClose', async () => jobs.close());

  return { limits: jobs.limits };
}
