/**
 * The typed mapping: whether a value fits a CRM field, and the normalised value it becomes (the
 * conventions in src/crm/types.ts). Pure. A value that does not fit is a rejection value here and
 * never reaches the CRM: the CRMs answer some misfits with 200 and store nothing or something else
 * (HubSpot non-midnight dates, Pipedrive unknown option ids, Salesforce unrestricted picklists
 * storing any string — docs/reference/salesforce.md "Picklists"), so inrecord checks first.
 */
import type { FieldSchema, FieldValue } from '../crm/types.js';

export type CoercionCode = 'IR_FIELD_VALUE_INVALID' | 'IR_FIELD_TYPE_MISMATCH';

export type Coercion =
  | { ok: true; value: FieldValue; truncated?: boolean }
  | { ok: false; code: CoercionCode; reason: string };

/** Largest magnitude accepted for number fields: Salesforce numbers hold 18 digits, doubles ~15.9. */
const MAX_NUMBER = 1e15;

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 't']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'f']);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 date-time with an optional zone; seconds and fractions optional. */
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What the field expects, in words, for error messages. */
export function describeExpected(field: FieldSchema): string {
  switch (field.type) {
    case 'integer':
      return 'a whole number';
    case 'number':
    case 'currency':
    case 'percent':
      return field.scale !== undefined ? `a ${field.type} with at most ${field.scale} decimal place(s)` : `a ${field.type}`;
    case 'boolean':
      return 'a boolean (true/false, yes/no, 1/0)';
    case 'date':
      return 'an ISO 8601 date (YYYY-MM-DD)';
    case 'datetime':
      return 'an ISO 8601 date-time with a time zone';
    case 'picklist':
      return `one of ${optionList(field)}`;
    case 'multipicklist':
      return `a list of values from ${optionList(field)}`;
    case 'email':
      return 'an email address';
    case 'url':
      return 'an http(s) URL';
    default:
      return field.maxLength !== undefined ? `text of at most ${field.maxLength} characters` : 'text';
  }
}

function optionList(field: FieldSchema): string {
  const opts = field.options ?? [];
  if (opts.length === 0) return '(no options defined)';
  const shown = opts.slice(0, 12).map((o) => (o.label && o.label !== o.value ? `${o.value} (${o.label})` : o.value));
  return `[${shown.join(', ')}${opts.length > 12 ? `, … ${opts.length - 12} more` : ''}]`;
}

const mismatch = (reason: string): Coercion => ({ ok: false, code: 'IR_FIELD_TYPE_MISMATCH', reason });
const invalid = (reason: string): Coercion => ({ ok: false, code: 'IR_FIELD_VALUE_INVALID', reason });

function isEmpty(raw: unknown): boolean {
  return raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0);
}

function decimals(n: number): number {
  if (Number.isInteger(n)) return 0;
  const s = String(n);
  const exp = /e-(\d+)$/.exec(s);
  if (exp) return Number(exp[1]) + (s.split('e')[0].split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}

function toNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw)) return Number(raw);
  return null;
}

function coerceNumber(raw: unknown, field: FieldSchema): Coercion {
  if (typeof raw === 'boolean' || Array.isArray(raw)) return mismatch(`a ${typeof raw === 'boolean' ? 'boolean' : 'list'} is not a number`);
  const n = toNumber(raw);
  if (n === null) return typeof raw === 'string' ? invalid(`"${raw}" is not a number`) : mismatch('not a number');
  if (!Number.isFinite(n)) return invalid(`${n} is not a finite number`);
  if (Math.abs(n) > MAX_NUMBER) return invalid(`${n} is out of range (|x| ≤ ${MAX_NUMBER})`);
  if (field.type === 'integer' && !Number.isInteger(n)) return invalid(`${n} is not a whole number`);
  if (field.scale !== undefined && decimals(n) > field.scale) {
    return invalid(`${n} has ${decimals(n)} decimal places; the field keeps ${field.scale}`);
  }
  return { ok: true, value: n === 0 ? 0 : n };
}

function coerceBoolean(raw: unknown): Coercion {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (typeof raw === 'number') {
    if (raw === 1) return { ok: true, value: true };
    if (raw === 0) return { ok: true, value: false };
    return invalid(`${raw} is not a boolean (1 or 0)`);
  }
  if (typeof raw === 'string') {
    const w = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return { ok: true, value: true };
    if (FALSE_WORDS.has(w)) return { ok: true, value: false };
    return invalid(`"${raw}" is not a boolean`);
  }
  return mismatch('a list is not a boolean');
}

function validDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function coerceDate(raw: unknown): Coercion {
  if (typeof raw === 'number') {
    // HubSpot's wire form (docs/reference/hubspot.md "Date properties"): only midnight UTC is a date.
    if (!Number.isInteger(raw) || raw % 86_400_000 !== 0) return invalid(`${raw} ms is not midnight UTC, so it is not a date`);
    return { ok: true, value: new Date(raw).toISOString().slice(0, 10) };
  }
  if (typeof raw !== 'string') return mismatch(`a ${Array.isArray(raw) ? 'list' : typeof raw} is not a date`);
  const s = raw.trim();
  const d = DATE_RE.exec(s);
  if (d) {
    if (!validDate(Number(d[1]), Number(d[2]), Number(d[3]))) return invalid(`"${raw}" is not a calendar date`);
    return { ok: true, value: s };
  }
  const t = DATETIME_RE.exec(s);
  if (t) {
    // A date-time given for a date field keeps the calendar date it was written in: converting
    // 2026-11-28T23:30-05:00 to UTC would move it to the 29th, which is not what the writer meant.
    const [y, m, day] = [Number(t[1]), Number(t[2]), Number(t[3])];
    if (!validDate(y, m, day)) return invalid(`"${raw}" is not a calendar date`);
    const [hh, mm, ss] = [Number(t[4]), Number(t[5]), Number(t[6] ?? 0)];
    if (hh !== 0 || mm !== 0 || ss !== 0 || (t[7] !== undefined && Number(t[7]) !== 0)) {
      return invalid(`"${raw}" has a time of day; a date field keeps only the date`);
    }
    return { ok: true, value: `${t[1]}-${t[2]}-${t[3]}` };
  }
  return invalid(`"${raw}" is not an ISO 8601 date`);
}

function coerceDatetime(raw: unknown): Coercion {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return invalid(`${raw} is not a time`);
    return { ok: true, value: new Date(raw).toISOString() };
  }
  if (typeof raw !== 'string') return mismatch(`a ${Array.isArray(raw) ? 'list' : typeof raw} is not a date-time`);
  const s = raw.trim();
  const d = DATE_RE.exec(s);
  if (d) {
    if (!validDate(Number(d[1]), Number(d[2]), Number(d[3]))) return invalid(`"${raw}" is not a calendar date`);
    return { ok: true, value: `${s}T00:00:00.000Z` };
  }
  const t = DATETIME_RE.exec(s);
  if (!t) return invalid(`"${raw}" is not an ISO 8601 date-time`);
  if (!t[8]) return invalid(`"${raw}" has no time zone (add Z or an offset such as +02:00)`);
  if (!validDate(Number(t[1]), Number(t[2]), Number(t[3])) || Number(t[4]) > 23 || Number(t[5]) > 59 || Number(t[6] ?? 0) > 59) {
    return invalid(`"${raw}" is not a valid date-time`);
  }
  let zone = t[8].toUpperCase();
  if (zone !== 'Z' && !zone.includes(':')) zone = zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const frac = (t[7] ?? '').padEnd(3, '0').slice(0, 3);
  const ms = Date.parse(`${t[1]}-${t[2]}-${t[3]}T${t[4]}:${t[5]}:${t[6] ?? '00'}.${frac}${zone}`);
  if (Number.isNaN(ms)) return invalid(`"${raw}" is not a valid date-time`);
  return { ok: true, value: new Date(ms).toISOString() };
}

/** An option by value, then by label (case-insensitive), then by value ignoring case; unique or nothing. */
export function matchOption(field: FieldSchema, raw: string): string | null {
  const opts = field.options ?? [];
  const exact = opts.find((o) => o.value === raw);
  if (exact) return exact.value;
  const key = raw.trim().toLowerCase();
  for (const pick of [(o: { label: string }) => o.label, (o: { value: string }) => o.value]) {
    const hits = opts.filter((o) => pick(o).trim().toLowerCase() === key);
    if (hits.length === 1) return hits[0].value;
    if (hits.length > 1) return null;
  }
  return null;
}

function coercePicklist(raw: unknown, field: FieldSchema): Coercion {
  if (typeof raw === 'number') raw = String(raw);
  if (typeof raw !== 'string') return mismatch(`a ${Array.isArray(raw) ? 'list' : typeof raw} is not a picklist value`);
  const v = matchOption(field, raw);
  if (v === null) {
    // An unrestricted Salesforce picklist would store it without a word; inrecord does not.
    return invalid(`"${raw}" is not a defined option${field.restricted === false ? ' (the field is unrestricted, but inrecord writes only defined values)' : ''}`);
  }
  return { ok: true, value: v };
}

function coerceMulti(raw: unknown, field: FieldSchema): Coercion {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') items = raw.split(/[;,]/).map((s) => s.trim()).filter((s) => s !== '');
  else if (typeof raw === 'number') items = [String(raw)];
  else return mismatch('a boolean is not a list of options');
  const chosen = new Set<string>();
  const unknown: string[] = [];
  for (const item of items) {
    const s = typeof item === 'number' ? String(item) : item;
    if (typeof s !== 'string') return mismatch('the list holds something that is not text');
    const v = matchOption(field, s);
    if (v === null) unknown.push(s);
    else chosen.add(v);
  }
  if (unknown.length > 0) return invalid(`${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is not a defined option' : 'are not defined options'}`);
  if (chosen.size === 0) return { ok: true, value: null };
  // Option order, so the same set always has the same form.
  const order = new Map((field.options ?? []).map((o, i) => [o.value, i]));
  return { ok: true, value: [...chosen].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)) };
}

