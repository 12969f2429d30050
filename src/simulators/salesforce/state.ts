/**
 * The org: records of every object, the recycle bin and delete log, field history rows, users,
 * and the write path every API call and rep edit goes through (validation, audit fields, history,
 * change events; each value coerced by values.ts). Pure in-memory state; the HTTP layer is routes.ts.
 */
import { IdGenerator, KEY_PREFIX, normalizeId, objectOfId } from './ids.js';
import { type SfField, type SfObject, addField, buildSchema } from './schema.js';
import { type CompiledQuery, type QueryContext, compileQuery, formatDateTime, parseDateTime } from './soql.js';
import type { Row } from './soql-parser.js';
import { coerceValue } from './values.js';

export interface SfErrorItem {
  errorCode: string;
  message: string;
  fields?: string[];
}

/** A Salesforce API error: status + the error array of §6.1. */
export class SfApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: SfErrorItem[],
  ) {
    super(errors[0]?.message ?? 'error');
  }
  static one(status: number, errorCode: string, message: string, fields?: string[]): SfApiError {
    return new SfApiError(status, [fields ? { errorCode, message, fields } : { errorCode, message }]);
  }
}

export interface OrgChange {
  object: string;
  id: string;
  kind: 'created' | 'updated' | 'deleted';
  fields: string[];
  userId: string;
  at: string;
  /** 'api' for the token's user, 'rep' for control-API edits. */
  source: 'api' | 'rep';
  /** An update: who had saved the record before it (change events name a new saver). */
  previousModifiedById?: string;
}

export const NOT_FOUND = () => SfApiError.one(404, 'NOT_FOUND', 'The requested resource does not exist');

/** Objects whose changes produce outbound messages and are readable through getUpdated/getDeleted. */
export const CHANGE_OBJECTS = ['Lead', 'Contact', 'Account', 'Opportunity'];

export class SalesforceOrg {
  readonly schema = buildSchema();
  readonly ids: IdGenerator;
  readonly orgId: string;
  /** object name → id → row (live records). */
  private readonly live = new Map<string, Map<string, Row>>();
  /** object name → id → row (recycle bin, IsDeleted = true). */
  private readonly bin = new Map<string, Map<string, Row>>();
  private readonly deleteLog = new Map<string, { id: string; deletedDate: string }[]>();
  readonly listeners: ((c: OrgChange) => void)[] = [];
  integrationUserId = '';
  /** Fixed clock for tests; Date.now() otherwise. */
  clock: () => number = () => Date.now();
  /** When the org's metadata last changed, per object (a custom field added); the org's creation otherwise. */
  private readonly metadataChanged = new Map<string, number>();
  private readonly createdAt = Date.now();

  constructor(pod = 'R') {
    this.ids = new IdGenerator(pod);
    this.orgId = this.ids.next(KEY_PREFIX.Organization as string);
    for (const obj of this.schema.values()) {
      this.live.set(obj.name, new Map());
      this.bin.set(obj.name, new Map());
    }
  }

  object(name: string): SfObject | undefined {
    return this.schema.get(name.toLowerCase());
  }

  /** The object, or NOT_FOUND the way the REST API answers an unknown sObject. */
  requireObject(name: string): SfObject {
    const obj = this.object(name);
    if (!obj) throw NOT_FOUND();
    return obj;
  }

  rows(object: string): Map<string, Row> {
    return this.live.get(object) as Map<string, Row>;
  }
  deletedRows(object: string): Map<string, Row> {
    return this.bin.get(object) as Map<string, Row>;
  }
  count(object: string): number {
    return this.rows(object).size;
  }

  /** Any live record by id (any case form), with its object. */
  lookup(idIn: string): { object: SfObject; row: Row } | undefined {
    const id = normalizeId(idIn);
    if (!id) return undefined;
    const name = objectOfId(id);
    if (!name) return undefined;
    const row = this.live.get(name)?.get(id);
    return row ? { object: this.object(name) as SfObject, row } : undefined;
  }

