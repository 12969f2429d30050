/**
 * Pure translation between Pipedrive's wire formats and the engine's normalised values
 * (src/crm/types.ts header): field definitions → FieldSchema, v2 records → CrmRecord fields,
 * normalised values → v2 `custom_fields` / body values, changelog rows → FieldChange, webhook v2
 * payloads → ChangeEvent. Reference: docs/reference/pipedrive.md (sections cited inline).
 */
import { InrecordError } from '../../errors/index.js';
import { type AttributeFields, attributeText, readAttributes } from '../attributes.js';
import type {
  ActorKind,
  ChangeEvent,
  CompanyCandidate,
  ContactCandidate,
  FieldChange,
  FieldSchema,
  FieldType,
  FieldValue,
  ObjectKind,
  WebhookBatch,
} from '../types.js';

export const HEX40 = /^[0-9a-f]{40}$/;

/** A v2 field definition (§4.1). */
export interface PdField {
  field_code: string;
  field_name: string;
  field_type: string;
  options?: { id: number | string; label: string }[] | null;
  is_custom_field?: boolean;
}

export type PdKind = 'person' | 'organization' | 'deal';

export function pdKind(kind: ObjectKind): PdKind | null {
  return kind === 'contact' ? 'person' : kind === 'company' ? 'organization' : kind === 'deal' ? 'deal' : null;
}

/** Built-in fields the v2 API accepts in PATCH bodies (§3.1, §3.3, §3.4); everything else is read-only. */
export const WRITABLE_SYSTEM: Record<PdKind, Set<string>> = {
  person: new Set(['name', 'first_name', 'last_name', 'owner_id', 'org_id', 'visible_to', 'label_ids', 'job_title']),
  organization: new Set(['name', 'owner_id', 'visible_to', 'label_ids', 'address', 'website', 'linkedin', 'industry', 'annual_revenue', 'employee_count']),
  deal: new Set(['title', 'owner_id', 'person_id', 'org_id', 'stage_id', 'value', 'currency', 'status', 'probability', 'lost_reason', 'expected_close_date', 'visible_to', 'label_ids']),
};

const DATETIME_KEYS = new Set(['add_time', 'update_time', 'won_time', 'lost_time', 'close_time', 'stage_change_time', 'archive_time', 'marked_as_done_time']);
const INTEGER_KEYS = new Set(['employee_count']);

/** Pipedrive `field_type` → normalised type (§4.2). */
export function fieldType(code: string, pdType: string): FieldType {
  if (DATETIME_KEYS.has(code)) return 'datetime';
  if (code === 'email') return 'email';
  if (code === 'website' || code === 'linkedin') return 'url';
  if (INTEGER_KEYS.has(code)) return 'integer';
  switch (pdType) {
    case 'text':
      return 'text';
    case 'double':
      return 'number';
    case 'int':
      return 'integer';
    case 'monetary':
      return 'currency';
    case 'enum':
    case 'status':
    case 'visible_to':
      return 'picklist';
    case 'set':
      return 'multipicklist';
    case 'user':
    case 'org':
    case 'people':
    case 'stage':
    case 'pipeline':
    case 'deal':
    case 'lead':
    case 'product':
    case 'project':
      return 'reference';
    case 'phone':
      return 'phone';
    case 'date':
      return 'date';
    case 'boolean':
      return 'boolean';
    default:
      return 'string';
  }
}

const VISIBILITY_OPTIONS = [
  { value: '1', label: 'Owner only' },
  { value: '3', label: "Owner's visibility group" },
  { value: '5', label: "Owner's visibility group and sub-groups" },
  { value: '7', label: 'Entire company' },
];

const STATUS_OPTIONS = ['open', 'won', 'lost'].map((v) => ({ value: v, label: v[0].toUpperCase() + v.slice(1) }));

