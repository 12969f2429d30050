/**
 * Field definitions of the simulated company and the custom-field value formats of each surface
 * (reference pipedrive.md §4): v2 `custom_fields` values (enum = number, set = number[]), v1
 * top-level keys (enum "123", set "123,456", monetary + `<key>_currency`), webhook v2 typed
 * objects (`{"type":"enum","id":17}`) and changelog strings. Pure: no I/O.
 */
import { createHash } from 'node:crypto';

export type EntityType = 'person' | 'organization' | 'deal' | 'activity' | 'note';

export interface FieldOptionDef {
  id: number;
  label: string;
}

export interface FieldDef {
  /** v1 numeric id. */
  id: number;
  /** System key (`name`, `email` …) or a 40-hex hash for custom fields. */
  key: string;
  name: string;
  field_type: string;
  options: FieldOptionDef[] | null;
  custom: boolean;
  mandatory: boolean;
  /** System fields the API computes (add_time, update_time …). */
  readOnly: boolean;
  addTime: number;
}

/** Stable 40-hex key for a custom field (real keys are random per company, §4.1). */
export function customFieldKey(seed: number, entity: EntityType, name: string): string {
  return createHash('sha1').update(`${seed}:${entity}:${name}`).digest('hex');
}

export const HEX40 = /^[0-9a-f]{40}$/;

type Sys = [key: string, name: string, type: string, readOnly?: boolean, mandatory?: boolean];