  nowStamp(): string {
    return formatDateTime(this.clock());
  }

  /**
   * Inserts a row as-is after filling audit fields; used by the seed (which sets dates in the past)
   * and by create(). No validation, no events.
   */
  insertRaw(objectName: string, values: Row, opts: { userId?: string; at?: number } = {}): string {
    const obj = this.requireObject(objectName);
    const id = (values.Id as string | undefined) ?? this.ids.next(obj.keyPrefix);
    const stamp = formatDateTime(opts.at ?? this.clock());
    const user = opts.userId ?? this.integrationUserId;
    const row: Row = {};
    // Only booleans get a stored default; an absent key reads as null everywhere (saves memory at 100k rows).
    const defaults = this.defaultsOf(obj);
    for (const name of defaults.booleans) row[name] = false;
    for (const k in values) {
      const v = values[k];
      if (v !== null && v !== undefined) row[k] = v;
    }
    row.Id = id;
    row.IsDeleted = false;
    row.CreatedDate ??= stamp;
    row.CreatedById ??= user;
    row.LastModifiedDate ??= row.CreatedDate;
    row.LastModifiedById ??= row.CreatedById;
    row.SystemModstamp ??= row.LastModifiedDate;
    if (obj.byLower.has('ownerid') && !row.OwnerId) row.OwnerId = user;
    for (const [name, value] of defaults.picklists) if ((row[name] ?? null) === null) row[name] = value;
    derive(obj.name, row);
    this.rows(obj.name).set(id, row);
    this.touch(obj.name);
    return id;
  }

  private readonly defaultsCache = new Map<SfObject, { size: number; booleans: string[]; picklists: [string, string][] }>();
  /** Boolean fields and picklist defaults of an object, computed once per field list. */
  private defaultsOf(obj: SfObject): { booleans: string[]; picklists: [string, string][] } {
    const hit = this.defaultsCache.get(obj);
    if (hit && hit.size === obj.fields.length) return hit;
    const d = {
      size: obj.fields.length,
      booleans: obj.fields.filter((f) => f.type === 'boolean').map((f) => f.name),
      picklists: obj.fields.filter((f) => f.defaultPicklist).map((f) => [f.name, f.defaultPicklist as string] as [string, string]),
    };
    this.defaultsCache.set(obj, d);
    return d;
  }

  /** Adds a history row (§7.2): who (CreatedById) changed which field when. */
  addHistory(obj: SfObject, recordId: string, field: string, oldValue: unknown, newValue: unknown, userId: string, at: string): void {
    if (!obj.history) return;
    const f = obj.byLower.get(field.toLowerCase());
    // Long text and multi-select changes are recorded without values (§7.2).
    const noValues = f && (f.type === 'multipicklist' || (f.type === 'textarea' && (f.length ?? 0) > 255));
    this.insertRaw(
      obj.history.object,
      {
        [obj.history.parentField]: recordId,
        Field: field,
        DataType: f ? dataTypeOf(f) : 'Text',
        OldValue: noValues ? null : oldValue,
        NewValue: noValues ? null : newValue,
        CreatedById: userId,
        CreatedDate: at,
      },
      { userId },
    );
  }