export function toFieldSchema(kind: PdKind, f: PdField): FieldSchema {
  const custom = f.is_custom_field === true || HEX40.test(f.field_code);
  const type = f.field_code === 'label_ids' ? 'multipicklist' : fieldType(f.field_code, f.field_type);
  const s: FieldSchema = {
    name: f.field_code,
    label: f.field_name,
    type,
    crmType: f.field_type,
    required: !custom && (f.field_code === 'name' || f.field_code === 'title'),
    writable: custom || WRITABLE_SYSTEM[kind].has(f.field_code),
    custom,
  };
  if (f.field_code === 'status' && kind === 'deal') {
    s.options = STATUS_OPTIONS;
    s.restricted = true;
  } else if (f.field_type === 'visible_to') {
    // 1 owner only, 3 owner's visibility group, 5 owner's group and sub-groups, 7 entire company (§2).
    s.options = VISIBILITY_OPTIONS;
    s.restricted = true;
  } else if (f.field_code === 'label_ids' && !(f.options && f.options.length > 0)) {
    // Label ids live in the labels API, not in the field list: accepted as given.
    s.restricted = false;
  } else if (f.options && f.options.length > 0) {
    // Option values are the option ids, as strings (§4.3: values are option IDs, never labels).
    s.options = f.options.map((o) => ({ value: String(o.id), label: o.label }));
    s.restricted = true;
  } else if (type === 'picklist' || type === 'multipicklist') {
    s.options = [];
    s.restricted = true;
  }
  if (['varchar', 'varchar_auto', 'phone'].includes(f.field_type)) s.maxLength = 255;
  if (f.field_type === 'text') s.maxLength = 65_000;
  return s;
}

const V2_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 → normalised ISO with milliseconds. */
export function isoFromPd(v: string): string {
  return new Date(v).toISOString();
}

/** v1 "YYYY-MM-DD HH:MM:SS" (UTC, §2) → ISO. */
export function isoFromV1(v: string): string {
  return new Date(`${v.replace(' ', 'T')}Z`).toISOString();
}

/** ISO → the v2 `updated_since` form: whole seconds, no fraction (fractions are rejected, §3.1). */
export function pdSince(iso: string): string {
  const ms = Date.parse(iso);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One v2 value (built-in or custom) → the normalised value of its schema type. */
export function decodeValue(schema: FieldSchema | undefined, v: unknown): FieldValue {
  if (v === null || v === undefined) return null;
  const type = schema?.type;
  if (Array.isArray(v)) {
    if (v.length === 0) return type === 'multipicklist' ? [] : null;
    if (typeof v[0] === 'object' && v[0] !== null && 'value' in v[0]) {
      // emails / phones: the primary value.
      const p = (v as { value: string; primary?: boolean }[]).find((x) => x.primary) ?? v[0];
      return p.value;
    }
    return (v as unknown[]).map((x) => (typeof x === 'object' && x !== null && 'id' in x ? String((x as { id: unknown }).id) : String(x)));
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('id' in o && (type === 'picklist' || type === 'reference')) return String(o.id);
    if ('value' in o) return decodeValue(schema, o.value);
    return JSON.stringify(v);
  }
  switch (type) {
    case 'picklist':
    case 'reference':
      return String(v);
    case 'multipicklist':
      return String(v)
        .split(',')
        .filter((x) => x.length > 0);
    case 'number':
    case 'integer':
    case 'currency':
    case 'percent': {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? n : null;
    }
    case 'datetime':
      return typeof v === 'string' && V2_TIME.test(v) ? isoFromPd(v) : typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) ? isoFromV1(v) : String(v);
    case 'boolean':
      return v === true || v === 1 || v === '1' || v === 'true';
    default:
      return typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
  }
}

export type Encoded = { ok: true; value: unknown } | { ok: false; message: string };

