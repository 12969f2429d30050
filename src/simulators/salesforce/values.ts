/**
 * A value of a REST request body, coerced to its field's type the way Salesforce accepts or refuses
 * it (reference salesforce.md §6.3, §6.4): `""` stores null, numbers and booleans by their JSON
 * type, dates and datetimes by their formats, lengths, restricted picklists, e-mail addresses and
 * lookups by id prefix and existence — each refusal with the real API's error code and message.
 */
import { normalizeId, objectOfId } from './ids.js';
import type { SfField } from './schema.js';
import { formatDateTime, parseDateTime } from './soql.js';
import { SfApiError } from './state.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATETIME_IN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;
const DATE_IN = /^\d{4}-\d{2}-\d{2}$/;

/** `exists` tells whether a lookup's target record is live. */
export function coerceValue(f: SfField, raw: unknown, exists: (id: string) => boolean): unknown {
  const bad = (code: string, message: string) => SfApiError.one(400, code, message, [f.name]);
  const parserError = (type: string) =>
    SfApiError.one(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${type} from VALUE_STRING value ${String(raw)} or request may be missing a required field`);
  if (raw === null || raw === undefined) {
    if (f.type === 'boolean') return false;
    if (f.required) throw bad('REQUIRED_FIELD_MISSING', `Required fields are missing: [${f.name}]`);
    return null;
  }
  switch (f.type) {
    case 'string':
    case 'textarea':
    case 'email':
    case 'phone':
    case 'url':
    case 'picklist':
    case 'multipicklist': {
      if (typeof raw === 'object') throw SfApiError.one(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of string from START_OBJECT value or request may be missing a required field`);
      let s = String(raw);
      // §6.4: "" is stored as null, for email too.
      if (s === '') {
        if (f.required) throw bad('REQUIRED_FIELD_MISSING', `Required fields are missing: [${f.name}]`);
        return null;
      }
      if (f.type === 'multipicklist') s = s.split(';').map((x) => x.trim()).filter(Boolean).join(';');
      const max = f.length ?? 255;
      if (s.length > max) throw bad('STRING_TOO_LONG', `${f.label}: data value too large: ${s.length > 100 ? `${s.slice(0, 100)}...` : s} (max length=${max})`);
      if (f.type === 'email' && !EMAIL_RE.test(s)) throw bad('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`);
      if (f.restricted && f.picklist) {
        const parts = f.type === 'multipicklist' ? s.split(';') : [s];
        for (const part of parts) {
          // Restricted comparison is case-sensitive (§6.4); unrestricted stores anything.
          if (!f.picklist.includes(part)) throw bad('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${part}`);
        }
      }
      return s;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw parserError('boolean');
    case 'double':
    case 'currency':
    case 'percent':
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) throw parserError(f.type === 'int' ? 'int' : 'double');
      if (f.type === 'int') {
        if (!Number.isInteger(n)) throw bad('INVALID_TYPE_ON_FIELD_IN_RECORD', `${f.label}: value not of required type: ${n}`);
        if (f.digits && Math.abs(n) >= 10 ** f.digits) throw bad('NUMBER_OUTSIDE_VALID_RANGE', `${f.label}: value outside of valid range on numeric field: ${n}`);
        return n;
      }
      const scale = f.scale ?? 0;
      const rounded = Math.round(n * 10 ** scale) / 10 ** scale;
      if (f.precision && Math.abs(rounded) >= 10 ** (f.precision - scale)) throw bad('NUMBER_OUTSIDE_VALID_RANGE', `${f.label}: value outside of valid range on numeric field: ${n}`);
      return rounded;
    }
    case 'date': {
      const s = String(raw);
      if (DATE_IN.test(s) && !Number.isNaN(Date.parse(s))) return s;
      if (DATETIME_IN.test(s)) return new Date(parseDateTime(s)).toISOString().slice(0, 10);
      throw parserError('date');
    }
    case 'datetime': {
      const s = String(raw);
      if (!DATETIME_IN.test(s) || Number.isNaN(parseDateTime(s))) throw parserError('datetime');
      return formatDateTime(parseDateTime(s));
    }
    case 'reference': {
      const id = typeof raw === 'string' ? normalizeId(raw) : null;
      const target = id ? objectOfId(id) : null;
      if (!id || !target || !(f.referenceTo ?? []).includes(target)) {
        throw bad('MALFORMED_ID', `${f.label.replace(/ ID$/, '')} ID: id value of incorrect type: ${String(raw)}`);
      }
      if (!exists(id)) throw bad('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id');
      return id;
    }
    default:
      throw bad('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${f.name}.`);
  }
}
