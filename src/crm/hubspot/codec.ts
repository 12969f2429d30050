/**
 * Pure HubSpot ↔ engine conversions (reference: docs/reference/hubspot.md): property
 * definitions → FieldSchema (§5.2, §5.3), value encoding both ways (§5.4: every value a string,
 * dates `YYYY-MM-DD`, multi-selects `;`-joined), who made a change (§2.4 sourceType), validation
 * errors (§5.5), webhook signatures v3 (§8.4) and payloads (§8.2). No I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { InrecordError } from '../../errors/index.js';
import type { ActorKind, ChangeEvent, ChangeKind, FieldSchema, FieldSpec, FieldType, FieldValue, ObjectKind, RejectedEvent, WebhookBatch } from '../types.js';

export type HsObject = 'contacts' | 'companies' | 'deals';

export function hsObject(kind: ObjectKind): HsObject | null {
  return kind === 'contact' ? 'contacts' : kind === 'company' ? 'companies' : kind === 'deal' ? 'deals' : null;
}

/** The property bumped on every write; contacts carry `hs_lastmodifieddate` too (§2.2). */
export const MODIFIED = 'hs_lastmodifieddate';

export interface HsProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  options?: { label: string; value: string; hidden?: boolean }[];
  calculated?: boolean;
  externalOptions?: boolean;
  hubspotDefined?: boolean;
  numberDisplayHint?: string;
  referencedObjectType?: string;
  modificationMetadata?: { readOnlyValue?: boolean };
}

export function fieldType(p: HsProperty): FieldType {
  if (p.referencedObjectType === 'OWNER' || p.name === 'hubspot_owner_id') return 'reference';
  switch (p.type) {
    case 'number':
      if (p.numberDisplayHint === 'currency' || p.name === 'amount' || p.name === 'annualrevenue') return 'currency';
      if (p.numberDisplayHint === 'percentage' || p.numberDisplayHint === 'probability') return 'percent';
      return 'number';
    case 'bool':
      return 'boolean';
    case 'enumeration':
      if (p.fieldType === 'booleancheckbox') return 'boolean';
      return p.fieldType === 'checkbox' ? 'multipicklist' : 'picklist';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'phone_number':
      return 'phone';
    default:
      if (p.fieldType === 'phonenumber') return 'phone';
      if (p.name === 'email' || p.name === 'hs_additional_emails') return 'email';
      if (p.name === 'website') return 'url';
      return p.fieldType === 'textarea' || p.fieldType === 'html' ? 'text' : 'string';
  }
}

export function toFieldSchema(p: HsProperty): FieldSchema {
  const type = fieldType(p);
  const options = (p.options ?? []).filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label }));
  const s: FieldSchema = {
    name: p.name,
    label: p.label,
    type,
    crmType: `${p.type}/${p.fieldType}`,
    required: false,
    writable: !(p.modificationMetadata?.readOnlyValue ?? false) && !p.calculated,
    custom: p.hubspotDefined === false,
  };
  if (type === 'picklist' || type === 'multipicklist') {
    s.options = options;
    // Enumerations always reject values outside their options, unless the options live elsewhere
    // (owners, pipeline stages: externalOptions, §5.6).
    s.restricted = !p.externalOptions;
  }
  // String properties hold up to 65,536 characters (§5.3).
  if (type === 'string' || type === 'text' || type === 'email' || type === 'phone' || type === 'url') s.maxLength = 65_536;
  return s;
}

/** The property-create body for a FieldSpec (§5.2). */
export function propertyCreate(obj: HsObject, spec: FieldSpec): Record<string, unknown> {
  const group = obj === 'contacts' ? 'contactinformation' : obj === 'companies' ? 'companyinformation' : 'dealinformation';
  const base = { name: spec.name, label: spec.label, groupName: group };
  const options = (spec.options ?? []).map((o, i) => ({ label: o.label, value: o.value, displayOrder: i, hidden: false }));
  switch (spec.type) {
    case 'number':
    case 'integer':
      return { ...base, type: 'number', fieldType: 'number' };
    case 'currency':
      return { ...base, type: 'number', fieldType: 'number', numberDisplayHint: 'currency' };
    case 'percent':
      return { ...base, type: 'number', fieldType: 'number', numberDisplayHint: 'percentage' };
    case 'boolean':
      return { ...base, type: 'bool', fieldType: 'booleancheckbox', options: [{ label: 'Yes', value: 'true', displayOrder: 0, hidden: false }, { label: 'No', value: 'false', displayOrder: 1, hidden: false }] };
    case 'date':
      return { ...base, type: 'date', fieldType: 'date' };
    case 'datetime':
      return { ...base, type: 'datetime', fieldType: 'date' };
    case 'picklist':
      return { ...base, type: 'enumeration', fieldType: 'select', options };
    case 'multipicklist':
      return { ...base, type: 'enumeration', fieldType: 'checkbox', options };
    case 'text':
      return { ...base, type: 'string', fieldType: 'textarea' };
    case 'phone':
      return { ...base, type: 'string', fieldType: 'phonenumber' };
    default:
      return { ...base, type: 'string', fieldType: 'text' };
  }
}