/** A normalised value → what v2 expects for this field (§4.3 v2 column). */
export function encodeValue(schema: FieldSchema, v: FieldValue): Encoded {
  const bad = (expected: string): Encoded => ({ ok: false, message: `field ${schema.name} (${schema.label}) expects ${expected}, got ${JSON.stringify(v)}` });
  if (v === null) {
    if (schema.required) return bad('a value (it is required)');
    return { ok: true, value: null };
  }
  switch (schema.type) {
    case 'picklist': {
      const s = String(v);
      if (schema.crmType === 'status') return schema.options?.some((o) => o.value === s) ? { ok: true, value: s } : bad('one of open, won, lost');
      if (schema.restricted && !schema.options?.some((o) => o.value === s)) {
        const known = (schema.options ?? []).map((o) => `${o.value} (${o.label})`).join(', ');
        return bad(`an option id, one of ${known}`);
      }
      const n = Number(s);
      return Number.isInteger(n) ? { ok: true, value: n } : bad('an option id');
    }
    case 'multipicklist': {
      const list = Array.isArray(v) ? v : String(v).split(',');
      // An empty set is a 400 on v2; `null` clears it (§4.4, [OBS S26]).
      if (list.length === 0) return { ok: true, value: null };
      const ids: number[] = [];
      for (const x of list) {
        if (schema.restricted && !schema.options?.some((o) => o.value === String(x))) {
          const known = (schema.options ?? []).map((o) => `${o.value} (${o.label})`).join(', ');
          return bad(`option ids among ${known}`);
        }
        ids.push(Number(x));
      }
      return { ok: true, value: [...new Set(ids)] };
    }
    case 'number':
    case 'percent':
    case 'integer': {
      const n = typeof v === 'number' ? v : Number.NaN;
      if (!Number.isFinite(n)) return bad('a number');
      if (schema.type === 'integer' && !Number.isInteger(n)) return bad('an integer');
      return { ok: true, value: n };
    }
    case 'currency': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad('a number');
      return { ok: true, value: schema.custom ? { value: v } : v };
    }
    case 'reference': {
      const n = Number(v);
      return Number.isInteger(n) ? { ok: true, value: n } : bad('a record id');
    }
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? { ok: true, value: v } : bad("a date 'YYYY-MM-DD'");
    case 'boolean':
      return typeof v === 'boolean' ? { ok: true, value: v } : bad('a boolean');
    default: {
      if (typeof v !== 'string' && typeof v !== 'number') return bad('text');
      const s = String(v);
      if (schema.maxLength !== undefined && s.length > schema.maxLength) return bad(`at most ${schema.maxLength} characters (got ${s.length})`);
      if (schema.name === 'address') return { ok: true, value: { value: s } };
      return { ok: true, value: s };
    }
  }
}

/** A v2 record → normalised fields (only `fields` when given; all known fields otherwise). */
export function recordFields(rec: Record<string, unknown>, schemas: Map<string, FieldSchema>, fields: string[]): Record<string, FieldValue> {
  const custom = (rec.custom_fields ?? {}) as Record<string, unknown>;
  const names = fields.length > 0 ? fields : [...schemas.keys()];
  const out: Record<string, FieldValue> = {};
  for (const name of names) {
    const schema = schemas.get(name);
    let raw: unknown;
    if (HEX40.test(name)) raw = custom[name];
    else if (name === 'email') raw = rec.emails;
    else if (name === 'phone') raw = rec.phones;
    else raw = rec[name];
    out[name] = decodeValue(schema, raw);
  }
  return out;
}

export function normaliseEmail(e: string): string {
  return e.trim().toLowerCase();
}

/**
 * The attributes in a person's Contact Sync fields, where the company has them (§2): `birthday`
 * and the `postal_address` object (its street, postal code and locality).
 */
function contactSyncAttributes(p: Record<string, unknown>): Partial<ContactCandidate> {
  const out: Partial<ContactCandidate> = {};
  const birthday = attributeText(p.birthday);
  if (birthday) out.birth_date = birthday;
  const a = p.postal_address as Record<string, unknown> | null | undefined;
  if (a && typeof a === 'object') {
    const route = attributeText(a.route);
    const street = route
      ? [attributeText(a.street_number), route].filter(Boolean).join(' ')
      : attributeText(a.value);
    if (street) out.address = street;
    const postcode = attributeText(a.postal_code);
    if (postcode) out.postcode = postcode;
    const city = attributeText(a.locality);
    if (city) out.city = city;
  }
  return out;
}

/** A person as an identity candidate; `attrs`: the fields the config names for attributes (custom ones by key). */
export function contactCandidate(
  p: Record<string, unknown>,
  orgName: string | null,
  attrs: AttributeFields = {},
): ContactCandidate {
  const custom = (p.custom_fields ?? {}) as Record<string, unknown>;
  const emails = ((p.emails as { value: string; primary?: boolean }[] | undefined) ?? []).filter((m) => typeof m.value === 'string' && m.value.trim() !== '');
  const primary = emails.find((m) => m.primary) ?? emails[0];
  const phones = (p.phones as { value: string; primary?: boolean }[] | undefined) ?? [];
  const phone = phones.find((x) => x.primary) ?? phones[0];
  return {
    id: String(p.id),
    email: primary ? normaliseEmail(primary.value) : null,
    additional_emails: emails.filter((m) => m !== primary).map((m) => normaliseEmail(m.value)),
    first_name: (p.first_name as string | null) ?? null,
    last_name: (p.last_name as string | null) ?? null,
    company_id: typeof p.org_id === 'number' ? String(p.org_id) : null,
    company_name: orgName,
    phone: phone?.value ?? null,
    ...contactSyncAttributes(p),
    ...readAttributes(attrs, (f) => (HEX40.test(f) ? custom[f] : p[f])),
  };
}