const SYSTEM: Record<Exclude<EntityType, 'activity' | 'note'>, Sys[]> = {
  person: [
    ['name', 'Name', 'varchar', false, true],
    ['first_name', 'First name', 'varchar'],
    ['last_name', 'Last name', 'varchar'],
    ['owner_id', 'Owner', 'user'],
    ['org_id', 'Organization', 'org'],
    ['email', 'Email', 'varchar'],
    ['phone', 'Phone', 'phone'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['job_title', 'Job title', 'varchar'],
    ['add_time', 'Person created', 'date', true],
    ['update_time', 'Update time', 'date', true],
  ],
  organization: [
    ['name', 'Name', 'varchar', false, true],
    ['owner_id', 'Owner', 'user'],
    ['address', 'Address', 'address'],
    ['website', 'Website', 'varchar'],
    ['linkedin', 'LinkedIn profile', 'varchar'],
    ['industry', 'Industry', 'enum'],
    ['annual_revenue', 'Annual revenue', 'double'],
    ['employee_count', 'Number of employees', 'int'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['add_time', 'Organization created', 'date', true],
    ['update_time', 'Update time', 'date', true],
  ],
  deal: [
    ['title', 'Title', 'varchar', false, true],
    ['owner_id', 'Owner', 'user'],
    ['creator_user_id', 'Creator', 'user', true],
    ['value', 'Value', 'monetary'],
    ['currency', 'Currency', 'varchar'],
    ['person_id', 'Contact person', 'people'],
    ['org_id', 'Organization', 'org'],
    ['pipeline_id', 'Pipeline', 'double'],
    ['stage_id', 'Stage', 'stage'],
    ['status', 'Status', 'status'],
    ['probability', 'Probability', 'double'],
    ['lost_reason', 'Lost reason', 'varchar'],
    ['expected_close_date', 'Expected close date', 'date'],
    ['label_ids', 'Labels', 'set'],
    ['visible_to', 'Visible to', 'visible_to'],
    ['won_time', 'Won time', 'date', true],
    ['lost_time', 'Lost time', 'date', true],
    ['close_time', 'Deal closed on', 'date', true],
    ['stage_change_time', 'Last stage change', 'date', true],
    ['add_time', 'Deal created', 'date', true],
    ['update_time', 'Update time', 'date', true],
  ],
};

export interface CustomFieldSpec {
  name: string;
  field_type: string;
  options?: string[];
}

/** Custom fields every seeded company has: what the engine's flows write into. */
export const DEFAULT_CUSTOM_FIELDS: Record<'person' | 'organization' | 'deal', CustomFieldSpec[]> = {
  person: [
    { name: 'Lead score', field_type: 'double' },
    { name: 'Lead grade', field_type: 'enum', options: ['A', 'B', 'C', 'D'] },
    { name: 'Intent', field_type: 'enum', options: ['Buying', 'Researching', 'Support', 'Not interested'] },
    { name: 'Interests', field_type: 'set', options: ['Pricing', 'Integrations', 'Security', 'Reporting', 'API'] },
    { name: 'AI summary', field_type: 'text' },
    { name: 'Score reasons', field_type: 'varchar' },
    { name: 'Last enriched', field_type: 'date' },
    { name: 'Seniority', field_type: 'enum', options: ['Individual contributor', 'Manager', 'Director', 'VP', 'C-level'] },
  ],
  organization: [
    { name: 'Segment', field_type: 'enum', options: ['SMB', 'Mid-market', 'Enterprise'] },
    { name: 'Tech stack', field_type: 'set', options: ['Salesforce', 'HubSpot', 'Pipedrive', 'Slack', 'AWS', 'GCP'] },
    { name: 'Account score', field_type: 'double' },
    { name: 'Enrichment source', field_type: 'varchar' },
  ],
  deal: [
    { name: 'Deal risk', field_type: 'enum', options: ['Low', 'Medium', 'High'] },
    { name: 'Risk reasons', field_type: 'text' },
    { name: 'Win probability (AI)', field_type: 'double' },
    { name: 'Next step', field_type: 'varchar' },
  ],
};

export const INDUSTRY_OPTIONS = ['Software', 'Manufacturing', 'Finance', 'Healthcare', 'Retail', 'Education'];

/**
 * The default labels a new company has (label_ids options): persons and organizations share one
 * set, deals have their own. Label ids are per company and small, apart from option ids.
 */
const LABELS: Record<'person' | 'organization' | 'deal', string[]> = {
  person: ['Customer', 'Hot lead', 'Warm lead', 'Cold lead'],
  organization: ['Customer', 'Hot lead', 'Warm lead', 'Cold lead'],
  deal: ['Hot', 'Warm', 'Cold'],
};

function systemOptions(entity: 'person' | 'organization' | 'deal', key: string, nextOptionId: () => number): FieldOptionDef[] | null {
  if (key === 'industry') return INDUSTRY_OPTIONS.map((label) => ({ id: nextOptionId(), label }));
  if (key === 'label_ids') return LABELS[entity].map((label, i) => ({ id: i + 1, label }));
  return null;
}

/** Builds the field list of one entity type: system fields then custom ones. */
export function buildFieldDefs(
  entity: 'person' | 'organization' | 'deal',
  seed: number,
  nextFieldId: () => number,
  nextOptionId: () => number,
  at: number,
): FieldDef[] {
  const defs: FieldDef[] = SYSTEM[entity].map(([key, name, type, readOnly, mandatory]) => ({
    id: nextFieldId(),
    key,
    name,
    field_type: type,
    options: systemOptions(entity, key, nextOptionId),
    custom: false,
    mandatory: mandatory ?? false,
    readOnly: readOnly ?? false,
    addTime: at,
  }));
  for (const spec of DEFAULT_CUSTOM_FIELDS[entity]) defs.push(makeCustomField(entity, spec, seed, nextFieldId, nextOptionId, at));
  return defs;
}

export function makeCustomField(
  entity: EntityType,
  spec: CustomFieldSpec,
  seed: number,
  nextFieldId: () => number,
  nextOptionId: () => number,
  at: number,
): FieldDef {
  const isOptions = spec.field_type === 'enum' || spec.field_type === 'set';
  return {
    id: nextFieldId(),
    key: customFieldKey(seed, entity, spec.name),
    name: spec.name,
    field_type: spec.field_type,
    options: isOptions ? (spec.options ?? []).map((label) => ({ id: nextOptionId(), label })) : null,
    custom: true,
    mandatory: false,
    readOnly: false,
    addTime: at,
  };
}

export const CREATABLE_TYPES = new Set([
  'varchar',
  'varchar_auto',
  'text',
  'double',
  'monetary',
  'enum',
  'set',
  'user',
  'org',
  'people',
  'phone',
  'date',
  'daterange',
  'time',
  'timerange',
  'address',
]);

/** A rejected value: the message the API gives (v2 400 ERR_SCHEMA_VALIDATION_FAILED). */
export class ValueRejected extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * v2 `custom_fields` value → stored value. Strict, as API v2 is (§4.4): numbers must be numbers,
 * enum an existing option id, set a non-empty array of option ids, `null` clears.
 */
export function decodeV2Custom(def: FieldDef, v: unknown): unknown {
  if (v === null) return null;
  const t = def.field_type;
  switch (t) {
    case 'varchar':
    case 'varchar_auto':
    case 'phone':
    case 'text': {
      if (typeof v !== 'string') throw new ValueRejected(`custom_fields: Expected 'string' as value for ${t} custom field ${def.key}`);
      if (t !== 'text' && v.length > 255) throw new ValueRejected(`custom_fields: Value for custom field ${def.key} exceeds 255 characters`);
      return v;
    }
    case 'double':
    case 'user':
    case 'org':
    case 'people': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueRejected(`custom_fields: Expected 'number' as value for custom field ${def.key}`);
      return v;
    }
    case 'monetary': {
      if (typeof v === 'object' && v !== null && typeof (v as { value?: unknown }).value === 'number') {
        const m = v as { value: number; currency?: unknown };
        return { value: m.value, currency: typeof m.currency === 'string' ? m.currency : 'EUR' };
      }
      throw new ValueRejected(`custom_fields: Expected 'object' with numeric 'value' for monetary custom field ${def.key}`);
    }
    case 'enum': {
      if (typeof v !== 'number') throw new ValueRejected(`custom_fields: Expected 'number' as value for single option custom field ${def.key}`);
      if (!def.options?.some((o) => o.id === v)) throw new ValueRejected(`custom_fields: Option ${v} does not exist for custom field ${def.key}`);
      return v;
    }
    case 'set': {
      if (!Array.isArray(v) || v.length === 0)
        throw new ValueRejected(`custom_fields: Expected non-empty 'array' as value for multi options custom field ${def.key}`);
      for (const x of v) {
        if (typeof x !== 'number') throw new ValueRejected(`custom_fields: Expected 'number' items for multi options custom field ${def.key}`);
        if (!def.options?.some((o) => o.id === x)) throw new ValueRejected(`custom_fields: Option ${x} does not exist for custom field ${def.key}`);
      }
      return [...new Set(v as number[])];
    }
    case 'date': {
      if (typeof v !== 'string' || !DATE.test(v)) throw new ValueRejected(`custom_fields: Expected date 'YYYY-MM-DD' for custom field ${def.key}`);
      return v;
    }
    default:
      return v;
  }
}

/**
 * v1 top-level custom value → stored value, or `undefined` when the API would ignore it. v1 is
 * lenient (§4.4): strings are coerced, an enum option that does not exist (e.g. the label instead of
 * the id) is dropped without an error.
 */
export function decodeV1Custom(def: FieldDef, v: unknown, body: Record<string, unknown>): unknown {
  if (v === null || v === '') return null;
  const t = def.field_type;
  switch (t) {
    case 'double':
    case 'user':
    case 'org':
    case 'people': {
      const n = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'monetary': {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) return undefined;
      const cur = body[`${def.key}_currency`];
      return { value: n, currency: typeof cur === 'string' ? cur : 'EUR' };
    }
    case 'enum': {
      const n = typeof v === 'number' ? v : Number(v);
      return def.options?.some((o) => o.id === n) ? n : undefined;
    }
    case 'set': {
      const parts = Array.isArray(v) ? v : String(v).split(',');
      const ids = parts.map((p) => Number(String(p).trim())).filter((n) => def.options?.some((o) => o.id === n));
      return ids.length > 0 ? [...new Set(ids)] : undefined;
    }
    default:
      return typeof v === 'object' ? v : String(v);
  }
}

/** Stored value → v2 read format; `include_option_labels` expands option ids. */
export function encodeV2Custom(def: FieldDef, v: unknown, withLabels = false): unknown {
  if (v === null || v === undefined) return null;
  if (withLabels && def.field_type === 'enum') return { id: v, label: optionLabel(def, v as number) };
  if (withLabels && def.field_type === 'set') return (v as number[]).map((id) => ({ id, label: optionLabel(def, id) }));
  return v;
}

/** Stored value → v1 top-level keys (enum as "123", set as "1,2", monetary + `_currency`). */
export function encodeV1Custom(def: FieldDef, v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) {
    return def.field_type === 'monetary' ? { [def.key]: null, [`${def.key}_currency`]: null } : { [def.key]: null };
  }
  switch (def.field_type) {
    case 'enum':
      return { [def.key]: String(v) };
    case 'set':
      return { [def.key]: (v as number[]).join(',') };
    case 'monetary': {
      const m = v as { value: number; currency: string };
      return { [def.key]: m.value, [`${def.key}_currency`]: m.currency };
    }
    default:
      return { [def.key]: v };
  }
}

