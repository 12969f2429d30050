/**
 * Bulk API 2.0 jobs and their processing (reference: docs/reference/salesforce-bulk.md; the HTTP
 * resources are in `routes/bulk.ts`): ingest jobs (`/jobs/ingest`: create, one CSV upload,
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
import { DELIMITERS, LINE_ENDINGS, NULL_VALUE, parseCsv } from './csv.js';
import type { SfObject } from './schema.js';
import { type CompiledQuery, parseDateTime } from './soql.js';
import type { Row } from './soql-parser.js';
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
const BATCH_RECORDS = 10_000;
const DAY_MS = 86_400_000;
export const OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'];
export const TERMINAL = ['JobComplete', 'Failed', 'Aborted'];

export type State = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export interface JobBase {
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

export interface IngestJob extends JobBase {
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

export interface QueryJob extends JobBase {
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

export const invalidJob = (message: string) => SfApiError.one(400, 'INVALIDJOB', message);
export const invalidState = (message: string) => SfApiError.one(400, 'INVALIDJOBSTATE', message);
export const notFound = () => SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');

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

/** The org's Bulk API 2.0 jobs: their state, formats, the info the API answers, and processing. */
export function createBulkJobs(org: SalesforceOrg, opts: BulkOptions = {}) {
  const processingMs = opts.processingMs ?? 400;
  const maxUpload = opts.maxUploadBytes ?? 150 * 1024 * 1024;
  const defaultMaxRecords = opts.defaultMaxRecords ?? 50_000;
  const batches = new Rolling(opts.dailyBatches ?? 15_000);
  const queryJobs = new Rolling(opts.dailyQueryJobs ?? 10_000);
  const ingest = new Map<string, IngestJob>();
  const queries = new Map<string, QueryJob>();

  const stamp = () => org.nowStamp();
  const touch = (job: JobBase, state: State) => {
    job.state = state;
    job.systemModstamp = stamp();
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

  return {
    ingest,
    queries,
    maxUpload,
    defaultMaxRecords,
    queryJobs,
    stamp,
    touch,
    fail,
    formatOf,
    delim,
    eol,
    ingestInfo,
    queryInfo,
    schedule,
    processIngest,
    processQuery,
    close: () => {
      for (const j of [...ingest.values(), ...queries.values()]) clearTimeout(j.timer);
    },
    limits: (): Record<string, { Max: number; Remaining: number }> => ({
      DailyBulkApiBatches: { Max: batches.max, Remaining: batches.max - batches.used() },
      DailyBulkV2QueryJobs: { Max: queryJobs.max, Remaining: queryJobs.max - queryJobs.used() },
    }),
  };
}
