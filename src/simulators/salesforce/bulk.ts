/**
 * Bulk API 2.0 (reference: docs/reference/salesforce-bulk.md): ingest jobs (`/jobs/ingest`: create, one CSV upload,
 * `UploadComplete` or `Aborted`, job info, `successfulResults` / `failedResults` /
 * `unprocessedrecords`, delete) and query jobs (`/jobs/query`: create, info, `results` in sets
 * with `Sforce-Locator` / `Sforce-NumberOfRecords`, abort, delete).
 *
 * Processing is asynchronous as on the platform: a closed ingest job (or a new query job) waits
 * `processingMs / 2`, turns `InProgress`, is processed, and turns `JobComplete` another
 * `processingMs / 2` later. Ingest data is processed in internal batches of 10,000 records, each one
 * counted against the org's rolling 24 h Bulk batch allocation (15,000, shared with Bulk API 1.0);
 * every query job counts against the 10,000 query jobs per 24 h. Every HTTP request of this API is
 * one API call against the daily allocation, like any REST call (the routes go through `rest`).
 * Rows are written through the org's own write path, so validation, audit fields, field history and
 * change events are the REST API's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DELIMITERS, LINE_ENDINGS, NULL_VALUE, CsvError, parseCsv, toCsv } from './csv.js';
import type { Session } from './routes.js';
import type { SfObject } from './schema.js';
import { type CompiledQuery, type Row, parseDateTime } from './soql.js';
import { type SalesforceOrg, SfApiError } from './state.js';

export interface BulkOptions {
  /** Wait before a job is processed plus wait before it completes, ms (default 400). */
  processingMs?: number;
  /** Rolling 24 h allocation of internal ingest batches, shared with Bulk API 1.0 (default 15,000). */
  dailyBatches?: number;
  /** Query jobs per rolling 24 h (default 10,000). */
  dailyQueryJobs?: number;
  /** Largest upload, counted as base64 the way Salesforce counts it (default 150 MB). */
  maxUploadBytes?: number;
  /** Records per result set when a request gives no maxRecords (default 50,000). */
  defaultMaxRecords?: number;
}

type Handler = (req: FastifyRequest, reply: FastifyReply, s: Session & { version: string }) => unknown;
type Rest = (template: string, handler: Handler) => (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

const BATCH_RECORDS = 10_000;
const DAY_MS = 86_400_000;
const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];
const TERMINAL = ['JobComplete', 'Failed', 'Aborted'];

type State = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

interface JobBase {
  id: string;
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: State;
  apiVersion: string;
  lineEnding: string;
  columnDelimiter: string;
  errorMessage?: string;
  startedAt?: number;
  finishedAt?: number;
  timer?: NodeJS.Timeout;
}

interface IngestJob extends JobBase {
  kind: 'ingest';
  operation: string;
  externalIdFieldName?: string;
  assignmentRuleId?: string;
  data: string | null;
  header: string[];
  successful: string[][];
  failed: string[][];
  unprocessed: string[][];
  processed: number;
}

interface QueryJob extends JobBase {
  kind: 'query';
  operation: 'query' | 'queryAll';
  query: string;
  compiled: CompiledQuery;
  columns: string[];
  results: (string | null)[][] | null;
}

/** A rolling 24 h counter of events (batches, query jobs). */
class Rolling {
  private readonly times: number[] = [];
  constructor(readonly max: number) {}
  used(now = Date.now()): number {
    while (this.times.length > 0 && (this.times[0] as number) <= now - DAY_MS) this.times.shift();
    return this.times.length;
  }
  take(now = Date.now()): boolean {
    if (this.used(now) >= this.max) return false;
    this.times.push(now);
    return true;
  }
}

const invalidJob = (message: string) => SfApiError.one(400, 'INVALIDJOB', message);
const invalidState = (message: string) => SfApiError.one(400, 'INVALIDJOBSTATE', message);
const notFound = () => SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');

/** `sf__Error`: `CODE:message:fields --`, as the failed results carry it. */
function errorText(e: unknown): string {
  if (e instanceof SfApiError) {
    const x = e.errors[0];
    return `${x?.errorCode ?? 'UNKNOWN_EXCEPTION'}:${x?.message ?? ''}:${(x?.fields ?? []).join(',')} --`;
  }
  return `UNKNOWN_EXCEPTION:${String((e as Error)?.message ?? e)}: --`;
}

