/**
 * Salesforce Bulk API 2.0 through jsforce's bulk2 classes (reference: docs/reference/salesforce-bulk.md): CSV
 * ingest jobs for large writes, query jobs for large reads. Every HTTP request of a job (create,
 * upload, close, each look at its state, each result set) is one call through the connector's
 * runtime — limiter, daily-quota guard, retries — and one API request on the org's allocation, as
 * Salesforce counts them.
 *
 * jsforce's own `bulk2.query()` / `QueryJobV2.result()` pipe every result set into one stream and
 * fail on the second set ("write after end"), and read everything before returning: result sets are
 * read one at a time here, `maxRecords` each, following `Sforce-Locator` through the job's own
 * request method, so a large read is paged like a REST query.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type jsforce from 'jsforce';
import { IngestJobV2, QueryJobV2 } from 'jsforce/lib/api/bulk2.js';
import { InrecordError } from '../../errors/index.js';
import type { FieldValue, RecordUpdate, WriteResult } from '../types.js';
import { isoFromSf, parseBulkError, soqlString, writeFailure } from './codec.js';

type Conn = InstanceType<typeof jsforce.Connection>;
type Rec = Record<string, unknown>;
type Call = <T>(what: string, fn: (c: Conn) => Promise<T>) => Promise<T>;

export interface BulkSettings {
  enabled: boolean;
  /** Records from which a read or write uses Bulk API 2.0. */
  threshold: number;
  /** Records per ingest job. */
  jobSize: number;
  pollIntervalMs: number;
  pollTimeoutMs: number;
  /** Records per query result set (`maxRecords`). */
  resultSetSize?: number;
}

/** What an ingest job reports, row by row; rows carry the uploaded columns as strings. */
export interface IngestOutcome {
  jobId: string;
  /** When the job was created, by the org's clock (ISO 8601 UTC): every row it wrote is modified at or after it. */
  createdDate: string;
  state: string;
  /** The job's own message when it failed or was aborted. */
  errorMessage?: string;
  successful: Rec[];
  failed: Rec[];
  unprocessed: Rec[];
}

interface JobState {
  id: string;
  state: string;
  createdDate?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
  errorMessage?: string;
}

/** The request method a QueryJobV2 uses for itself (it records `Sforce-Locator` from each answer). */
interface QueryRequests {
  createQueryRequest(req: { method: string; path: string; headers?: Record<string, string>; responseType?: string }): Promise<unknown>;
  locator?: string;
}

const DONE = ['JobComplete', 'Failed', 'Aborted'];

/** Records per result set of a query job (`maxRecords`): a few tens of MB per answer. */
const RESULT_SET = 50_000;

/**
 * jsforce parses an error answer with the type the request expects: a result request (CSV) turns
 * Salesforce's `[{"errorCode","message"}]` into `ERROR_HTTP_<status>` with the JSON as its message.
 * The error is given back its own code and message, so that limits, expired sessions and faults are
 * told apart as on every other call.
 */
export function salesforceError(err: unknown): unknown {
  const e = err as { errorCode?: string; name?: string; message?: string };
  if (!e || typeof e.errorCode !== 'string' || !/^ERROR_HTTP_\d+$/.test(e.errorCode)) return err;
  try {
    const body = JSON.parse(String(e.message)) as { errorCode?: string; message?: string }[];
    const first = Array.isArray(body) ? body[0] : undefined;
    if (!first?.errorCode) return err;
    e.errorCode = first.errorCode;
    e.name = first.errorCode;
    e.message = String(first.message ?? '');
  } catch {
    // not Salesforce's error array: left as jsforce gave it
  }
  return err;
}

export class SalesforceBulk {
  private readonly call: Call;

  constructor(
    private readonly conn: Conn,
    call: Call,
    readonly settings: BulkSettings,
  ) {
    this.call = (what, fn) =>
      call(what, async (c) => {
        try {
          return await fn(c);
        } catch (err) {
          throw salesforceError(err);
        }
      });
  }

  /** Whether `n` records are read or written through Bulk API 2.0. */
  uses(n: number): boolean {
    return this.settings.enabled && n >= this.settings.threshold;
  }