/** Host of a website value, without `www.` ("https://www.acme.com/x" → "acme.com"). */
export function websiteDomain(website: unknown): string | null {
  if (typeof website !== 'string' || website.trim() === '') return null;
  const raw = website.trim();
  try {
    const u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
    return u.hostname.toLowerCase().replace(/^www\./, '') || null;
  } catch {
    return null;
  }
}

export function companyCandidate(o: Record<string, unknown>): CompanyCandidate {
  return { id: String(o.id), name: (o.name as string | null) ?? null, domain: websiteDomain(o.website), additional_domains: [] };
}

/** Who made a change: `api` from this integration's user is ours; `app`/`mobile` is a person (§7.3). */
export function actorOf(changeSource: string | null | undefined, userId: string | number | null | undefined, integrationUserId: string | null): ActorKind {
  const src = (changeSource ?? '').toLowerCase();
  if (src === 'app' || src === 'mobile' || src === 'web') return 'human';
  if (src === 'api') return integrationUserId !== null && String(userId) === integrationUserId ? 'integration' : 'system';
  if (src === 'import') return 'import';
  return 'system';
}

export interface ChangelogRow {
  field_key: string;
  old_value: string | null;
  new_value: string | null;
  actor_user_id: number;
  time: string;
  change_source: string | null;
}

/** Newest changelog row per requested field → FieldChange (rows are newest first, §7.1). */
export function lastChanges(id: string, rows: ChangelogRow[], fields: string[], schemas: Map<string, FieldSchema>, integrationUserId: string | null): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of fields) {
    const row = rows.find((r) => r.field_key === field);
    if (!row) continue;
    out.push({
      id,
      field,
      value: decodeValue(schemas.get(field), row.new_value),
      at: isoFromV1(row.time),
      actor: actorOf(row.change_source, row.actor_user_id, integrationUserId),
      userId: String(row.actor_user_id),
    });
  }
  return out;
}

const WEBHOOK_OBJECTS: Record<string, ObjectKind> = { person: 'contact', organization: 'company', deal: 'deal', lead: 'lead' };

/** A record id as a webhook carries it: a number, or a string of one (leads: a UUID). */
function recordIdOf(...candidates: unknown[]): string | null {
  for (const v of candidates) {
    const s = typeof v === 'number' && Number.isInteger(v) && v > 0 ? String(v) : typeof v === 'string' ? v.trim() : '';
    if (/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(s)) return s;
  }
  return null;
}

/** A time as webhooks carry it: ISO text, or epoch seconds (v1; `user` events) or milliseconds. */
function timeOf(ts: unknown): string | null {
  if (ts === undefined || ts === null) return new Date().toISOString();
  const t = typeof ts === 'number' ? new Date(ts < 1e12 ? ts * 1000 : ts) : typeof ts === 'string' ? new Date(ts) : null;
  return t && !Number.isNaN(t.getTime()) ? t.toISOString() : null;
}

/**
 * A webhook v2 payload (§5.2) → ChangeEvents. `previous` holds only the changed fields, so its
 * keys (custom ones nested under custom_fields) are the changed fields. v1 payloads (§5.3) are
 * understood too. Entities the engine does not track (activity, note …) give no event. Pipedrive
 * sends one event per request (§5.2): a body with several is refused whole (IR_WEBHOOK_TOO_LARGE),
 * one without `meta` is not a webhook (IR_WEBHOOK_PAYLOAD), and an event that names no record or
 * no time is refused with its reason.
 */
export function parseWebhookPayload(body: unknown, integrationUserId: string | null): WebhookBatch {
  if (Array.isArray(body) && body.length > 1) {
    throw new InrecordError('IR_WEBHOOK_TOO_LARGE', `Pipedrive webhook body holds ${body.length} events; Pipedrive sends one per request`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { meta?: unknown }).meta !== 'object' || (body as { meta?: unknown }).meta === null) {
    throw new InrecordError('IR_WEBHOOK_PAYLOAD', 'Pipedrive webhook body is not an object with a "meta" object (webhooks v2, §5.2)');
  }
  const b = body as Record<string, unknown>;
  const meta = b.meta as Record<string, unknown>;
  const event = meta.v === 1 || b.v === 1 ? parseV1(b, meta, integrationUserId) : parseV2(b, meta, integrationUserId);
  if (event === null) return { events: [], rejected: [] };
  if (typeof event === 'string') return { events: [], rejected: [{ index: 0, reason: event, event: body }] };
  return { events: [event], rejected: [] };
}

