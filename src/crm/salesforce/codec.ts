/**
 * Pure translation between Salesforce's wire shapes and the engine's normalised values (reference
 * salesforce.md §2.2 value encodings, §2.6 describe, §6 errors, §8.1 Outbound Messages). No I/O.
 */
import { InrecordError } from '../../errors/index.js';
import type { ChangeEvent, ChangeKind, FieldSchema, FieldSpec, FieldType, FieldValue, ObjectKind, RejectedEvent, WebhookBatch, WriteResult } from '../types.js';
import type { OutboundMessage } from './outbound-xml.js';

export { parseOutboundMessage, type OutboundMessage, type OutboundNotification } from './outbound-xml.js';

export const SF_OBJECT: Record<ObjectKind, string> = { contact: 'Contact', company: 'Account', deal: 'Opportunity', lead: 'Lead' };
export const KIND_OF_OBJECT: Record<string, ObjectKind> = { Contact: 'contact', Account: 'company', Opportunity: 'deal', Lead: 'lead' };
export const HISTORY: Record<ObjectKind, { object: string; parent: string }> = {
  contact: { object: 'ContactHistory', parent: 'ContactId' },
  company: { object: 'AccountHistory', parent: 'AccountId' },
  deal: { object: 'OpportunityFieldHistory', parent: 'OpportunityId' },
  lead: { object: 'LeadHistory', parent: 'LeadId' },
};

/** The describe `Field` keys the connector reads. */
export interface SfDescribeField {
  name: string;
  label: string;
  type: string;
  length?: number;
  scale?: number;
  nillable?: boolean;
  defaultedOnCreate?: boolean;
  createable?: boolean;
  updateable?: boolean;
  custom?: boolean;
  restrictedPicklist?: boolean;
  picklistValues?: { value: string; label: string; active: boolean }[];
}

const TYPE_MAP: Record<string, FieldType> = {
  id: 'string', reference: 'reference', string: 'string', textarea: 'text', email: 'email', phone: 'phone', url: 'url',
  picklist: 'picklist', multipicklist: 'multipicklist', combobox: 'picklist', boolean: 'boolean', double: 'number', int: 'integer',
  long: 'integer', currency: 'currency', percent: 'percent', date: 'date', datetime: 'datetime', encryptedstring: 'string',
};
const TEXTUAL = new Set<FieldType>(['string', 'text', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'reference']);

export function toFieldSchema(f: SfDescribeField): FieldSchema {
  const type = TYPE_MAP[f.type] ?? 'string';
  const out: FieldSchema = {
    name: f.name,
    label: f.label,
    type,
    crmType: f.type,
    // Required = the API refuses a create without it (nillable false and not defaulted).
    required: f.createable === true && f.nillable === false && f.defaultedOnCreate !== true && f.type !== 'boolean',
    writable: f.updateable === true,
    custom: f.custom === true,
  };
  if (type === 'picklist' || type === 'multipicklist') {
    out.options = (f.picklistValues ?? []).filter((p) => p.active).map((p) => ({ value: p.value, label: p.label }));
    // §6.4: only restricted picklists reject unknown values; unrestricted ones store anything.
    out.restricted = f.restrictedPicklist === true;
  }
  if (TEXTUAL.has(type) && f.length) out.maxLength = f.length;
  if ((type === 'number' || type === 'currency' || type === 'percent') && f.scale !== undefined) out.scale = f.scale;
  return out;
}

/** `2011-07-07T00:37:00.000+0000` → `2011-07-07T00:37:00.000Z` (§2.2). */
export function isoFromSf(v: string): string {
  const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? v : new Date(t).toISOString();
}

/** A wire value → the normalised value for a field type. */
export function decodeValue(type: FieldType | undefined, v: unknown): FieldValue {
  if (v === null || v === undefined) return type === 'multipicklist' ? [] : null;
  switch (type) {
    case 'multipicklist':
      return typeof v === 'string' ? v.split(';').filter(Boolean) : [];
    case 'datetime':
      return typeof v === 'string' ? isoFromSf(v) : null;
    case 'number':
    case 'integer':
    case 'currency':
    case 'percent':
      return typeof v === 'number' ? v : Number.isFinite(Number(v)) ? Number(v) : null;
    case 'boolean':
      return v === true || v === 'true';
    default:
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
      return JSON.stringify(v);
  }
}