/** Engine value → the string HubSpot stores; null clears with "" (§2.3, §5.4). */
export function encodeValue(f: FieldSchema | undefined, v: FieldValue): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.join(';');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? numberString(v) : '';
  if (f?.type === 'date') {
    // HubSpot date properties take YYYY-MM-DD or epoch ms at midnight UTC (§5.4).
    return v.length >= 10 ? v.slice(0, 10) : v;
  }
  if (f?.type === 'datetime') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : new Date(t).toISOString();
  }
  return v;
}

/** Plain decimal notation: HubSpot rejects exponent notation "was not a valid number" (§5.3, §5.5). */
export function numberString(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** HubSpot string → normalised engine value (see src/crm/types.ts). */
export function decodeValue(f: FieldSchema | undefined, raw: string | null | undefined): FieldValue {
  if (raw === null || raw === undefined || raw === '') return null;
  switch (f?.type) {
    case 'number':
    case 'integer':
    case 'currency':
    case 'percent': {
      const n = Number(raw);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return raw === 'true';
    case 'multipicklist':
      return raw.split(';').filter((x) => x !== '');
    case 'date':
      if (/^-?\d{10,}$/.test(raw)) return new Date(Number(raw)).toISOString().slice(0, 10);
      return raw.slice(0, 10);
    case 'datetime': {
      const t = /^-?\d{10,}$/.test(raw) ? Number(raw) : Date.parse(raw);
      return Number.isNaN(t) ? raw : new Date(t).toISOString();
    }
    default:
      return raw;
  }
}

export interface HistoryEntry {
  value: string;
  timestamp: string | Date;
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

/** Who made a change, from the history entry's sourceType (§2.4). */
export function actorOf(e: HistoryEntry): { actor: ActorKind; userId: string | null } {
  const user = e.updatedByUserId !== undefined && e.updatedByUserId !== null ? String(e.updatedByUserId) : null;
  switch (e.sourceType) {
    case 'CRM_UI':
    case 'MOBILE_IOS':
    case 'MOBILE_ANDROID':
    case 'EMAIL':
    case 'SALES':
      return { actor: 'human', userId: user ?? (e.sourceId?.startsWith('userId:') ? e.sourceId.slice(7) : null) };
    case 'INTEGRATION':
    case 'API':
      return { actor: 'integration', userId: e.sourceId ?? null };
    case 'IMPORT':
      return { actor: 'import', userId: user };
    default:
      // CALCULATED, AI_GROUP, AUTOMATION_PLATFORM, … are HubSpot's own writes.
      return user && e.sourceType !== 'AUTOMATION_PLATFORM' ? { actor: 'human', userId: user } : { actor: 'system', userId: null };
  }
}

export interface PropertyError {
  field?: string;
  code: string;
  message: string;
}

/**
 * The per-property problems of a 400 VALIDATION_ERROR: the structured `errors[]` when present,
 * else the JSON array encoded inside `message` after "Property values were not valid: " (§5.5).
 */
export function propertyErrors(body: unknown): PropertyError[] {
  const b = (body ?? {}) as { message?: string; errors?: { message?: string; code?: string; context?: { propertyName?: string[] } }[] };
  if (Array.isArray(b.errors) && b.errors.length > 0 && b.errors.some((e) => e.context?.propertyName)) {
    return b.errors.map((e) => ({ field: e.context?.propertyName?.[0], code: e.code ?? 'VALIDATION_ERROR', message: e.message ?? 'invalid value' }));
  }
  const m = /^Property values were not valid: (\[.*\])$/s.exec(b.message ?? '');
  if (m) {
    try {
      const inner = JSON.parse(m[1]) as { name?: string; error?: string; message?: string }[];
      return inner.map((e) => ({ field: e.name, code: e.error ?? 'VALIDATION_ERROR', message: e.message ?? 'invalid value' }));
    } catch {
      // fall through to the plain message
    }
  }
  return [{ code: 'VALIDATION_ERROR', message: b.message ?? 'invalid request' }];
}

/** The characters HubSpot decodes in the URI before signing (§8.4). */
const URI_DECODE: [string, string][] = [
  ['%3A', ':'],
  ['%2F', '/'],
  ['%3F', '?'],
  ['%40', '@'],
  ['%21', '!'],
  ['%24', '$'],
  ['%27', "'"],
  ['%28', '('],
  ['%29', ')'],
  ['%2A', '*'],
  ['%2C', ','],
  ['%3B', ';'],
];

export function decodeSignedUri(uri: string): string {
  let u = uri;
  for (const [enc, dec] of URI_DECODE) u = u.split(enc).join(dec).split(enc.toLowerCase()).join(dec);
  return u;
}

/** v3: base64 HMAC-SHA256(secret, method + uri + body + timestamp) (§8.4). */
export function signatureV3(secret: string, method: string, uri: string, body: string | Buffer, timestamp: string): string {
  return createHmac('sha256', secret).update(`${method}${uri}`).update(body).update(timestamp).digest('base64');
}

export function verifyV3(
  secret: string,
  req: { method: string; url: string; headers: Record<string, string | undefined>; rawBody: Buffer },
  maxAgeMs: number,
  now = Date.now(),
): { ok: true } | { ok: false; reason: string } {
  const h = (k: string) => req.headers[k] ?? req.headers[k.toLowerCase()];
  const sig = h('x-hubspot-signature-v3');
  const ts = h('x-hubspot-request-timestamp');
  if (!sig || !ts) return { ok: false, reason: 'missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header' };
  const t = Number(ts);
  if (!Number.isFinite(t)) return { ok: false, reason: `bad X-HubSpot-Request-Timestamp "${ts}"` };
  // Requests older than 5 minutes are rejected (§8.4: SDK MAX_ALLOWED_TIMESTAMP); one dated as far
  // ahead is no fresher: a captured delivery stamped in the future would replay for longer.
  if (now - t > maxAgeMs) return { ok: false, reason: `request timestamp is ${Math.round((now - t) / 1000)} s old (more than ${maxAgeMs / 1000} s)` };
  if (t - now > maxAgeMs) return { ok: false, reason: `request timestamp is ${Math.round((t - now) / 1000)} s in the future (more than ${maxAgeMs / 1000} s): check this server's clock` };
  const expected = Buffer.from(signatureV3(secret, req.method.toUpperCase(), decodeSignedUri(req.url), req.rawBody, ts));
  const got = Buffer.from(sig);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return { ok: false, reason: 'X-HubSpot-Signature-v3 does not match the body' };
  return { ok: true };
}

interface HsEvent {
  eventId?: number | string;
  subscriptionType?: string;
  eventType?: string;
  objectTypeId?: string;
  objectId?: number | string;
  occurredAt?: number;
  propertyName?: string;
  changeSource?: string;
  sourceId?: string;
  primaryObjectId?: number | string;
  mergedObjectIds?: (number | string)[];
  newObjectId?: number | string;
  appId?: number;
}

const OBJECT_OF: Record<string, ObjectKind> = { contact: 'contact', company: 'company', deal: 'deal', '0-1': 'contact', '0-2': 'company', '0-3': 'deal' };

function changeActor(e: HsEvent, appId: string | null): ActorKind {
  switch (e.changeSource) {
    case 'CRM_UI':
    case 'CRM':
    case 'MOBILE_IOS':
    case 'MOBILE_ANDROID':
      return 'human';
    case 'IMPORT':
      return 'import';
    case 'INTEGRATION':
    case 'API':
      return 'integration';
    default:
      if (appId && e.sourceId === appId) return 'integration';
      return e.sourceId?.startsWith('userId:') ? 'human' : 'system';
  }
}

/** HubSpot sends at most 100 events in one delivery (§8.2, §8.3). */
export const MAX_WEBHOOK_EVENTS = 100;

/** An event's record id: HubSpot ids are positive integers, sent as numbers (§8.2). */
function objectIdOf(v: unknown): string | null {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^[1-9]\d*$/.test(s) ? s : null;
}

/** An event → ChangeEvents (a merge gives several), null for a type the engine does not track, or why it is refused. */
function eventChanges(item: unknown, appId: string | null): ChangeEvent[] | null | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not an event object';
  const e = item as HsEvent;
  const sub = typeof e.subscriptionType === 'string' ? e.subscriptionType : typeof e.eventType === 'string' ? e.eventType : '';
  const [prefix, action] = sub.split('.');
  const object = OBJECT_OF[prefix === 'object' ? String(e.objectTypeId ?? '') : prefix];
  if (!object) return null;
  const kind: ChangeKind | null =
    action === 'creation' || action === 'restore'
      ? 'created'
      : action === 'deletion' || action === 'privacyDeletion'
        ? 'deleted'
        : action === 'propertyChange' || action === 'associationChange'
          ? 'updated'
          : null;
  if (action !== 'merge' && !kind) return null;
  const at = e.occurredAt === undefined ? Date.now() : typeof e.occurredAt === 'number' ? e.occurredAt : Number.NaN;
  if (Number.isNaN(new Date(at).getTime())) return `occurredAt ${JSON.stringify(e.occurredAt)} is not a time in epoch milliseconds`;
  const base = {
    crm: 'hubspot' as const,
    object,
    occurredAt: new Date(at).toISOString(),
    actor: changeActor(e, appId),
    ...(e.eventId !== undefined ? { eventId: String(e.eventId) } : {}),
  };
  if (action === 'merge') {
    const into = objectIdOf(e.primaryObjectId ?? e.newObjectId ?? e.objectId);
    if (!into) return `${sub} names no surviving record id`;
    const losers = (Array.isArray(e.mergedObjectIds) ? e.mergedObjectIds : []).map(objectIdOf);
    if (losers.some((id) => id === null)) return `${sub} has a merged record id that is not one`;
    return [
      ...(losers as string[]).filter((id) => id !== into).map((id) => ({ ...base, id, kind: 'merged' as const, fields: [], mergedInto: into })),
      { ...base, id: into, kind: 'updated', fields: [] },
    ];
  }
  const id = objectIdOf(e.objectId);
  if (!id) return `${sub} has no record id (objectId ${JSON.stringify(e.objectId ?? null)})`;
  return [{ ...base, id, kind: kind as ChangeKind, fields: action === 'propertyChange' && typeof e.propertyName === 'string' ? [e.propertyName] : [] }];
}

/**
 * A delivery (a JSON array of ≤ 100 events, §8.2) → ChangeEvents. Unknown object types and actions
 * are skipped; an event that names no record or no time is refused on its own, with its reason.
 */
export function parseWebhookBody(raw: Buffer | string, appId: string | null = null): WebhookBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    throw new InrecordError('IR_WEBHOOK_PAYLOAD', `HubSpot webhook body is not JSON: ${(e as Error).message}`);
  }
  const list: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length > MAX_WEBHOOK_EVENTS) {
    throw new InrecordError('IR_WEBHOOK_TOO_LARGE', `HubSpot webhook delivery holds ${list.length} events; HubSpot sends at most ${MAX_WEBHOOK_EVENTS} in one`);
  }
  const events: ChangeEvent[] = [];
  const rejected: RejectedEvent[] = [];
  list.forEach((item, index) => {
    const out = eventChanges(item, appId);
    if (typeof out === 'string') rejected.push({ index, reason: out, event: item });
    else if (out) events.push(...out);
  });
  return { events, rejected };
}

