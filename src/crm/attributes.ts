/**
 * The identifying attributes a contact candidate carries beyond email, phone, name and company, and
 * the CRM field each is read from: the CRM's standard field where it has one, or the field the
 * config names (`identity.attributes`). Values are handed on as the CRM holds them (a date as
 * written, an address as one line); identity normalises them, the same way as an export's.
 */
import { InrecordError } from '../errors/index.js';
import { fieldIndexOf, resolveField } from './fields.js';
import type { ContactCandidate, ObjectSchema } from './types.js';

export const CONTACT_ATTRIBUTES = [
  'birth_date',
  'postcode',
  'address',
  'city',
  'linkedin_url',
  'external_id',
] as const;

export type ContactAttribute = (typeof CONTACT_ATTRIBUTES)[number];

/** Per attribute, the name (or label) of the CRM field that holds it. */
export type AttributeFieldNames = Partial<Record<ContactAttribute, string>>;

/** Per attribute, the API name of the field read; absent where the CRM has none and none is named. */
export type AttributeFields = Partial<Record<ContactAttribute, string>>;

/**
 * The fields to read: the configured ones resolved against the contact schema (a name or a unique
 * label), the CRM's standard ones for the rest where the schema has them. A configured name that
 * does not resolve is a fault of the config, not a missing value: IR_FIELD_NOT_FOUND.
 */
export function attributeFields(
  schema: ObjectSchema,
  standard: AttributeFieldNames,
  configured: AttributeFieldNames = {},
): AttributeFields {
  const idx = fieldIndexOf(schema);
  const out: AttributeFields = {};
  for (const a of CONTACT_ATTRIBUTES) {
    const named = configured[a];
    if (named) {
      const r = resolveField(idx, named);
      if (!r.ok)
        throw new InrecordError(
          'IR_FIELD_NOT_FOUND',
          `identity.attributes.${a}: ${schema.object} has no field ${JSON.stringify(named)}${r.candidates.length > 0 ? ` (did you mean ${r.candidates.join(', ')}?)` : ''}`,
          { context: { object: schema.object, field: named, attribute: a } },
        );
      out[a] = r.field.name;
      continue;
    }
    const std = standard[a];
    if (std && idx.byName.has(std)) out[a] = std;
  }
  return out;
}

/**
 * The fields read, resolved once: `standard` as they are (a CRM whose reads ignore a field the
 * object lacks), and the configured ones against the schema, read only when the config names any.
 * A failed read is tried again at the next call.
 */
export function attributeFieldsOnce(
  describe: () => Promise<ObjectSchema>,
  standard: AttributeFieldNames,
  configured: AttributeFieldNames = {},
): () => Promise<AttributeFields> {
  let fields: Promise<AttributeFields> | null = null;
  return () => {
    if (!fields) {
      fields = Object.values(configured).some(Boolean)
        ? describe().then((s) => ({ ...standard, ...attributeFields(s, {}, configured) }))
        : Promise.resolve({ ...standard });
      fields.catch(() => {
        fields = null;
      });
    }
    return fields;
  };
}

/** A field's value as text: an address object by its one-line value, a number as written; null when empty. */
export function attributeText(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'object') {
    const v =
      (raw as { value?: unknown; formatted_address?: unknown }).value ??
      (raw as { formatted_address?: unknown }).formatted_address;
    return attributeText(v);
  }
  const s = String(raw).trim();
  return s === '' ? null : s;
}

/** The attributes of one record, read by `get` from the fields resolved by `attributeFields`. */
export function readAttributes(
  fields: AttributeFields,
  get: (field: string) => unknown,
): Partial<ContactCandidate> {
  const out: Partial<ContactCandidate> = {};
  for (const a of CONTACT_ATTRIBUTES) {
    const f = fields[a];
    if (!f) continue;
    const v = attributeText(get(f));
    // a date property read as ms since the epoch (midnight UTC) is the date of that day
    if (v !== null)
      out[a] =
        a === 'birth_date' && /^-?\d{10,13}$/.test(v) ? new Date(Number(v)).toISOString().slice(0, 10) : v;
  }
  return out;
}