  /** Validates and converts a request body into stored values (§6.3, §6.4). */
  coerceBody(obj: SfObject, body: Record<string, unknown>, mode: 'create' | 'update'): Row {
    const out: Row = {};
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(body)) {
      if (key === 'attributes' || (key.toLowerCase() === 'id' && mode === 'update')) continue;
      const f = obj.byLower.get(key.toLowerCase());
      if (!f) throw SfApiError.one(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${obj.name}`);
      if (mode === 'create' ? !f.createable : !f.updateable) {
        readOnly.push(f.name);
        continue;
      }
      out[f.name] = coerceValue(f, raw, (id) => this.lookup(id) !== undefined);
    }
    if (readOnly.length > 0) {
      throw SfApiError.one(
        400,
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      );
    }
    return out;
  }

  /** Changes of an open transaction, announced only when it commits. */
  private pending: OrgChange[] | null = null;
  private emit(change: OrgChange): void {
    if (this.pending) this.pending.push(change);
    else for (const l of this.listeners) l(change);
  }

  /**
   * All or none (composite `allOrNone`, sObject Tree): runs `work`; when it reports failure, every
   * record, recycle bin and delete log entry is restored as it was and no change is announced.
   */
  async transaction<T>(work: () => Promise<{ ok: boolean; value: T }>): Promise<T> {
    const copy = (m: Map<string, Map<string, Row>>) => new Map([...m].map(([k, rows]) => [k, new Map([...rows].map(([id, r]) => [id, { ...r }]))]));
    const saved = { live: copy(this.live), bin: copy(this.bin), log: [...this.deleteLog].map(([k, v]): [string, typeof v] => [k, [...v]]) };
    const outer = this.pending;
    this.pending = [];
    let done: { ok: boolean; value: T } = { ok: false, value: undefined as T };
    try {
      done = await work();
      return done.value;
    } finally {
      const changes = this.pending;
      this.pending = outer;
      if (done.ok) for (const c of changes) this.emit(c);
      else {
        for (const [k, rows] of saved.live) this.live.set(k, rows);
        for (const [k, rows] of saved.bin) this.bin.set(k, rows);
        this.deleteLog.clear();
        for (const [k, v] of saved.log) this.deleteLog.set(k, v);
        for (const k of this.live.keys()) this.touch(k);
      }
    }
  }

  create(objectName: string, body: Record<string, unknown>, userId: string, source: 'api' | 'rep' = 'api'): string {
    const { obj, values } = this.prepareCreate(objectName, body);
    return this.commitCreate(obj, values, userId, source);
  }

  /** Validation half of a create (collections validate every record before applying any; a tree's child gets its parent lookup later). */
  prepareCreate(objectName: string, body: Record<string, unknown>, suppliedLater: string[] = []): { obj: SfObject; values: Row } {
    const obj = this.requireObject(objectName);
    if (!obj.createable) throw SfApiError.one(400, 'INVALID_TYPE', `entity type ${obj.name} does not support insert`);
    const values = this.coerceBody(obj, body, 'create');
    const missing = obj.fields.filter((f) => f.required && !suppliedLater.includes(f.name) && (values[f.name] === undefined || values[f.name] === null)).map((f) => f.name);
    if (missing.length > 0) throw SfApiError.one(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    return { obj, values };
  }

  commitCreate(obj: SfObject, values: Row, userId: string, source: 'api' | 'rep' = 'api'): string {
    const id = this.insertRaw(obj.name, values, { userId });
    const row = this.rows(obj.name).get(id) as Row;
    // §7.2: a `created` row on insert, then nothing per field.
    this.addHistory(obj, id, 'created', null, null, userId, row.CreatedDate as string);
    this.emit({ object: obj.name, id, kind: 'created', fields: Object.keys(values), userId, at: row.CreatedDate as string, source });
    return id;
  }

  /** The live row for an id of this object; NOT_FOUND / ENTITY_IS_DELETED / MALFORMED_ID as the API answers. */
  requireRow(obj: SfObject, idIn: string): Row {
    const id = normalizeId(idIn);
    if (!id) throw SfApiError.one(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${idIn}`);
    if (id.slice(0, 3) !== obj.keyPrefix) throw SfApiError.one(400, 'MALFORMED_ID', `${obj.label} ID: id value of incorrect type: ${idIn}`, ['Id']);
    const row = this.rows(obj.name).get(id);
    if (row) return row;
    if (this.deletedRows(obj.name).has(id)) throw SfApiError.one(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    throw NOT_FOUND();
  }

  update(objectName: string, idIn: string, body: Record<string, unknown>, userId: string, source: 'api' | 'rep' = 'api', ifUnmodifiedSince?: number): void {
    const obj = this.requireObject(objectName);
    if (!obj.updateable) throw SfApiError.one(400, 'INVALID_TYPE', `entity type ${obj.name} does not support update`);
    const row = this.requireRow(obj, idIn);
    // §7.3: modified after the header date → 412, request not processed (second granularity).
    if (ifUnmodifiedSince !== undefined && parseDateTime(row.LastModifiedDate as string) > ifUnmodifiedSince) {
      // The body of this answer is not published (only the status is): none is sent.
      throw new SfApiError(412, []);
    }
    const values = this.coerceBody(obj, body, 'update');
    this.applyUpdate(obj, row, values, userId, source);
  }

  /**
   * Validation half of an update by id inside a batch (sObject Collections, Bulk API ingest): the
   * live row and the stored values, or the per-record error those APIs report (a missing id is
   * INVALID_CROSS_REFERENCE_KEY there, not NOT_FOUND).
   */
  prepareUpdate(obj: SfObject, idIn: string | undefined, body: Record<string, unknown>): { row: Row; values: Row } {
    if (!idIn) throw SfApiError.one(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
    const id = normalizeId(idIn);
    if (!id || id.slice(0, 3) !== obj.keyPrefix) throw SfApiError.one(400, 'MALFORMED_ID', `${obj.label} ID: id value of incorrect type: ${idIn}`, ['Id']);
    let row: Row;
    try {
      row = this.requireRow(obj, id);
    } catch (e) {
      if (e instanceof SfApiError && e.errors[0]?.errorCode === 'NOT_FOUND') throw SfApiError.one(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
      throw e;
    }
    return { row, values: this.coerceBody(obj, body, 'update') };
  }

  /** Applies already-validated values: audit stamps always, history only for real changes (§6.4). */
  applyUpdate(obj: SfObject, row: Row, values: Row, userId: string, source: 'api' | 'rep'): string[] {
    const at = this.nowStamp();
    const changed: string[] = [];
    for (const [k, v] of Object.entries(values)) {
      const f = obj.byLower.get(k.toLowerCase()) as SfField;
      const before = row[k] ?? null;
      if (before !== v) {
        changed.push(k);
        if (f.tracked) this.addHistory(obj, row.Id as string, k, before, v, userId, at);
        row[k] = v;
      }
    }
    const previousModifiedById = row.LastModifiedById as string;
    row.LastModifiedDate = at;
    row.LastModifiedById = userId;
    row.SystemModstamp = at;
    derive(obj.name, row);
    this.touch(obj.name);
    this.emit({ object: obj.name, id: row.Id as string, kind: 'updated', fields: changed, userId, at, source, previousModifiedById });
    return changed;
  }

  remove(objectName: string, idIn: string, userId: string, source: 'api' | 'rep' = 'api'): void {
    const obj = this.requireObject(objectName);
    if (!obj.deletable) throw SfApiError.one(400, 'INVALID_TYPE', `entity type ${obj.name} does not support delete`);
    const row = this.requireRow(obj, idIn);
    const id = row.Id as string;
    const at = this.nowStamp();
    this.rows(obj.name).delete(id);
    row.IsDeleted = true;
    row.SystemModstamp = at;
    row.LastModifiedDate = at;
    row.LastModifiedById = userId;
    this.deletedRows(obj.name).set(id, row);
    this.touch(obj.name);
    const log = this.deleteLog.get(obj.name) ?? [];
    log.push({ id, deletedDate: at });
    this.deleteLog.set(obj.name, log);
    this.emit({ object: obj.name, id, kind: 'deleted', fields: [], userId, at, source });
  }

  queryContext(): QueryContext {
    return { object: (n) => this.object(n), lookup: (id) => this.lookup(id), now: new Date(this.clock()) };
  }

  /** Per object: a write counter, and sorted views of its live rows valid for one counter value. */
  private readonly versions = new Map<string, number>();
  private readonly sortedViews = new Map<string, { version: number; rows: Row[] }>();

  /** Every insert, update and delete bumps the object's version (sorted views are then rebuilt). */
  private touch(object: string): void {
    this.versions.set(object, (this.versions.get(object) ?? 0) + 1);
  }

  private sorted(q: CompiledQuery, rows: Iterable<Row>): Row[] {
    const order = q.order as NonNullable<CompiledQuery['order']>;
    const decorated = Array.from(rows, (row) => ({ k: order.key(row), row }));
    decorated.sort((a, b) => order.compare(a.k, b.k));
    return decorated.map((d) => d.row);
  }

  /**
   * Runs a compiled query to the list of matching rows (ordered, offset/limit applied). The live
   * rows of an object are sorted once per ORDER BY and reused until the next write to the object,
   * so a poller paging an unchanged 100k-row object does not sort it again (the real org has an
   * index on SystemModstamp, §3.5).
   */
  runQuery(q: CompiledQuery, scanAll: boolean): Row[] {
    const name = q.object.name;
    let rows: Row[] = [];
    if (q.order && q.order.cacheable && !scanAll) {
      const key = `${name}\u0000${q.order.spec}`;
      const version = this.versions.get(name) ?? 0;
      let view = this.sortedViews.get(key);
      if (!view || view.version !== version) {
        view = { version, rows: this.sorted(q, this.rows(name).values()) };
        this.sortedViews.set(key, view);
      }
      const all = view.rows;
      let start = 0;
      // Sorted ascending on the bounded field: binary-search the first row past the bound (nulls
      // sort apart and never pass the bound; the full filter still checks every row taken).
      if (q.seek && q.order.leading === q.seek.field) {
        const { field, strict, key } = q.seek;
        const nullsLast = q.order.spec.split(',')[0]?.endsWith(':l') ?? false;
        const below = (row: Row) => {
          const v = row[field] ?? null;
          if (v === null) return !nullsLast;
          return strict ? (v as number) <= (key as number) : (v as number) < (key as number);
        };
        let lo = 0;
        let hi = all.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (below(all[mid] as Row)) lo = mid + 1;
          else hi = mid;
        }
        start = lo;
        if (q.seek.whole) {
          // Past the bound every row matches but the nulls (sorted last under NULLS LAST).
          let end = all.length;
          while (end > start && ((all[end - 1] as Row)[field] ?? null) === null) end--;
          rows = all.slice(start, end);
        }
      }
      if (!q.seek?.whole || q.order.leading !== q.seek.field)
        for (let i = start; i < all.length; i++) if (q.filter(all[i] as Row)) rows.push(all[i] as Row);
    } else {
      for (const row of this.rows(name).values()) if (q.filter(row)) rows.push(row);
      if (scanAll) for (const row of this.deletedRows(name).values()) if (q.filter(row)) rows.push(row);
      if (q.order) rows = this.sorted(q, rows);
    }
    if (q.offset) rows = rows.slice(q.offset);
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    return rows;
  }

  compile(soql: string): CompiledQuery {
    return compileQuery(soql, this.queryContext());
  }

  /** §8.3 getUpdated: ids whose SystemModstamp falls in [start, end), minute-truncated. */
  getUpdated(objectName: string, start: number, end: number): { ids: string[]; latestDateCovered: string } {
    const obj = this.requireObject(objectName);
    const [s, e] = this.replicationWindow(start, end, 30);
    const ids: string[] = [];
    for (const row of this.rows(obj.name).values()) {
      const m = parseDateTime(row.SystemModstamp as string);
      if (m >= s && m < e) ids.push(row.Id as string);
    }
    if (ids.length > 600_000) throw SfApiError.one(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. narrow the date range');
    return { ids, latestDateCovered: formatDateTime(e) };
  }

  getDeleted(objectName: string, start: number, end: number): { deletedRecords: { id: string; deletedDate: string }[]; earliestDateAvailable: string; latestDateCovered: string } {
    const obj = this.requireObject(objectName);
    const [s, e] = this.replicationWindow(start, end, 15);
    const deletedRecords = (this.deleteLog.get(obj.name) ?? []).filter((d) => {
      const m = parseDateTime(d.deletedDate);
      return m >= s && m < e;
    });
    return { deletedRecords, earliestDateAvailable: formatDateTime(this.clock() - 15 * 86_400_000), latestDateCovered: formatDateTime(e) };
  }

  private replicationWindow(start: number, end: number, maxDays: number): [number, number] {
    if (Number.isNaN(start) || Number.isNaN(end)) throw SfApiError.one(400, 'INVALID_REPLICATION_DATE', 'start date and end date must be valid dates');
    // §8.3: seconds are ignored; start must precede end; bounded look-back.
    const s = Math.floor(start / 60_000) * 60_000;
    const now = this.clock();
    const e = Math.min(Math.floor(end / 60_000) * 60_000, Math.floor(now / 60_000) * 60_000 + 60_000);
    if (s >= end) throw SfApiError.one(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate');
    if (s < now - maxDays * 86_400_000 - 60_000) throw SfApiError.one(400, 'INVALID_REPLICATION_DATE', `startDate cannot be more than ${maxDays} days ago`);
    return [s, e];
  }

  /** When an object's describe last changed (§2.6 `If-Modified-Since`), ms. */
  metadataModifiedAt(objectName: string): number {
    return this.metadataChanged.get(this.requireObject(objectName).name) ?? this.createdAt;
  }

  addCustomField(objectName: string, field: SfField): SfField {
    const obj = this.requireObject(objectName);
    if (obj.byLower.has(field.name.toLowerCase())) {
      throw SfApiError.one(400, 'DUPLICATE_DEVELOPER_NAME', `There is already a field named ${field.name} on ${obj.name}.`);
    }
    addField(obj, field);
    this.metadataChanged.set(obj.name, this.clock());
    if (field.type === 'boolean') for (const row of this.rows(obj.name).values()) row[field.name] = false;
    this.touch(obj.name);
    return field;
  }
}

function dataTypeOf(f: SfField): string {
  const map: Partial<Record<SfField['type'], string>> = {
    string: 'Text', textarea: 'TextArea', email: 'Email', phone: 'Phone', url: 'Url', picklist: 'DynamicEnum', multipicklist: 'MultiselectPicklist',
    boolean: 'Boolean', double: 'Double', currency: 'Currency', percent: 'Percent', int: 'Integer', date: 'Date', datetime: 'DateTime', reference: 'EntityId',
  };
  return map[f.type] ?? 'Text';
}

const STAGE_PROBABILITY: Record<string, number> = {
  Prospecting: 10, Qualification: 10, 'Needs Analysis': 20, 'Value Proposition': 50, 'Id. Decision Makers': 60, 'Perception Analysis': 70,
  'Proposal/Price Quote': 75, 'Negotiation/Review': 90, 'Closed Won': 100, 'Closed Lost': 0,
};

/** Values the platform computes: compound names, closed/won flags. */
function derive(object: string, row: Row): void {
  if (object === 'Lead' || object === 'Contact' || object === 'User') {
    row.Name = [row.FirstName, row.LastName].filter((x) => typeof x === 'string' && x).join(' ') || null;
  } else if (object === 'Opportunity') {
    const stage = row.StageName as string;
    row.IsClosed = stage === 'Closed Won' || stage === 'Closed Lost';
    row.IsWon = stage === 'Closed Won';
    if ((row.Probability ?? null) === null && stage in STAGE_PROBABILITY) row.Probability = STAGE_PROBABILITY[stage];
  } else if (object === 'Task') {
    row.IsClosed = row.Status === 'Completed';
  }
}