/** Association type ids from an activity to a record (§7.3). */
export const ACTIVITY_ASSOC: Record<string, Record<HsObject, number>> = {
  notes: { contacts: 202, companies: 190, deals: 214 },
  tasks: { contacts: 204, companies: 192, deals: 216 },
  calls: { contacts: 194, companies: 182, deals: 206 },
  meetings: { contacts: 200, companies: 188, deals: 212 },
  emails: { contacts: 198, companies: 186, deals: 210 },
};

/** Lower-cased, trimmed; HubSpot IN filters on strings need lower-case values (§4.2). */
export function lowerAll(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ''))];
}

export function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** A bare registrable-ish domain from a stored domain/website ("https://www.Acme.com/" → "acme.com"). */
export function bareDomain(v: string | null | undefined): string | null {
  if (!v) return null;
  const s = v.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/^www\./, '').split(/[/?#]/)[0];
  return s || null;
}

/**
 * The values a phone may have in contact search's calculated phone properties, which hold the area
 * code and local number only (§4): the national number of an international writing, and the digits
 * without a trunk 0 or a leading US 1. Several forms: which one the account kept is not documented.
 */
export function searchablePhoneValues(raw: string): string[] {
  const out = new Set<string>();
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7) return [];
  if (raw.trim().startsWith('+')) {
    const parsed = parsePhoneNumberFromString(raw.trim());
    if (parsed) out.add(String(parsed.nationalNumber));
  }
  out.add(digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits.replace(/^0/, ''));
  return [...out];
}
