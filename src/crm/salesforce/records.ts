/**
 * Salesforce records: reads by id (sObject Collections retrieve), every record changed since a time
 * (SOQL on SystemModstamp, a bulk query job for a large rest), deleted records (getDeleted), and
 * updates (sObject Collections, or Bulk API 2.0 ingest jobs above the threshold) with one answer per
 * record.
 */
import type { CrmRecord, DeletedRecord, FieldSchema, FieldValue, ObjectKind, ReadChangedOptions, RecordUpdate, WriteResult } from '../types.js';
import { fromCsv, updateRows, writeResults } from './bulk.js';
import { salesforceCard } from './card.js';
import type { QueryPage, Rec, SaveResult, SalesforceClient } from './client.js';
import { SF_OBJECT, chunk, decodeValue, encodeValue, isoFromSf, soqlDateTime, soqlString, writeFailure } from './codec.js';
import type { SalesforceSchema } from './schema.js';

export class SalesforceRecords {
  /** Per object, the last bulk write: when its first job started (the org's clock) and the ids it wrote. */
  private readonly bulkWritten = new Map<string, { since: string; ids: Set<string> }>();

  constructor(
    private readonly api: SalesforceClient,
    private readonly schema: SalesforceSchema,
  ) {}

  private toRecord(kind: ObjectKind, r: Rec, types: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    const out: Record<string, FieldValue> = {};
    for (const name of fields) {
      const key = Object.keys(r).find((k) => k.toLowerCase() === name.toLowerCase());
      const t = types.get(name.toLowerCase());
      out[t?.name ?? name] = decodeValue(t?.type, key ? r[key] : null);
    }
    const stamp = (r.SystemModstamp ?? r.LastModifiedDate) as string | undefined;
    return { id: String(r.Id), object: SF_OBJECT[kind], fields: out, modifiedAt: stamp ? isoFromSf(stamp) : new Date(0).toISOString() };
  }

  private selectList(fields: string[]): string[] {
    const set = new Map<string, string>();
    for (const f of ['Id', 'SystemModstamp', ...fields]) set.set(f.toLowerCase(), f);
    return [...set.values()];
  }