  /** Polls a job (the first look one interval after it starts) until it is done or the timeout passes. */
  private async waitFor(what: string, check: () => Promise<JobState>, id: string): Promise<JobState> {
    const deadline = Date.now() + this.settings.pollTimeoutMs;
    for (;;) {
      await sleep(this.settings.pollIntervalMs);
      const info = await this.call(`${what}: job state`, () => check());
      if (DONE.includes(info.state)) return info;
      if (Date.now() > deadline) {
        throw new InrecordError('IR_CRM_UNAVAILABLE', `Salesforce ${what}: Bulk API job ${id} is still ${info.state} after ${Math.round(this.settings.pollTimeoutMs / 1000)} s`, {
          retryable: true,
          context: { jobId: id, state: info.state },
          fix: `Salesforce is still processing job ${id} (Setup → Bulk Data Load Jobs shows it); the records are retried later. If jobs often take this long, raise crm.bulk.pollTimeout.`,
        });
      }
    }
  }

  /**
   * One ingest job: create, upload the rows as CSV (jsforce serialises them; null → `#N/A`, an
   * empty string leaves a field as it is), close, wait, then read the failed rows when the job
   * counts any, and the successful and unprocessed rows when it did not process them all. Every row
   * must carry the same columns.
   */
  async ingest(object: string, operation: 'update' | 'insert', rows: Rec[]): Promise<IngestOutcome> {
    const what = `bulk ${operation} ${object}`;
    const params = { object, operation, contentType: 'CSV' as const, lineEnding: 'LF' as const };
    let job = new IngestJobV2(this.conn, { bodyParams: params, pollingOptions: this.pollingOptions() });
    const info = (await this.call(`${what}: create job`, () => job.open())) as unknown as JobState;
    const id = info.id;
    let attempt = 0;
    await this.call(`${what}: upload ${rows.length} rows`, async () => {
      // jsforce takes a job's data once: a retried upload goes through a fresh handle of the same job.
      if (attempt++ > 0) {
        job = new IngestJobV2(this.conn, { id, pollingOptions: this.pollingOptions() });
        await job.check();
      }
      await job.uploadData(rows as never);
    });
    await this.call(`${what}: close job`, () => job.close());
    const end = await this.waitFor(what, () => job.check() as unknown as Promise<JobState>, id);
    // The job's counts say which result lists hold anything: a clean job needs none of them.
    const processed = Number(end.numberRecordsProcessed ?? -1);
    const failedCount = Number(end.numberRecordsFailed ?? -1);
    const all = end.state === 'JobComplete' && processed === rows.length;
    const failed = all && failedCount === 0 ? [] : ((await this.call(`${what}: failed results`, () => job.getFailedResults())) as unknown as Rec[]);
    let successful: Rec[];
    if (all) {
      const bad = new Set(failed.map((r) => String(r.Id)));
      successful = rows.filter((r) => !bad.has(String(r.Id)));
    } else successful = (await this.call(`${what}: successful results`, () => job.getSuccessfulResults())) as unknown as Rec[];
    const unprocessed = all ? [] : ((await this.call(`${what}: unprocessed records`, () => job.getUnprocessedRecords())) as unknown as Rec[]);
    return { jobId: id, createdDate: isoFromSf(String(info.createdDate)), state: end.state, ...(end.errorMessage ? { errorMessage: end.errorMessage } : {}), successful, failed, unprocessed };
  }

  /** A query job's records, one result set at a time (strings as in the CSV; '' where the value is null). */
  async *query(what: string, soql: string, scanAll = false): AsyncIterable<Rec[]> {
    const job = new QueryJobV2(this.conn, { bodyParams: { query: soql, operation: scanAll ? 'queryAll' : 'query' }, pollingOptions: this.pollingOptions() });
    const info = (await this.call(`bulk ${what}: create query job`, () => job.open())) as unknown as JobState;
    const end = await this.waitFor(`bulk ${what}`, () => job.check() as unknown as Promise<JobState>, info.id);
    if (end.state !== 'JobComplete') {
      throw new InrecordError('IR_CRM_UNAVAILABLE', `Salesforce bulk ${what}: query job ${info.id} ended ${end.state}${end.errorMessage ? `: ${end.errorMessage}` : ''}`, {
        retryable: true,
        context: { jobId: info.id, state: end.state },
      });
    }
    const requests = job as unknown as QueryRequests;
    const size = this.settings.resultSetSize ?? RESULT_SET;
    let locator: string | undefined;
    for (;;) {
      const path = `/${info.id}/results?maxRecords=${size}${locator ? `&locator=${encodeURIComponent(locator)}` : ''}`;
      const rows = (await this.call(`bulk ${what}: results`, () => requests.createQueryRequest({ method: 'GET', path, headers: { Accept: 'text/csv' }, responseType: 'text/csv' }))) as Rec[] | string | undefined;
      const next = requests.locator;
      if (Array.isArray(rows) && rows.length > 0) yield rows;
      if (!next || next === 'null' || next === locator) return;
      locator = next;
    }
  }

