/**
 * HubSpot records: batch reads, every record changed since a time (search, keyset-paged),
 * archived and merged-away records, and batch updates with one answer per record (§2–§4, §6).
 */
import type { CrmRecord, DeletedRecord, FieldSchema, ObjectKind, ReadChangedOptions, RecordUpdate, WriteResult } from '../types.js';
import { BATCH, type BatchJson, type HsObjectJson, type HubspotClient, type PageJson, SEARCH_PAGE, iso } from './client.js';
import { type HsObject, MODIFIED, chunk, decodeValue, encodeValue, propertyErrors } from './codec.js';
import type { HubspotSchema } from './schema.js';

export class HubspotRecords {
  constructor(
    private readonly api: HubspotClient,
    private readonly schema: HubspotSchema,
  ) {}

  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const o = this.schema.obj(kind);
    const schema = await this.schema.fields(kind);
    const out: CrmRecord[] = [];
    for (const part of chunk([...new Set(ids)], BATCH)) {
      // Missing ids come back in a 207 `errors` entry and are simply absent here.
      const res = (await this.api.call(`batch read ${o}`, (c) =>
        this.api.batchApi(o, c).read({ inputs: part.map((id) => ({ id })), properties: fields, propertiesWithHistory: [] } as never),
      )) as unknown as BatchJson;
      for (const r of res.results) out.push(this.toRecord(o, r, schema, fields));
    }
    return out;
  }

  /**
   * Search on hs_lastmodifieddate ascending, 200 a page, by key, never by offset: each page is a new
   * search from the last modified timestamp seen (GTE, the ids already returned at that timestamp
   * skipped). A record written while we page (by us or anyone) moves to the end of the order and
   * would shift every later record back one place, so an offset would skip one; and no window ever
   * nears the 10,000-result cap (§4.1). When more records share one timestamp than a page holds,
   * that timestamp is read by record id instead (keyset again), then paging goes on after it.
   */
  async *readChanged(kind: ObjectKind, since: string | null, fields: string[], opts: ReadChangedOptions = {}): AsyncIterable<CrmRecord[]> {
    const o = this.schema.obj(kind);
    const schema = await this.schema.fields(kind);
    const props = [...new Set([...fields, MODIFIED])];
    if (opts.order === 'key') {
      yield* this.readByKey(o, since, props, schema, fields, opts.onTotal);
      return;
    }
    const tsOf = (r: HsObjectJson) => Date.parse(r.properties[MODIFIED] ?? '') || Date.parse(iso(r.updatedAt));
    let from = since ? Date.parse(since) : 0;
    let op: 'GTE' | 'GT' = 'GTE';
    let seenAtFrom = new Set<string>();
    for (;;) {
      const page = await this.api.search(o, {
        filterGroups: [{ filters: [{ propertyName: MODIFIED, operator: op, value: String(from) }] }],
        sorts: [{ propertyName: MODIFIED, direction: 'ASCENDING' }],
        properties: props,
        limit: SEARCH_PAGE,
        after: '0',
      });
      const batch: CrmRecord[] = [];
      let lastTs = from;
      let atLast = new Set<string>(seenAtFrom);
      for (const r of page.results) {
        const ts = tsOf(r);
        if (ts === from && seenAtFrom.has(r.id)) continue;
        if (ts > lastTs) {
          lastTs = ts;
          atLast = new Set();
        }
        if (ts === lastTs) atLast.add(r.id);
        batch.push(this.toRecord(o, r, schema, fields));
      }
      if (batch.length > 0) yield batch;
      const more = page.paging?.next?.after !== undefined || (page.total ?? 0) > page.results.length;
      if (!more) return;
      if (lastTs > from) {
        from = lastTs;
        op = 'GTE';
        seenAtFrom = atLast;
        continue;
      }
      // A whole page at the one timestamp `from`: read the rest of it by id, then go on after it.
      yield* this.readAtTimestamp(o, from, atLast, props, schema, fields);
      op = 'GT';
      seenAtFrom = new Set();
    }
  }

  /**
   * Search by hs_object_id ascending, 200 a page, each page a new search from the last id seen
   * (keyset): a record written while we page keeps its place, so nothing is met twice or skipped,
   * and no search nears the 10,000-result cap. The first page's `total` is the size of the read.
   */
  private async *readByKey(o: HsObject, since: string | null, props: string[], schema: Map<string, FieldSchema>, fields: string[], onTotal?: (n: number) => void): AsyncIterable<CrmRecord[]> {
    let lastId = '0';
    for (let first = true; ; first = false) {
      const page = await this.api.search(o, {
        filterGroups: [
          {
            filters: [
              ...(since ? [{ propertyName: MODIFIED, operator: 'GTE', value: String(Date.parse(since)) }] : []),
              { propertyName: 'hs_object_id', operator: 'GT', value: lastId },
            ],
          },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: props,
        limit: SEARCH_PAGE,
        after: '0',
      });
      if (first) onTotal?.(page.total ?? page.results.length);
      if (page.results.length > 0) yield page.results.map((r) => this.toRecord(o, r, schema, fields));
      const last = page.results.at(-1);
      // `total` counts what matches from lastId on: more than this page means another page
      if (!last || !(page.paging?.next?.after !== undefined || (page.total ?? 0) > page.results.length)) return;
      lastId = last.id;
    }
  }

  /** Every record modified exactly at `ts` not in `seen`, paged by hs_object_id (keyset). */
  private async *readAtTimestamp(o: HsObject, ts: number, seen: Set<string>, props: string[], schema: Map<string, FieldSchema>, fields: string[]): AsyncIterable<CrmRecord[]> {
    let lastId = '0';
    for (;;) {
      const page = await this.api.search(o, {
        filterGroups: [
          {
            filters: [
              { propertyName: MODIFIED, operator: 'GTE', value: String(ts) },
              { propertyName: MODIFIED, operator: 'LTE', value: String(ts) },
              { propertyName: 'hs_object_id', operator: 'GT', value: lastId },
            ],
          },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: props,
        limit: SEARCH_PAGE,
        after: '0',
      });
      const batch = page.results.filter((r) => !seen.has(r.id)).map((r) => this.toRecord(o, r, schema, fields));
      if (batch.length > 0) yield batch;
      const last = page.results.at(-1);
      if (!last || page.results.length < SEARCH_PAGE) return;
      lastId = last.id;
    }
  }

  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const o = this.schema.obj(kind);
    const t0 = Date.parse(since);
    const out: DeletedRecord[] = [];
    let after: string | undefined;
    do {
      const page = (await this.api.call(`list archived ${o}`, (c) => c.crm.objects.basicApi.getPage(o, 100, after, ['hs_object_id'], undefined, undefined, true))) as unknown as PageJson;
      for (const r of page.results) {
        const at = r.archivedAt ? iso(r.archivedAt) : iso(r.updatedAt);
        if (Date.parse(at) >= t0) out.push({ id: String(r.id), deletedAt: at });
      }
      after = page.paging?.next?.after;
    } while (after);
    // A merged-away record is listed in the winner's hs_merged_object_ids (§6).
    const schema = await this.schema.fields(kind);
    if (out.length > 0 && schema.has('hs_merged_object_ids')) {
      const byId = new Map(out.map((d) => [d.id, d]));
      for (const part of chunk([...byId.keys()], 100)) {
        const page = await this.api.search(o, {
          filterGroups: [{ filters: [{ propertyName: 'hs_merged_object_ids', operator: 'IN', values: part }] }],
          properties: ['hs_merged_object_ids'],
          limit: SEARCH_PAGE,
        });
        for (const r of page.results) {
          for (const id of (r.properties.hs_merged_object_ids ?? '').split(';')) {
            const d = byId.get(id);
            if (d) d.mergedInto = String(r.id);
          }
        }
      }
    }
    return out;
  }

  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const o = this.schema.obj(kind);
    const schema = await this.schema.fields(kind);
    const results: WriteResult[] = [];
    for (const part of chunk(updates, BATCH)) results.push(...(await this.writePart(o, schema, part)));
    return results;
  }

  private encode(schema: Map<string, FieldSchema>, u: RecordUpdate): Record<string, string> {
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(u.fields)) props[k] = encodeValue(schema.get(k), v);
    return props;
  }

  /**
   * One batch update. With an objectWriteTraceId per input, HubSpot answers per input (207) instead
   * of failing the whole batch on one bad value (§3.7); ids it does not find come back as
   * OBJECT_NOT_FOUND, and an id absent from both lists (a merged record, §3.7) is reported, not lost.
   */
  private async writePart(o: HsObject, schema: Map<string, FieldSchema>, part: RecordUpdate[]): Promise<WriteResult[]> {
    const inputs = part.map((u) => ({ id: u.id, properties: this.encode(schema, u), objectWriteTraceId: u.id }));
    const r = await this.api.attempt(`batch update ${o}`, (c) => this.api.batchApi(o, c).update({ inputs } as never));
    if (!r.ok) {
      // A whole-batch 4xx (one bad value, a 409): write one by one so each record gets its own answer.
      if (r.status !== undefined && r.status >= 400 && r.status < 500 && part.length > 1) {
        const out: WriteResult[] = [];
        for (const u of part) out.push(...(await this.writePart(o, schema, [u])));
        return out;
      }
      if (r.status !== undefined && r.status >= 400 && r.status < 500) return [writeFailure(part[0].id, r.body, r.status)];
      throw r.err;
    }
    const res = r.value as unknown as BatchJson;
    const byId = new Map<string, WriteResult>();
    for (const x of res.results) byId.set(String(x.id), { id: String(x.id), ok: true });
    for (const e of res.errors ?? []) {
      const traced = e.context?.objectWriteTraceId ?? [];
      const missing = e.category === 'OBJECT_NOT_FOUND' ? (e.context?.ids ?? []) : [];
      for (const id of traced) byId.set(id, writeFailure(id, e, e.category === 'CONFLICT' ? 409 : 400));
      for (const id of missing) {
        byId.set(id, { id, ok: false, code: 'IR_CRM_NOT_FOUND', message: `HubSpot ${o} ${id} was not found (deleted or merged)`, retryable: false });
      }
    }
    return part.map(
      (u) =>
        byId.get(u.id) ?? {
          id: u.id,
          ok: false,
          code: 'IR_CRM_NOT_FOUND',
          message: `HubSpot ${o} ${u.id}: the batch update returned no result for it (merged or deleted records are silently skipped)`,
          retryable: false,
        },
    );
  }

  private toRecord(o: HsObject, r: HsObjectJson, schema: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    const out: Record<string, ReturnType<typeof decodeValue>> = {};
    for (const f of fields) out[f] = decodeValue(schema.get(f), r.properties[f]);
    return { id: String(r.id), object: o, fields: out, modifiedAt: iso(r.updatedAt) };
  }
}

/** A write HubSpot refused, as the engine's result: not found, or the property errors it named. */
export function writeFailure(id: string, body: unknown, status: number): WriteResult {
    if (status === 404) return { id, ok: false, code: 'IR_CRM_NOT_FOUND', message: `HubSpot record ${id} was not found (deleted or merged)`, retryable: false };
    const problems = propertyErrors(body);
    const first = problems[0];
    const message = problems.map((p) => (p.field ? `${p.field}: ${p.message} (${p.code})` : `${p.message} (${p.code})`)).join('; ');
    return { id, ok: false, code: 'IR_CRM_VALIDATION', message: `HubSpot rejected record ${id}: ${message}`, retryable: false, ...(first?.field ? { field: first.field } : {}) };
  }