/** A normalised value → what the REST API takes: ';'-joined multi-selects, ISO datetimes (§2.2, §6.4). */
export function encodeValue(type: FieldType | undefined, v: FieldValue): unknown {
  if (v === null) return null;
  if (Array.isArray(v)) return v.join(';');
  if (type === 'multipicklist' && typeof v === 'string') return v;
  if (type === 'date' && typeof v === 'string') return v.slice(0, 10);
  return v;
}

/** A string literal for SOQL: quoted, with `\` and `'` escaped (§3.4). */
export function soqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
/** An unquoted SOQL datetime literal, second precision, UTC (§3.4 datetime pitfall). */
export function soqlDateTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not a datetime: ${iso}`);
  return `${new Date(Math.floor(t / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
/** LIKE pattern escaping: `%` and `_` are wildcards, escaped with `\` (§3.5). */
export function soqlLikeContains(s: string): string {
  const inner = s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/%/g, '\\%').replace(/_/g, '\\_');
  return `'%${inner}%'`;
}

/** The registrable host of a Website value: `https://www.Acme.com/about` → `acme.com`. */
export function websiteDomain(website: unknown): string | null {
  if (typeof website !== 'string' || !website.trim()) return null;
  const s = website.trim().toLowerCase();
  try {
    const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//.test(s) ? s : `http://${s}`).hostname;
    return host.replace(/^www\d?\./, '') || null;
  } catch {
    return null;
  }
}

/** The message of the 403 REQUEST_LIMIT_EXCEEDED that means the rolling 24 h allocation is spent. */
export function isTotalRequests(message: string): boolean {
  return /TotalRequests/i.test(message);
}

export function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * How one Salesforce error code is handled: the engine's code, whether a retry can help, and
 * whether it is a short-lived limit to wait out (§6.3).
 */
export function classifySfError(code: string | undefined, message = ''): { code: string; retryable: boolean; status: number | undefined; limited?: boolean } {
  switch (code) {
    case 'INVALID_SESSION_ID':
      return { code: 'IR_CRM_AUTH', retryable: false, status: 401 };
    case 'REQUEST_LIMIT_EXCEEDED':
      // Both request limits answer 403 with this code (§9.1): `TotalRequests` is the rolling 24 h
      // allocation; any other (`ConcurrentPerOrgLongTxn`, `ConcurrentRequests`) is the concurrent
      // long-running limit, which frees as the slow requests finish.
      return isTotalRequests(message) ? { code: 'IR_CRM_QUOTA_EXHAUSTED', retryable: true, status: 403 } : { code: 'IR_CRM_RATE_LIMITED', retryable: true, status: 403, limited: true };
    case 'NOT_FOUND':
    case 'ENTITY_IS_DELETED':
    case 'INVALID_CROSS_REFERENCE_KEY':
      return { code: 'IR_CRM_NOT_FOUND', retryable: false, status: 404 };
    case 'UNABLE_TO_LOCK_ROW':
    case 'SERVER_UNAVAILABLE':
    case 'UNKNOWN_EXCEPTION':
      return { code: 'IR_CRM_UNAVAILABLE', retryable: true, status: 503 };
    // §7.3: the 412 has no published body; jsforce names a bodiless answer by its status.
    case 'ERROR_HTTP_412':
      return { code: 'IR_CRM_VALIDATION', retryable: false, status: 412 };
    default: {
      const http = /^ERROR_HTTP_(\d{3})$/.exec(code ?? '');
      if (http) {
        const status = Number(http[1]);
        if (status >= 500) return { code: 'IR_CRM_UNAVAILABLE', retryable: true, status };
        if (status === 401) return { code: 'IR_CRM_AUTH', retryable: false, status };
        if (status === 404) return { code: 'IR_CRM_NOT_FOUND', retryable: false, status };
        return { code: 'IR_CRM_VALIDATION', retryable: false, status };
      }
      return { code: 'IR_CRM_VALIDATION', retryable: false, status: 400 };
    }
  }
}

/** The fix to print for a rejected value, by Salesforce code. */
/**
 * A per-record write failure as the engine takes it, from the REST collections result or a Bulk
 * API failed row alike: the Salesforce code and message, what to do, whether a retry can help.
 */
export function writeFailure(object: string, id: string, sfCode: string, msg: string, field?: string): Extract<WriteResult, { ok: false }> {
  const c = classifySfError(sfCode, msg);
  return {
    id,
    ok: false,
    code: c.code,
    message: `Salesforce ${object} ${id}${field ? ` field ${field}` : ''}: ${sfCode}: ${msg} — ${fixFor(sfCode)}`,
    retryable: c.retryable,
    ...(field ? { field } : {}),
  };
}

/** A Bulk API `sf__Error` (`CODE:message:Field1,Field2 --`) → its code, message and first field. */
export function parseBulkError(text: string): { code: string; message: string; field?: string } {
  const body = text.replace(/\s*--\s*$/, '');
  const first = body.indexOf(':');
  if (first < 0 || !/^[A-Z_]+$/.test(body.slice(0, first))) return { code: 'UNKNOWN_EXCEPTION', message: text };
  const code = body.slice(0, first);
  let message = body.slice(first + 1);
  let field: string | undefined;
  const last = message.lastIndexOf(':');
  if (last >= 0 && /^[A-Za-z0-9_,]*$/.test(message.slice(last + 1))) {
    field = message.slice(last + 1).split(',')[0] || undefined;
    message = message.slice(0, last);
  }
  return { code, message, ...(field ? { field } : {}) };
}

export function fixFor(code: string): string {
  switch (code) {
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
      return 'map the output to one of the picklist values listed by `inrecord check`, or add the value to the picklist in Setup';
    case 'STRING_TOO_LONG':
      return 'shorten the output or set truncate: true on the field rule';
    case 'INVALID_FIELD':
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
      return 'the field is unknown or read-only for the integration user: fix the mapping or the field-level security';
    case 'INVALID_EMAIL_ADDRESS':
      return 'write a valid email address or leave the field empty';
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
      return 'a validation rule in the org refused the value: adjust the mapping or the rule';
    default:
      return 'see the Salesforce message and fix the mapping';
  }
}

/** Salesforce sends at most 100 notifications in one outbound message (§8.1). */
export const MAX_OUTBOUND_NOTIFICATIONS = 100;
/**
 * inrecord's bound on an outbound message's size. The reference documents none; 100 notifications
 * of the fields a flow reads stay far below it.
 */
export const MAX_OUTBOUND_BYTES = 1024 * 1024;

/** The acknowledgement Salesforce waits for; without it the message is retried for 24 h (§8.1). */
export const OUTBOUND_ACK =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>';

/**
 * Notifications → ChangeEvents. An Outbound Message carries the latest values of the configured
 * fields, not what changed: `fields` is empty; created vs updated is told by CreatedDate =
 * LastModifiedDate; a notification with no data (sent for a record deleted before sending, or
 * configured with Id only) is an update to look at — the record is read, never taken as deleted; the actor comes
 * from LastModifiedById when the message includes it.
 */
export function outboundToEvents(msg: OutboundMessage, integrationUserId: string | null, now: string): WebhookBatch {
  if (msg.notifications.length > MAX_OUTBOUND_NOTIFICATIONS) {
    throw new InrecordError('IR_WEBHOOK_TOO_LARGE', `Salesforce outbound message holds ${msg.notifications.length} notifications; Salesforce sends at most ${MAX_OUTBOUND_NOTIFICATIONS} in one`);
  }
  const events: ChangeEvent[] = [];
  const rejected: RejectedEvent[] = [];
  msg.notifications.forEach((n, index) => {
    const object = KIND_OF_OBJECT[n.object];
    if (!object) return;
    const id = n.fields.Id;
    if (!id || !/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id)) {
      rejected.push({ index, reason: `notification ${n.notificationId || '(no id)'} for a ${n.object} has no record Id${id ? ` ("${id}" is not a Salesforce id)` : ''}`, event: n });
      return;
    }
    const at = n.fields.SystemModstamp ?? n.fields.LastModifiedDate;
    const occurredAt = at ? isoFromSf(at) : now;
    if (Number.isNaN(Date.parse(occurredAt))) {
      rejected.push({ index, reason: `notification ${n.notificationId || '(no id)'}: "${at}" is not a date-time`, event: n });
      return;
    }
    // a notification without data is not a deletion: the record is read, and only the CRM's
    // deleted-records answer confirms a deletion (§8.1)
    let kind: ChangeKind = 'updated';
    if (n.fields.CreatedDate && n.fields.CreatedDate === n.fields.LastModifiedDate) kind = 'created';
    const by = n.fields.LastModifiedById;
    events.push({
      crm: 'salesforce',
      object,
      id,
      kind,
      fields: [],
      occurredAt,
      actor: by && integrationUserId && sameId(by, integrationUserId) ? 'integration' : 'human',
      eventId: n.notificationId,
    });
  });
  return { events, rejected };
}

/** Ids compare on their first 15 characters (the 18-char suffix only restores case, §5.1). */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/** Tooling API `CustomField` metadata for a field spec; null when the type has no custom field. */
export function customFieldMetadata(spec: FieldSpec): Record<string, unknown> | null {
  const base = { label: customFieldLabel(spec) };
  const values = () => ({ restricted: true, valueSetDefinition: { sorted: false, value: (spec.options ?? []).map((o) => ({ fullName: o.value, label: o.label, default: false })) } });
  switch (spec.type) {
    case 'string':
      return { ...base, type: 'Text', length: Math.min(spec.maxLength ?? 255, 255) };
    case 'text':
      return { ...base, type: 'LongTextArea', length: Math.min(spec.maxLength ?? 32768, 131072), visibleLines: 3 };
    case 'number':
      return { ...base, type: 'Number', precision: 18, scale: 2 };
    case 'integer':
      return { ...base, type: 'Number', precision: 18, scale: 0 };
    case 'currency':
      return { ...base, type: 'Currency', precision: 18, scale: 2 };
    case 'percent':
      return { ...base, type: 'Percent', precision: 5, scale: 2 };
    case 'boolean':
      return { ...base, type: 'Checkbox', defaultValue: 'false' };
    case 'date':
      return { ...base, type: 'Date' };
    case 'datetime':
      return { ...base, type: 'DateTime' };
    case 'email':
      return { ...base, type: 'Email' };
    case 'phone':
      return { ...base, type: 'Phone' };
    case 'url':
      return { ...base, type: 'Url' };
    case 'picklist':
      return { ...base, type: 'Picklist', valueSet: values() };
    case 'multipicklist':
      return { ...base, type: 'MultiselectPicklist', visibleLines: 4, valueSet: values() };
    default:
      return null;
  }
}

/** `AI Score` / `ai_score` → `AI_Score__c` (custom field API names end in __c, §2.6). */
/**
 * The label of a custom field: a label spelled from the API name drops the `__c` suffix, which
 * Salesforce adds to every custom field's API name and never shows in a label
 * ('Inrecord_Score__c' → 'Inrecord Score', not 'Inrecord Score c').
 */
export function customFieldLabel(spec: Pick<FieldSpec, 'name' | 'label'>): string {
  const words = (s: string) => s.toLowerCase().split(/[\s_-]+/).filter(Boolean).join(' ');
  // the suffix spelled as a word is a lower-case 'c' ('Vitamin C' is a label of its own)
  if (/__c$/.test(spec.name) && / c$/.test(spec.label) && words(spec.label) === words(spec.name)) return spec.label.slice(0, -2);
  return spec.label;
}

export function customFieldName(name: string): string {
  if (name.endsWith('__c')) return name;
  const base = name.trim().replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/_+/g, '_');
  return `${/^[A-Za-z]/.test(base) ? base : `F_${base}`}__c`;
}