  private pollingOptions() {
    return { pollInterval: this.settings.pollIntervalMs, pollTimeout: this.settings.pollTimeoutMs } as never;
  }
}

/**
 * The rows of an update job: `Id` plus every field any update sets, in the same columns for all
 * rows; a field a record does not set is '' (left as it is), a null is written as `#N/A` by jsforce.
 */
export function updateRows(updates: RecordUpdate[], encode: (field: string, v: FieldValue) => { name: string; value: unknown }): Rec[] {
  const columns = new Map<string, string>();
  const encoded = updates.map((u) => {
    const rec: Rec = {};
    for (const [k, v] of Object.entries(u.fields)) {
      const e = encode(k, v);
      columns.set(e.name.toLowerCase(), e.name);
      rec[e.name] = e.value === null || e.value === '' ? null : typeof e.value === 'boolean' || typeof e.value === 'number' ? String(e.value) : e.value;
    }
    return { id: u.id, rec };
  });
  const names = [...columns.values()];
  return encoded.map(({ id, rec }) => {
    const row: Rec = { Id: id };
    for (const n of names) row[n] = n in rec ? rec[n] : '';
    return row;
  });
}

/**
 * An ingest job's rows → one WriteResult per update, in the updates' order, with the shape the
 * REST path gives: a failed row carries Salesforce's code and message; a row the job never
 * processed (failed or aborted job) is a retryable failure naming the job.
 */
export function writeResults(object: string, updates: RecordUpdate[], outcome: IngestOutcome): WriteResult[] {
  const ok = new Set<string>();
  const failed = new Map<string, Rec>();
  for (const r of outcome.successful) ok.add(String(r.Id ?? r.sf__Id));
  for (const r of outcome.failed) failed.set(String(r.Id ?? r.sf__Id), r);
  return updates.map((u): WriteResult => {
    if (ok.has(u.id)) return { id: u.id, ok: true };
    const f = failed.get(u.id);
    if (f) {
      const e = parseBulkError(String(f.sf__Error ?? ''));
      return writeFailure(object, u.id, e.code, e.message, e.field);
    }
    const why = outcome.errorMessage ? `: ${outcome.errorMessage}` : '';
    return {
      id: u.id,
      ok: false,
      code: 'IR_CRM_UNAVAILABLE',
      message: `Salesforce ${object} ${u.id}: not processed by Bulk API job ${outcome.jobId} (${outcome.state}${why}); it is written again on the next run`,
      retryable: true,
    };
  });
}

/**
 * `SELECT … WHERE <field> IN (…)` over many ids, split so that each statement stays under the
 * 100,000-character SOQL limit (§3.4) — a bulk query job's whole statement is one request body.
 */
export function inStatements(prefix: string, field: string, ids: string[], suffix = '', maxChars = 100_000): string[] {
  const out: string[] = [];
  const fixed = `${prefix} ${field} IN () ${suffix}`.length;
  let part: string[] = [];
  let len = fixed;
  const flush = () => {
    if (part.length > 0) out.push(`${prefix} ${field} IN (${part.join(', ')})${suffix ? ` ${suffix}` : ''}`);
    part = [];
    len = fixed;
  };
  for (const id of ids) {
    const lit = soqlString(id);
    if (len + lit.length + 2 > maxChars) flush();
    part.push(lit);
    len += lit.length + 2;
  }
  flush();
  return out;
}

/** A bulk query row: '' is how the CSV carries null. */
export function fromCsv(r: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(r)) out[k] = v === '' ? null : v;
  return out;
}
