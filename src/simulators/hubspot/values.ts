/**
 * HubSpot's property value rules (reference: docs/reference/hubspot.md §5.3–§5.5): the pure check
 * of one written value against its definition, with the error codes and texts of §5.5. Everything
 * on the wire is a string (§5.4); this module decides what string is stored.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { PropertyDef } from './schema.js';

/** One rejected value, as the entries JSON-encoded in a VALIDATION_ERROR message (§5.5). */
export interface ValueError {
  error: string;
  name: string;
  message: string;
  propertyValue?: string;
}

export type ValueCheck = { ok: true; value: string } | { ok: false; err: ValueError };

const NUMBER = /^-?(\d+\.?\d*|\.\d+)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `1606768561954 is at 20:36:1.954 UTC, not midnight!` (§5.4: the seconds are not padded). */
function notMidnight(ms: number): string {
  const d = new Date(ms);
  return `${ms} is at ${d.getUTCHours()}:${d.getUTCMinutes()}:${d.getUTCSeconds()}.${String(d.getUTCMilliseconds()).padStart(3, '0')} UTC, not midnight!`;
}

export interface CheckContext {
  /** Allowed values of externalOptions enumerations (owners, deal stages, pipelines). */
  external?: (name: string) => string[] | undefined;
  /** The current value, for the `;a;b` append form of multi-checkboxes (§5.4). */
  current?: string | null;
  /** Seeding and rep edits may set read-only values. */
  allowReadOnly?: boolean;
}

/**
 * Checks one written value (always a string on the wire; numbers and booleans the client sent
 * unquoted are taken as their string form) and returns the stored string ('' clears, §2.3).
 */
export function checkValue(
  def: PropertyDef | undefined,
  name: string,
  raw: unknown,
  ctx: CheckContext = {},
): ValueCheck {
  if (!def)
    return {
      ok: false,
      err: { error: 'PROPERTY_DOESNT_EXIST', name, message: `Property "${name}" does not exist` },
    };
  if (def.modificationMetadata.readOnlyValue && !ctx.allowReadOnly) {
    return {
      ok: false,
      err: {
        error: 'READ_ONLY_VALUE',
        name,
        message: `Property "${name}" is a read only property; its value cannot be set.`,
      },
    };
  }
  const value =
    raw === null || raw === undefined ? '' : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  if (value === '') return { ok: true, value: '' };
  const bad = (error: string, message: string): ValueCheck => ({
    ok: false,
    err: { error, name, message, propertyValue: value },
  });
  // Since 2025-01-06 non-string values with leading/trailing whitespace are rejected (§5.4).
  if (def.type !== 'string' && value.trim() !== value)
    return bad('LEADING_TRAILING_WHITESPACE', `"${value}" includes leading or trailing whitespace.`);
  switch (def.type) {
    case 'string':
    case 'phone_number':
      if (value.length > 65_536) return bad('INVALID_STRING', `${name} is longer than 65536 characters.`);
      if (name === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value))
        return bad('INVALID_EMAIL', `Email address ${value} is invalid`);
      return { ok: true, value };
    case 'number':
      // "numeric digits and at most one decimal"; exponent notation is rejected in practice (§5.3, §5.5).
      if (!NUMBER.test(value)) return bad('INVALID_INTEGER', `${value} was not a valid number.`);
      return { ok: true, value };
    case 'bool':
      if (value !== 'true' && value !== 'false')
        return bad('INVALID_BOOLEAN', `${value} was not a valid boolean (true or false).`);
      return { ok: true, value };
    case 'date': {
      if (DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { ok: true, value };
      if (/^\d+$/.test(value)) {
        const ms = Number(value);
        if (ms % 86_400_000 !== 0) return bad('INVALID_DATE', notMidnight(ms));
        return { ok: true, value: new Date(ms).toISOString().slice(0, 10) };
      }
      return bad(
        'INVALID_DATE',
        `${value} is not a valid date; use YYYY-MM-DD or midnight UTC in milliseconds.`,
      );
    }
    case 'datetime': {
      const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
      if (!Number.isFinite(ms)) return bad('INVALID_DATETIME', `${value} is not a valid datetime.`);
      return { ok: true, value: new Date(ms).toISOString() };
    }
    case 'enumeration': {
      const allowed = def.externalOptions ? ctx.external?.(name) : def.options.map((o) => o.value);
      if (
        def.fieldType === 'checkbox' ||
        name === 'hs_additional_emails' ||
        name === 'hs_additional_domains'
      ) {
        // Multi-select: ';'-joined; a leading ';' appends to the current value (§5.4).
        const append = value.startsWith(';');
        const parts = value.split(';').filter((p) => p !== '');
        if (allowed)
          for (const p of parts)
            if (!allowed.includes(p))
              return bad(
                'INVALID_OPTION',
                `${p} was not one of the allowed options: [${allowed.join(', ')}]`,
              );
        const base = append && ctx.current ? ctx.current.split(';').filter((p) => p !== '') : [];
        return { ok: true, value: [...new Set([...base, ...parts])].join(';') };
      }
      if (allowed && !allowed.includes(value))
        return bad('INVALID_OPTION', `${value} was not one of the allowed options: [${allowed.join(', ')}]`);
      return { ok: true, value };
    }
  }
}

/** The 400 body of rejected values (§5.5): the entries JSON-encoded in `message`, plus `errors[]`. */
export function validationErrorBody(
  errors: ValueError[],
  correlationId: string,
  portalId: number,
): Record<string, unknown> {
  const inner = errors.map((e) => ({
    isValid: false,
    message: e.message,
    error: e.error,
    name: e.name,
    localizedErrorMessage: e.message,
    ...(e.propertyValue !== undefined ? { propertyValue: e.propertyValue } : {}),
    portalId,
  }));
  return {
    status: 'error',
    message: `Property values were not valid: ${JSON.stringify(inner)}`,
    correlationId,
    errors: errors.map((e) => ({ message: e.message, code: e.error, context: { propertyName: [e.name] } })),
    category: 'VALIDATION_ERROR',
  };
}

/**
 * The calculated phone properties contact search matches numbers on (§4: "Phone searches use
 * `hs_searchable_calculated_*` props (area code + local number only)"): the national number of an
 * international writing, else the digits without a trunk 0 or a leading US 1.
 */
export function searchablePhones(props: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const one = (raw: string | undefined): string => {
    if (!raw?.trim()) return '';
    const parsed = raw.trim().startsWith('+') ? parsePhoneNumberFromString(raw) : undefined;
    if (parsed) return String(parsed.nationalNumber);
    const digits = raw.replace(/\D/g, '');
    return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits.replace(/^0/, '');
  };
  if ('phone' in props) out.hs_searchable_calculated_phone_number = one(props.phone);
  if ('mobilephone' in props) out.hs_searchable_calculated_mobile_number = one(props.mobilephone);
  return out;
}