function coerceText(raw: unknown, field: FieldSchema, truncate: boolean): Coercion {
  let s: string;
  if (typeof raw === 'string') s = raw;
  else if (typeof raw === 'number' && Number.isFinite(raw)) s = String(raw);
  else if (typeof raw === 'boolean') s = raw ? 'true' : 'false';
  else return mismatch(`a ${Array.isArray(raw) ? 'list' : typeof raw} is not text`);
  if (field.type === 'email') {
    s = s.trim();
    if (!EMAIL_RE.test(s)) return invalid(`"${s}" is not an email address`);
  }
  if (field.type === 'url') {
    s = s.trim();
    let ok = false;
    try {
      const u = new URL(/^[a-z][a-z0-9+.-]*:/i.test(s) ? s : `https://${s}`);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.includes('.');
    } catch {
      ok = false;
    }
    if (!ok) return invalid(`"${s}" is not an http(s) URL`);
  }
  if (field.type === 'phone') {
    s = s.trim();
    if (!/^[+()\d\s.\-/x]{3,}$/i.test(s) || !/\d/.test(s)) return invalid(`"${s}" is not a phone number`);
  }
  // Length in characters as the CRMs count them (UTF-16 code units), never splitting a surrogate pair.
  if (field.maxLength !== undefined && s.length > field.maxLength) {
    if (!truncate || field.type === 'email' || field.type === 'url' || field.type === 'reference') {
      return invalid(`${s.length} characters, the field holds ${field.maxLength} (set truncate: true on a text field to cut it)`);
    }
    let cut = s.slice(0, field.maxLength);
    const last = cut.charCodeAt(cut.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
    return { ok: true, value: cut, truncated: true };
  }
  return { ok: true, value: s };
}

/**
 * Whether `raw` fits `field`, and its normalised form. `truncate` comes from the field's rule.
 * An empty value (null, '', []) clears the field unless the field is required.
 */
export function coerceValue(raw: unknown, field: FieldSchema, opts: { truncate?: boolean } = {}): Coercion {
  if (isEmpty(raw)) {
    if (field.required) return invalid('the field is required and cannot be cleared');
    return { ok: true, value: null };
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) return mismatch('an object is not a field value');
  switch (field.type) {
    case 'number':
    case 'integer':
    case 'currency':
    case 'percent':
      return coerceNumber(raw, field);
    case 'boolean':
      return coerceBoolean(raw);
    case 'date':
      return coerceDate(raw);
    case 'datetime':
      return coerceDatetime(raw);
    case 'picklist':
      return coercePicklist(raw, field);
    case 'multipicklist':
      return coerceMulti(raw, field);
    default:
      return coerceText(raw, field, opts.truncate ?? false);
  }
}

/**
 * Equality after normalisation, so a value that would not change the record is never sent
 * ('5' and 5, the same instant in two zones, the same options in another order, '' and null).
 */
export function valuesEqual(a: unknown, b: unknown, field: FieldSchema): boolean {
  return sameNormalised(normaliseLenient(a, field), normaliseLenient(b, field), field);
}

/** Equality of two values already in normalised form (the planner's before and after). */
export function sameNormalised(na: FieldValue, nb: FieldValue, field: FieldSchema): boolean {
  if (na === nb) return true;
  if (na === null || nb === null) return false;
  if (Array.isArray(na) || Array.isArray(nb)) {
    const sa = new Set(Array.isArray(na) ? na : [String(na)]);
    const sb = new Set(Array.isArray(nb) ? nb : [String(nb)]);
    return sa.size === sb.size && [...sa].every((x) => sb.has(x));
  }
  if (typeof na === 'number' && typeof nb === 'number') {
    return Math.abs(na - nb) <= 1e-9 * Math.max(1, Math.abs(na), Math.abs(nb));
  }
  if (field.type === 'datetime' && typeof na === 'string' && typeof nb === 'string') {
    const ta = Date.parse(na);
    return !Number.isNaN(ta) && ta === Date.parse(nb);
  }
  return false;
}

/** The field as a current value is read: no length, scale or required limits (the CRM already holds it). */
const lenientFields = new WeakMap<FieldSchema, FieldSchema>();
function lenient(field: FieldSchema): FieldSchema {
  let l = lenientFields.get(field);
  if (!l) {
    l = { ...field, required: false, maxLength: undefined, scale: undefined };
    lenientFields.set(field, l);
  }
  return l;
}

/** A current CRM value in normalised form when it fits the field, else as it is (so it compares unequal). */
export function normaliseLenient(v: unknown, field: FieldSchema): FieldValue {
  if (isEmpty(v)) return null;
  // Fast paths for values already in normalised form.
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percent':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      break;
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      break;
    case 'string':
    case 'text':
    case 'reference':
      if (typeof v === 'string') return v;
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      break;
  }
  const c = coerceValue(v, lenient(field), {});
  if (c.ok) return c.value;
  return (Array.isArray(v) ? v.map(String) : typeof v === 'object' ? JSON.stringify(v) : v) as FieldValue;
}