/** A query result value as Bulk API 2.0 writes it: ISO datetimes with `Z`, `true`/`false`, empty for null. */
function csvValue(v: unknown, type: string): string | null {
  if (v === null || v === undefined) return null;
  if (type === 'datetime' && typeof v === 'string') {
    const t = parseDateTime(v);
    return Number.isNaN(t) ? v : new Date(t).toISOString();
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

const locatorOf = (offset: number) => Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
function offsetOf(locator: string): number | null {
  if (!/^[A-Za-z0-9+/]+$/.test(locator)) return null;
  const s = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(s) ? Number(s) : null;
}

export function registerBulkRoutes(app: FastifyInstance, org: SalesforceOrg, rest: Rest, opts: BulkOptions = {}): { limits(): Record<string, { Max: number; Remaining: number }> } {
  const processingMs = opts.processingMs ?? 400;
  const maxUpload = opts.maxUploadBytes ?? 150 * 1024 * 1024;
  const defaultMaxRecords = opts.defaultMaxRecords ?? 50_000;
  const batches = new Rolling(opts.dailyBatches ?? 15_000);
  const queryJobs = new Rolling(opts.dailyQueryJobs ?? 10_000);
  const ingest = new Map<string, IngestJob>();
  const queries = new Map<string, QueryJob>();

  // Job data is CSV; the size check is this API's own (base64 counted), so the parser takes more.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: Math.ceil(maxUpload) + 1024 * 1024 }, (_req, body, done) => done(null, body));

  const stamp = () => org.nowStamp();
  const touch = (job: JobBase, state: State) => {
    job.state = state;
    job.systemModstamp = stamp();
  };
  const jsonBody = (req: FastifyRequest): Record<string, unknown> => {
    const b = req.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw SfApiError.one(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
    return b as Record<string, unknown>;
  };
  const formatOf = (body: Record<string, unknown>) => {
    const lineEnding = String(body.lineEnding ?? 'LF');
    const columnDelimiter = String(body.columnDelimiter ?? 'COMMA');
    if (!(lineEnding in LINE_ENDINGS)) throw invalidJob(`InvalidJob : Invalid line ending: ${lineEnding}. Use LF or CRLF`);
    if (!(columnDelimiter in DELIMITERS)) throw invalidJob(`InvalidJob : Invalid column delimiter: ${columnDelimiter}`);
    if (body.contentType !== undefined && body.contentType !== 'CSV') throw invalidJob(`InvalidJob : Invalid content type: ${String(body.contentType)}. Only CSV is supported`);
    return { lineEnding, columnDelimiter };
  };
  const delim = (job: JobBase) => DELIMITERS[job.columnDelimiter] as string;
  const eol = (job: JobBase) => LINE_ENDINGS[job.lineEnding] as string;
  const timing = (job: JobBase) => {
    const total = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : 0;
    return { retries: 0, totalProcessingTime: total, apiActiveProcessingTime: total, apexProcessingTime: 0 };
  };

  const ingestInfo = (job: IngestJob, full: boolean) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    ...(job.assignmentRuleId ? { assignmentRuleId: job.assignmentRuleId } : {}),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    ...(job.state === 'Open' ? { contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches` } : {}),
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    ...(full
      ? {
          jobType: 'V2Ingest',
          numberRecordsProcessed: job.processed,
          numberRecordsFailed: job.failed.length,
          ...timing(job),
          ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
        }
      : {}),
  });

  const queryInfo = (job: QueryJob, full: boolean) => ({
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    ...(full
      ? { jobType: 'V2Query', numberRecordsProcessed: job.results?.length ?? 0, ...timing(job), ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}) }
      : {}),
  });

  // ---- ingest processing ------------------------------------------------------------------

  const fail = (job: JobBase, message: string) => {
    job.errorMessage = message;
    job.finishedAt = Date.now();
    touch(job, 'Failed');
  };

  /** One row through the org's write path; the row's record id, and whether it was created. */
  const applyRow = (job: IngestJob, obj: SfObject, body: Record<string, unknown>, idIn: string | undefined, userId: string): { id: string; created: boolean } => {
    switch (job.operation) {
      case 'insert': {
        const p = org.prepareCreate(obj.name, body);
        return { id: org.commitCreate(p.obj, p.values, userId), created: true };
      }
      case 'update': {
        const p = org.prepareUpdate(obj, idIn, body);
        org.applyUpdate(obj, p.row, p.values, userId, 'api');
        return { id: p.row.Id as string, created: false };
      }
      case 'upsert': {
        const ext = job.externalIdFieldName as string;
        let existing: string | undefined;
        if (ext.toLowerCase() === 'id') existing = idIn;
        else {
          const key = body[ext] ?? body[obj.byLower.get(ext.toLowerCase())?.name ?? ext];
          if (key === undefined || key === null) throw SfApiError.one(400, 'MISSING_ARGUMENT', `${ext} not specified`, [ext]);
          const f = obj.byLower.get(ext.toLowerCase()) as { name: string };
          const matches = [...org.rows(obj.name).values()].filter((r) => r[f.name] === key);
          if (matches.length > 1) throw SfApiError.one(400, 'DUPLICATE_EXTERNAL_ID', `${ext}: more than one record found for external id field: ${String(key)}`, [ext]);
          existing = matches[0]?.Id as string | undefined;
        }
        if (existing) {
          const p = org.prepareUpdate(obj, existing, body);
          org.applyUpdate(obj, p.row, p.values, userId, 'api');
          return { id: p.row.Id as string, created: false };
        }
        const p = org.prepareCreate(obj.name, body);
        return { id: org.commitCreate(p.obj, p.values, userId), created: true };
      }
      default: {
        // delete: the record goes to the recycle bin, as a REST delete does.
        if (!idIn) throw SfApiError.one(400, 'MISSING_ARGUMENT', 'Id not specified in a delete call', ['Id']);
        const row = org.prepareUpdate(obj, idIn, {}).row;
        org.remove(obj.name, row.Id as string, userId);
        return { id: row.Id as string, created: false };
      }
    }
  };

  const processIngest = async (job: IngestJob) => {
    touch(job, 'InProgress');
    job.startedAt = Date.now();
    const obj = org.requireObject(job.object);
    let rows: string[][];
    try {
      rows = parseCsv(job.data ?? '', delim(job), eol(job));
    } catch (e) {
      fail(job, `InvalidBatch : Failed to parse CSV: ${(e as Error).message}`);
      return;
    }
    job.data = null;
    const header = (rows.shift() ?? []).map((h) => h.trim());
    job.header = header;
    const columns = header.map((h) => {
      if (h.toLowerCase() === 'id') return 'Id';
      const f = obj.byLower.get(h.toLowerCase());
      return f ? f.name : null;
    });
    const unknown = header.filter((_, i) => columns[i] === null);
    if (header.length === 0 || rows.length === 0) {
      fail(job, 'InvalidBatch : No data was uploaded to this job: the CSV needs a header row and at least one record');
      return;
    }
    if (unknown.length > 0) {
      fail(job, `InvalidBatch : Field name not found : ${unknown[0]}`);
      job.unprocessed = rows;
      return;
    }
    const idCol = columns.indexOf('Id');
    for (let start = 0; start < rows.length; start += BATCH_RECORDS) {
      if ((job.state as State) === 'Aborted') {
        job.unprocessed.push(...rows.slice(start));
        return;
      }
      if (!batches.take()) {
        job.unprocessed.push(...rows.slice(start));
        fail(job, `InvalidBatch : Exceeded the org's limit of ${batches.max} Bulk API batches in 24 hours; the remaining records were not processed`);
        return;
      }
      for (const values of rows.slice(start, start + BATCH_RECORDS)) {
        const body: Record<string, unknown> = {};
        let idIn: string | undefined;
        columns.forEach((c, i) => {
          const v = values[i] ?? '';
          if (i === idCol) {
            idIn = v === '' ? undefined : v;
            return;
          }
          // Empty: leave the field as it is; #N/A: set it to null.
          if (v === '') return;
          body[c as string] = v === NULL_VALUE ? null : v;
        });
        try {
          if (values.length !== header.length) throw SfApiError.one(400, 'INVALID_FIELD', `Wrong number of values in this row: ${values.length}, the header has ${header.length}`);
          const r = applyRow(job, obj, body, idIn, job.createdById);
          job.successful.push([r.id, r.created ? 'true' : 'false', ...values]);
        } catch (e) {
          job.failed.push([idIn && job.operation !== 'insert' ? idIn : '', errorText(e), ...values]);
        }
        job.processed++;
      }
      // Other requests are answered between internal batches.
      await new Promise((r) => setImmediate(r));
    }
    job.finishedAt = Date.now();
    job.timer = setTimeout(() => {
      if (job.state === 'InProgress') touch(job, 'JobComplete');
    }, processingMs / 2);
  };

  const schedule = (job: JobBase, run: () => Promise<void> | void) => {
    job.timer = setTimeout(() => {
      if (job.state === 'Aborted') return;
      void Promise.resolve(run()).catch((e) => fail(job, `InternalServerError : ${(e as Error).message}`));
    }, processingMs / 2);
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

  // ---- query jobs ------------------------------------------------------------------------

  const processQuery = (job: QueryJob) => {
    touch(job, 'InProgress');
    job.startedAt = Date.now();
    const rows = org.runQuery(job.compiled, job.operation === 'queryAll');
    const version = job.apiVersion;
    job.results = rows.map((row) => {
      const rec = job.compiled.project(row, version);
      return job.compiled.fields.map((f) => {
        let v: unknown = rec;
        for (const k of f.out) v = v && typeof v === 'object' ? (v as Row)[k] : null;
        return csvValue(v, f.field.type);
      });
    });
    job.finishedAt = Date.now();
    job.timer = setTimeout(() => {
      if (job.state === 'InProgress') touch(job, 'JobComplete');
    }, processingMs / 2);
  };

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

  app.addHook('onClose', async () => {
    for (const j of [...ingest.values(), ...queries.values()]) clearTimeout(j.timer);
  });

  return {
    limits: () => ({
      DailyBulkApiBatches: { Max: batches.max, Remaining: batches.max - batches.used() },
      DailyBulkV2QueryJobs: { Max: queryJobs.max, Remaining: queryJobs.max - queryJobs.used() },
    }),
  };
}
