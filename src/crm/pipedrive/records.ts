/**
 * Pipedrive records: reads by id (v2 lists take 100 ids), every record updated since a time
 * (update_time ascending, cursor-paged), deleted records (deals by status, others through v1
 * recents), and updates — one call per record, several in flight, each read back from the answer.
 */
import { v1 } from 'pipedrive';
import { InrecordError } from '../../errors/index.js';
import type { CrmRecord, DeletedRecord, FieldSchema, FieldValue, ObjectKind, ReadChangedOptions, RecordUpdate, WriteResult } from '../types.js';
import { PAGE, type Page, type PipedriveClient, type Rec } from './client.js';
import { type PdKind, encodeValue, fieldFromError, isoFromPd, isoFromV1, pdSince, recordFields } from './codec.js';
import type { PipedriveSchema } from './schema.js';

export class PipedriveRecords {
  constructor(
    private readonly api: PipedriveClient,
    private readonly schema: PipedriveSchema,
  ) {}

  async read(kind: ObjectKind, ids: string[], fields: string[]): Promise<CrmRecord[]> {
    const k = this.api.kindOf(kind);
    const schemas = await this.schema.schemaMap(kind);
    const out: CrmRecord[] = [];
    const numeric = [...new Set(ids)].filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < numeric.length; i += 100) {
      const chunk = numeric.slice(i, i + 100);
      const p = await this.api.list(k, { ids: chunk.join(','), limit: 100 });
      for (const r of p.data ?? []) if (r.is_deleted !== true) out.push(this.toRecord(kind, r, schemas, fields));
    }
    return out;
  }

  private toRecord(kind: ObjectKind, r: Rec, schemas: Map<string, FieldSchema>, fields: string[]): CrmRecord {
    return { id: String(r.id), object: this.schema.objectName(kind), fields: recordFields(r, schemas, fields), modifiedAt: isoFromPd(String(r.update_time)) };
  }

  /**
   * v2 lists, keyset cursors (§3.1): by update_time, or with `order: 'key'` by id, which a write
   * while we page does not move. v2 lists carry no total, so `onTotal` is not called.
   */
  async *readChanged(kind: ObjectKind, since: string | null, fields: string[], opts: ReadChangedOptions = {}): AsyncIterable<CrmRecord[]> {
    const k = this.api.kindOf(kind);
    const schemas = await this.schema.schemaMap(kind);
    const sortBy = opts.order === 'key' ? 'id' : 'update_time';
    let cursor: string | undefined;
    do {
      // updated_since is inclusive and takes whole seconds only (§3.1): round down, never skip.
      const params: Rec = { sort_by: sortBy, sort_direction: 'asc', limit: PAGE, cursor };
      if (since) params.updated_since = pdSince(since);
      const p = await this.api.list(k, params);
      const rows = (p.data ?? []).map((r) => this.toRecord(kind, r, schemas, fields));
      if (rows.length > 0) yield rows;
      cursor = p.additional_data?.next_cursor ?? undefined;
    } while (cursor);
  }

  /**
   * Deals: `GET /api/v2/deals?status=deleted` lists deals deleted in the last 30 days (§3.4).
   * Persons and organizations have no deleted list in v2; v1 `/recents` (SDK v1.RecentsApi) returns
   * every item changed since a time, deleted ones with `active_flag: false` — used here. Merges are
   * not visible through either (only webhooks carry `merged_to_id`, §5.2).
   */
  async readDeleted(kind: ObjectKind, since: string): Promise<DeletedRecord[]> {
    const k = this.api.kindOf(kind);
    const out: DeletedRecord[] = [];
    if (k === 'deal') {
      let cursor: string | undefined;
      do {
        const p = await this.api.list('deal', { status: 'deleted', updated_since: pdSince(since), limit: PAGE, cursor });
        for (const r of p.data ?? []) if (r.is_deleted === true) out.push({ id: String(r.id), deletedAt: isoFromPd(String(r.update_time)) });
        cursor = p.additional_data?.next_cursor ?? undefined;
      } while (cursor);
      return out;
    }
    const recents = this.api.instrument(new v1.RecentsApi(this.api.cfg1));
    const ts = pdSince(since).slice(0, 19).replace('T', ' ');
    let start = 0;
    for (;;) {
      const p = (await this.api.call(`recent ${k} changes`, () => recents.getRecents({ since_timestamp: ts, items: k, start, limit: PAGE } as never))) as Page<{ item: string; id: number; data: Rec }>;
      for (const it of p.data ?? []) {
        if (it.item === k && it.data?.active_flag === false) out.push({ id: String(it.id), deletedAt: isoFromV1(String(it.data.update_time)) });
      }
      const pg = p.additional_data?.pagination;
      if (!pg?.more_items_in_collection) break;
      start = pg.next_start ?? start + PAGE;
    }
    return out;
  }

  async writeBatch(kind: ObjectKind, updates: RecordUpdate[]): Promise<WriteResult[]> {
    const k = this.api.kindOf(kind);
    let schemas = await this.schema.schemaMap(kind);
    // A field created since the schema was cached: look once more before calling it unknown.
    if (updates.some((u) => Object.keys(u.fields).some((f) => !schemas.has(f)))) schemas = await this.schema.schemaMap(kind, true);
    const results: WriteResult[] = new Array(updates.length);
    let next = 0;
    const worker = async () => {
      while (next < updates.length) {
        const i = next++;
        results[i] = await this.writeOne(k, updates[i], schemas);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.api.writeConcurrency, updates.length) }, worker));
    return results;
  }

  private async writeOne(k: PdKind, u: RecordUpdate, schemas: Map<string, FieldSchema>): Promise<WriteResult> {
    const obj = k === 'person' ? 'person' : k === 'organization' ? 'organization' : 'deal';
    const fail = (code: string, field: string | undefined, message: string, retryable = false): WriteResult => ({ id: u.id, ok: false, code, message, retryable, field });
    if (!/^\d+$/.test(u.id)) return fail('IR_CRM_NOT_FOUND', undefined, `Pipedrive ${obj} ids are integers; "${u.id}" is not one`);
    const body: Rec = {};
    const custom: Rec = {};
    const expected: [string, FieldValue][] = [];
    for (const [name, value] of Object.entries(u.fields)) {
      const s = schemas.get(name);
      // Pipedrive ignores keys it does not know without an error (§4.4), so an unknown key would
      // look like a successful write: refuse it instead.
      if (!s) return fail('IR_FIELD_NOT_FOUND', name, `Pipedrive ${obj} ${u.id}: field ${name} does not exist on ${obj}s (it would be silently ignored)`);
      if (!s.writable) return fail('IR_FIELD_READ_ONLY', name, `Pipedrive ${obj} ${u.id}: field ${name} (${s.label}) is read-only through the API`);
      const enc = encodeValue(s, value);
      if (!enc.ok) return fail('IR_FIELD_VALUE_INVALID', name, `Pipedrive ${obj} ${u.id}: ${enc.message}`);
      if (s.custom) custom[name] = enc.value;
      else body[name] = enc.value;
      expected.push([name, Array.isArray(value) && value.length === 0 ? null : value]);
    }
    if (Object.keys(custom).length > 0) body.custom_fields = custom;
    if (Object.keys(body).length === 0) return { id: u.id, ok: true };
    let res: { data?: Rec };
    try {
      res = await this.api.update(k, Number(u.id), body);
    } catch (e) {
      if (e instanceof InrecordError) {
        const field = fieldFromError(e.message);
        return fail(e.code, field, `Pipedrive ${obj} ${u.id}${field ? ` field ${field}` : ''}: ${e.message}`, e.retryable);
      }
      throw e;
    }
    // The answer is the record after the write: a value that did not stick is not reported ok.
    const after = res.data ? recordFields(res.data, schemas, expected.map(([n]) => n)) : null;
    if (after) {
      for (const [name, want] of expected) {
        if (!sameNormalised(after[name], want)) {
          return fail('IR_WRITE_NOT_APPLIED', name, `Pipedrive ${obj} ${u.id}: field ${name} reads ${JSON.stringify(after[name])} after writing ${JSON.stringify(want)}`);
        }
      }
    }
    return { id: u.id, ok: true };
  }
}

function sameNormalised(a: FieldValue | undefined, b: FieldValue): boolean {
  if (a === undefined) return b === null;
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = (Array.isArray(a) ? a : a === null ? [] : [a]).map(String).sort();
    const y = (Array.isArray(b) ? b : b === null ? [] : [b]).map(String).sort();
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return String(a ?? '') === String(b ?? '');
}
