/**
 * Pure translation between Salesforce's wire shapes and the engine's normalised values (reference
 * salesforce.md §2.2 value encodings, §2.6 describe, §6 errors, §8.1 Outbound Messages). No I/O.
 */
import { InrecordError } from '../../errors/index.js';
import type { ChangeEvent, ChangeKind, FieldSchema, FieldSpec, FieldType, FieldValue, ObjectKind, RejectedEvent, WebhookBatch, WriteResult } from '../types.js';

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

export interface OutboundNotification {
  notificationId: string;
  object: string;
  fields: Record<string, string | null>;
}
export interface OutboundMessage {
  organizationId: string | null;
  actionId: string | null;
  notifications: OutboundNotification[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  if (s.length < 8) {
    let amp = false;
    for (let i = 0; i < s.length && !amp; i++) amp = s.charCodeAt(i) === 0x26; // &
    if (!amp) return s;
  } else if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|\w{1,8});/gi, (m, e: string) => {
    const code = e.startsWith('#x') || e.startsWith('#X') ? Number.parseInt(e.slice(2), 16) : e.startsWith('#') ? Number(e.slice(1)) : null;
    if (code === null) return ENTITIES[e] ?? m;
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Salesforce sends at most 100 notifications in one outbound message (§8.1). */
export const MAX_OUTBOUND_NOTIFICATIONS = 100;
/**
 * inrecord's bound on an outbound message's size. The reference documents none; 100 notifications
 * of the fields a flow reads stay far below it.
 */
export const MAX_OUTBOUND_BYTES = 1024 * 1024;

/** Where a tag that opens at `from` ends (its `>`, outside quoted attribute values); -1 when it does not. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c; // " '
    else if (c === 0x3e) return i; // >
    else if (c === 0x3c) return -1; // <
  }
  return -1;
}

/** The local name (after the first `:`) of the qualified name `xml[from, to)`, sliced once. */
function localNameAt(xml: string, from: number, to: number): string {
  for (let i = from; i < to; i++) if (xml.charCodeAt(i) === 0x3a) return xml.slice(i + 1, to); // :
  return xml.slice(from, to);
}
/** The next `<` from `from`: the few characters after a tag looked at in place, `indexOf` for longer text. */
function nextTag(xml: string, from: number): number {
  const near = Math.min(from + 8, xml.length);
  for (let i = from; i < near; i++) if (xml.charCodeAt(i) === 0x3c) return i;
  return xml.indexOf('<', near);
}
const localName = (qname: string) => qname.slice(qname.indexOf(':') + 1);
/** A character `trim()` keeps at either end of a name: printable ASCII (whitespace is ≤ 0x20 or beyond ASCII). */
const isPlain = (c: number) => c > 0x20 && c < 0x7f;
const XSI_TYPE = /(?:^|\s)xsi:type\s*=\s*(?:"([^"]*)"|'([^']*)')/;
const XSI_NIL = /(?:^|\s)xsi:nil\s*=\s*(?:"true"|'true')/;

/**
 * Parses the SOAP `notifications` envelope of an Outbound Message (§8.1): flat sObjects, any
 * namespace prefix, `xsi:nil` as null. One pass over the text: `indexOf` jumps from tag to tag,
 * each tag's characters are looked at a bounded number of times, names and texts are sliced (texts
 * unescaped only when they hold a `&`), and the open elements live in fixed arrays as deep as the
 * nesting allowed — so a large or hostile body costs time in proportion to its length. Throws on a
 * body that is not one.
 */
export function parseOutboundMessage(xml: string): OutboundMessage {
  const notifications: OutboundNotification[] = [];
  let organizationId: string | null = null;
  let actionId: string | null = null;
  let sawEnvelope = false;
  // open elements, outermost first, `depth` of them: local name, whether a child element opened inside it, xsi:nil
  const names: string[] = new Array(MAX_XML_DEPTH).fill('');
  const parent = new Uint8Array(MAX_XML_DEPTH);
  const nil = new Uint8Array(MAX_XML_DEPTH);
  let depth = 0;
  // the innermost element's text: from `textFrom` to the next tag, after `textParts` (CDATA in between)
  let textFrom = 0;
  let textParts: string[] | null = null;
  // the notification being read, the depth of its element and of its sObject (0: none yet, -1: done)
  let note: OutboundNotification | null = null;
  let noteDepth = 0;
  let sObjectDepth = 0;

  const open = (name: string, attrsFrom: number, attrsTo: number) => {
    if (depth >= MAX_XML_DEPTH) throw new Error(`malformed outbound message: elements nested deeper than ${MAX_XML_DEPTH}`);
    if (depth > 0) parent[depth - 1] = 1;
    const isField = note !== null && sObjectDepth > 0 && depth === sObjectDepth;
    names[depth] = name;
    parent[depth] = 0;
    nil[depth] = isField && attrsTo > attrsFrom && XSI_NIL.test(xml.slice(attrsFrom, attrsTo)) ? 1 : 0;
    depth++;
    if (name === 'notifications') sawEnvelope = true;
    else if (name === 'Notification' && note === null) {
      note = { notificationId: '', object: '', fields: {} };
      noteDepth = depth;
      sObjectDepth = 0;
    } else if (name === 'sObject' && note !== null && depth === noteDepth + 1 && sObjectDepth === 0) {
      const m = XSI_TYPE.exec(xml.slice(attrsFrom, attrsTo));
      note.object = localName(m?.[1] ?? m?.[2] ?? '');
      sObjectDepth = depth;
    }
  };
  const textOf = (to: number) => {
    const tail = unescapeXml(xml.slice(textFrom, to));
    return textParts === null ? tail : textParts.join('') + tail;
  };
  // `to`: where the end tag starts; null for an empty element (`<x/>`)
  const close = (name: string, to: number | null) => {
    let at = depth - 1;
    while (at >= 0 && names[at] !== name) at--;
    if (at < 0) return; // a stray end tag
    while (depth > at) {
      const elDepth = depth--;
      const elName = names[depth];
      const leaf = parent[depth] === 0 && elDepth === at + 1 && to !== null;
      if (note !== null && sObjectDepth > 0 && elDepth === sObjectDepth + 1) {
        note.fields[elName] = nil[depth] === 1 || !leaf ? null : textOf(to);
      } else if (note !== null && elDepth === noteDepth + 1 && elName === 'Id' && !note.notificationId) {
        note.notificationId = leaf ? textOf(to).trim() : '';
      } else if (note !== null && elDepth === sObjectDepth) {
        sObjectDepth = -1;
      } else if (note !== null && elDepth === noteDepth) {
        if (sObjectDepth !== 0) notifications.push(note);
        note = null;
      } else if (note === null && elName === 'OrganizationId' && organizationId === null) {
        organizationId = leaf ? textOf(to).trim() : '';
      } else if (note === null && elName === 'ActionId' && actionId === null) {
        actionId = leaf ? textOf(to).trim() : '';
      }
    }
  };

  let i = 0;
  while (i < xml.length) {
    const lt = nextTag(xml, i);
    if (lt < 0) break;
    const c = xml.charCodeAt(lt + 1);
    if (c === 0x21 && (xml.startsWith('<!--', lt) || xml.startsWith('<![CDATA[', lt))) {
      const cdata = xml.charCodeAt(lt + 2) === 0x5b; // [
      const end = xml.indexOf(cdata ? ']]>' : '-->', lt + 4);
      if (end < 0) throw new Error(`malformed XML: ${cdata ? 'CDATA section' : 'comment'} at ${lt} is not closed`);
      if (textParts === null) textParts = [];
      textParts.push(unescapeXml(xml.slice(textFrom, lt)));
      if (cdata) textParts.push(xml.slice(lt + 9, end));
      i = textFrom = end + 3;
      continue;
    }
    const gt = tagEnd(xml, lt + 1);
    if (gt < 0) throw new Error(`malformed XML: the tag at ${lt} is not closed`);
    i = gt + 1;
    if (c === 0x3f || c === 0x21) continue; // <? declaration, <! doctype
    if (c === 0x2f) {
      // </name>: trimmed as text would be, sliced directly when there is nothing to trim
      const plain = gt > lt + 2 && isPlain(xml.charCodeAt(lt + 2)) && isPlain(xml.charCodeAt(gt - 1));
      close(plain ? localNameAt(xml, lt + 2, gt) : localName(xml.slice(lt + 2, gt).trim()), lt);
    } else {
      const selfClosing = xml.charCodeAt(gt - 1) === 0x2f;
      const end = selfClosing ? gt - 1 : gt;
      let nameEnd = lt + 1;
      while (nameEnd < end && !isSpace(xml.charCodeAt(nameEnd))) nameEnd++;
      const name = localNameAt(xml, lt + 1, nameEnd);
      if (!name) throw new Error(`malformed XML: the tag at ${lt} has no name`);
      open(name, nameEnd, end);
      if (selfClosing) close(name, null);
    }
    textFrom = i;
    textParts = null;
  }
  if (!sawEnvelope) throw new Error('not a Salesforce outbound message: no <notifications> element');
  return { organizationId: organizationId || null, actionId: actionId || null, notifications };
}

/** An outbound message nests six elements deep (envelope, body, notifications, notification, sObject, field). */
const MAX_XML_DEPTH = 32;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

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