/** Stored value → webhook v2 typed object (§4.3 last column). */
export function encodeWebhookCustom(def: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const type = def.field_type;
  switch (type) {
    case 'enum':
    case 'user':
    case 'org':
    case 'people':
      return { type, id: v };
    case 'set':
      return { type, values: (v as number[]).map((id) => ({ id })) };
    case 'monetary': {
      const m = v as { value: number; currency: string };
      return { type, value: m.value, currency: m.currency };
    }
    default:
      return { type, value: v };
  }
}

/** Stored value → changelog string (old_value / new_value are nullable strings, §7.1). */
export function changelogString(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.every((x) => typeof x !== 'object') ? v.join(',') : JSON.stringify(v);
  if (typeof v === 'object') {
    const o = v as { value?: unknown };
    return 'value' in o && Object.keys(o).length <= 2 ? String(o.value) : JSON.stringify(v);
  }
  return String(v);
}

function optionLabel(def: FieldDef, id: number): string | null {
  return def.options?.find((o) => o.id === id)?.label ?? null;
}

/** v1 field object (§4.1). */
export function fieldV1(def: FieldDef, order: number): Record<string, unknown> {
  return {
    id: def.id,
    key: def.key,
    name: def.name,
    order_nr: order,
    field_type: def.field_type,
    add_time: v1Time(def.addTime),
    update_time: v1Time(def.addTime),
    last_updated_by_user_id: 1,
    created_by_user_id: 1,
    active_flag: true,
    edit_flag: def.custom,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: def.mandatory,
    important_flag: false,
    bulk_edit_allowed: !def.readOnly,
    searchable_flag: def.custom && ['varchar', 'varchar_auto', 'text', 'double', 'monetary', 'phone', 'address'].includes(def.field_type),
    filtering_allowed: true,
    sortable_flag: true,
    options: def.options ? def.options.map((o) => ({ id: o.id, label: o.label })) : null,
    mandatory_flag: def.mandatory,
  };
}

/** v2 field object (§4.1: field_code, field_name, is_custom_field; subfields nested). */
export function fieldV2(def: FieldDef): Record<string, unknown> {
  return {
    field_name: def.name,
    field_code: def.key,
    description: null,
    field_type: def.field_type,
    options: def.options ? def.options.map((o) => ({ id: o.id, label: o.label })) : null,
    subfields:
      def.field_type === 'monetary' && def.custom
        ? [
            { field_code: 'value', field_name: 'Value', field_type: 'double' },
            { field_code: 'currency', field_name: 'Currency', field_type: 'varchar' },
          ]
        : null,
    is_custom_field: def.custom,
    is_optional_response_field: false,
  };
}

/** RFC 3339 without fractional seconds, as v2 returns (§2). */
export function v2Time(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** v1 "YYYY-MM-DD HH:MM:SS" UTC (§2). */
export function v1Time(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