/** The event, null for an entity the engine does not track, or why it is refused. */
function parseV2(b: Record<string, unknown>, meta: Record<string, unknown>, integrationUserId: string | null): ChangeEvent | string | null {
  const object = WEBHOOK_OBJECTS[String(meta.entity)];
  if (!object) return null;
  const action = String(meta.action);
  const merged = typeof meta.merged_to_id === 'string' || typeof meta.merged_to_id === 'number' ? String(meta.merged_to_id) : undefined;
  const kind = action === 'create' ? 'created' : action === 'delete' ? (merged ? 'merged' : 'deleted') : merged ? 'merged' : 'updated';
  const prev = (typeof b.previous === 'object' ? b.previous : null) as Record<string, unknown> | null;
  const data = (typeof b.data === 'object' ? b.data : null) as Record<string, unknown> | null;
  const id = recordIdOf(meta.entity_id, data?.id, prev?.id);
  if (!id) return `${meta.entity} ${action} event names no record id (meta.entity_id ${JSON.stringify(meta.entity_id ?? null)})`;
  const occurredAt = timeOf(meta.timestamp);
  if (!occurredAt) return `${meta.entity} ${id}: meta.timestamp ${JSON.stringify(meta.timestamp)} is not a time`;
  const fields: string[] = [];
  if (kind === 'updated' && prev) {
    for (const [k, v] of Object.entries(prev)) {
      if (k === 'custom_fields' && typeof v === 'object' && v !== null) fields.push(...Object.keys(v));
      else fields.push(k === 'emails' ? 'email' : k === 'phones' ? 'phone' : k);
    }
  }
  return {
    crm: 'pipedrive',
    object,
    id,
    kind,
    fields,
    occurredAt,
    actor: actorOf(meta.change_source as string | undefined, meta.user_id as string | undefined, integrationUserId),
    eventId: typeof meta.id === 'string' ? meta.id : undefined,
    mergedInto: merged,
  };
}

function parseV1(b: Record<string, unknown>, meta: Record<string, unknown>, integrationUserId: string | null): ChangeEvent | string | null {
  const object = WEBHOOK_OBJECTS[String(meta.object)];
  if (!object) return null;
  const action = String(meta.action);
  const kind = action === 'added' ? 'created' : action === 'deleted' ? 'deleted' : action === 'merged' ? 'merged' : 'updated';
  const cur = (typeof b.current === 'object' && b.current !== null ? b.current : {}) as Record<string, unknown>;
  const prev = (typeof b.previous === 'object' && b.previous !== null ? b.previous : {}) as Record<string, unknown>;
  const id = recordIdOf(meta.id, cur.id, prev.id);
  if (!id) return `${meta.object} ${action} event names no record id (meta.id ${JSON.stringify(meta.id ?? null)})`;
  const occurredAt = timeOf(typeof meta.timestamp === 'number' ? meta.timestamp * 1000 : meta.timestamp);
  if (!occurredAt) return `${meta.object} ${id}: meta.timestamp ${JSON.stringify(meta.timestamp)} is not a time`;
  const fields = kind === 'updated' ? Object.keys(cur).filter((k) => JSON.stringify(cur[k]) !== JSON.stringify(prev[k])) : [];
  return {
    crm: 'pipedrive',
    object,
    id,
    kind,
    fields,
    occurredAt,
    actor: actorOf(meta.change_source as string | undefined, meta.user_id as number | undefined, integrationUserId),
  };
}

/** Which field a v2 400 message names (`Validation failed: <key>: …`, §4.4 [OBS S25]). */
export function fieldFromError(message: string): string | undefined {
  const hex = /[0-9a-f]{40}/.exec(message);
  if (hex) return hex[0];
  const m = /Validation failed: ([a-z_]+):/.exec(message);
  return m && m[1] !== 'custom_fields' && m[1] !== 'body' ? m[1] : undefined;
}