  /** Reads by id through sObject Collections retrieve (POST, ≤ 2000 ids, nulls for misses, §4.5). */
  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const object = SF_OBJECT[kind];
    const types = await this.schema.fieldTypes(kind);
    const wanted = [...new Set(ids.filter((id) => /^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(id)))];
    const out: CrmRecord[] = [];
    const written = this.bulkWritten.get(object);
    if (this.api.bulk.uses(wanted.length) && written && wanted.every((id) => written.ids.has(id))) {
      // Re-reading a bulk write: one query job for every record changed since the write began
      // (ordered by the org's own clock), instead of one retrieve per 2,000 ids.
      const want = new Set(wanted);
      const soql = `SELECT ${this.selectList(fields).join(', ')} FROM ${object} WHERE SystemModstamp >= ${soqlDateTime(written.since)}`;
      for await (const page of this.api.bulk.query(`verify ${object}`, soql)) {
        for (const r of page) if (want.has(String(r.Id))) out.push(this.toRecord(kind, fromCsv(r), types, fields));
      }
      return out;
    }
    for (const part of chunk(wanted, salesforceCard.batch.read)) {
      const rows = (await this.api.call(`read ${object}`, (c) => c.sobject(object).retrieve(part, { fields: this.selectList(fields) } as never))) as unknown as (Rec | null)[];
      for (const r of rows) if (r) out.push(this.toRecord(kind, r, types, fields));
    }
    return out;
  }

  /**
   * SOQL on SystemModstamp (indexed, bumped by every change, §3.5, §8.4), oldest first — or with
   * `order: 'key'` by Id — queryMore to the end (the query locator is fixed when the query runs, so
   * a write while we page moves nothing); or, when more than `crm.bulk.threshold` records remain
   * after the first page, a bulk query job for the rest. The first page's totalSize is the size of
   * the read.
   */
  async *readChanged(kind: ObjectKind, since: string | null, fields: string[], opts: ReadChangedOptions = {}): AsyncIterable<CrmRecord[]> {
    const object = SF_OBJECT[kind];
    const types = await this.schema.fieldTypes(kind);
    const where = since ? ` WHERE SystemModstamp >= ${soqlDateTime(since)}` : '';
    const select = `SELECT ${this.selectList(fields).join(', ')} FROM ${object}`;
    const byKey = opts.order === 'key';
    const order = byKey ? 'ORDER BY Id ASC' : 'ORDER BY SystemModstamp ASC, Id ASC';
    const soql = `${select}${where} ${order}`;
    let page = (await this.api.call(`read changed ${object}`, (c) => c.query(soql, { autoFetch: false } as never) as unknown as Promise<QueryPage>)) as QueryPage;
    opts.onTotal?.(page.totalSize);
    let seen = 0;
    for (;;) {
      if (page.records.length > 0) yield page.records.map((r) => this.toRecord(kind, r, types, fields));
      seen += page.records.length;
      if (page.done || !page.nextRecordsUrl) return;
      const last = page.records.at(-1) as Rec;
      if (this.api.bulk.uses(page.totalSize - seen) && last) {
        // The first page's totalSize decides: the rest, when large, is one query job, read in
        // result sets, from the key after the last record read (the same order, nothing twice).
        const stamp = soqlDateTime(isoFromSf(String(last.SystemModstamp)));
        const after = byKey ? `Id > ${soqlString(String(last.Id))}` : `(SystemModstamp > ${stamp} OR (SystemModstamp = ${stamp} AND Id > ${soqlString(String(last.Id))}))`;
        const rest = `${select} WHERE ${since ? `SystemModstamp >= ${soqlDateTime(since)} AND ` : ''}${after} ${order}`;
        for await (const rows of this.api.bulk.query(`read changed ${object}`, rest)) yield rows.map((r) => this.toRecord(kind, fromCsv(r), types, fields));
        return;
      }
      const next = page.nextRecordsUrl;
      page = (await this.api.call(`read changed ${object} (queryMore)`, (c) => c.queryMore(next) as unknown as Promise<QueryPage>)) as QueryPage;
    }
  }

  /** getDeleted (§8.3): at most 15 days back; an older `since` is clamped to what Salesforce keeps. */
  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const object = SF_OBJECT[kind];
    const floor = Date.now() - 15 * 86_400_000 + 120_000;
    const start = new Date(Math.max(Date.parse(since), floor));
    const end = new Date(Date.now() + 60_000);
    if (start >= end) return [];
    const res = (await this.api.call(`read deleted ${object}`, (c) => c.sobject(object).deleted(start.toISOString(), end.toISOString()))) as unknown as { deletedRecords: { id: string; deletedDate: string }[] };
    return res.deletedRecords.map((d) => ({ id: d.id, deletedAt: isoFromSf(d.deletedDate) }));
  }

  /** sObject Collections update, 200 per call, allOrNone=false; every per-record error is kept (§4.3). */
  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const object = SF_OBJECT[kind];
    const types = await this.schema.fieldTypes(kind);
    const out: WriteResult[] = [];
    if (this.api.bulk.uses(updates.length)) {
      // Bulk API 2.0: one CSV ingest job per jobSize records; per-row results as REST gives them.
      const encode = (k: string, v: FieldValue) => {
        const t = types.get(k.toLowerCase());
        return { name: t?.name ?? k, value: encodeValue(t?.type, v) };
      };
      let since: string | null = null;
      for (const part of chunk(updates, this.api.bulk.settings.jobSize)) {
        const outcome = await this.api.bulk.ingest(object, 'update', updateRows(part, encode));
        since ??= outcome.createdDate;
        out.push(...writeResults(object, part, outcome));
      }
      this.bulkWritten.set(object, { since: since as string, ids: new Set(out.filter((r) => r.ok).map((r) => r.id)) });
      return out;
    }
    for (const part of chunk(updates, salesforceCard.batch.write)) {
      const body = part.map((u) => {
        const rec: Rec = { Id: u.id };
        for (const [k, v] of Object.entries(u.fields)) {
          const t = types.get(k.toLowerCase());
          rec[t?.name ?? k] = encodeValue(t?.type, v);
        }
        return rec;
      });
      const res = (await this.api.call(`update ${object}`, (c) => c.sobject(object).update(body as never, { allOrNone: false } as never))) as unknown as SaveResult[];
      part.forEach((u, i) => {
        const r = res[i];
        if (r?.success) {
          out.push({ id: u.id, ok: true });
          return;
        }
        const e = r?.errors[0];
        const sfCode = typeof e === 'string' ? 'UNKNOWN' : (e?.statusCode ?? e?.errorCode ?? 'UNKNOWN');
        const msg = typeof e === 'string' ? e : (e?.message ?? 'no result for this record');
        out.push(writeFailure(object, u.id, sfCode, msg, typeof e === 'string' ? undefined : e?.fields?.[0]));
      });
    }
    return out;
  }
}
