/**
 * HubSpot's property catalogue and value rules (reference: docs/reference/hubspot.md §5,
 * §13): the default properties of contacts, companies, deals, notes and tasks, and the pure check
 * of one written value against its definition, with the error codes and texts of §5.5. Everything
 * on the wire is a string (§5.4); this module decides what string is stored.
 */
import { INDUSTRIES, SENIORITIES } from '../seed/index.js';
import {
  ENGAGEMENT_GROUP,
  ENGAGEMENT_QUERY_PROPS,
  ENGAGEMENT_SEGMENTS,
  ENGAGEMENT_SPECS,
  ENGAGEMENT_TYPES,
  ENGAGEMENT_TYPE_IDS,
  ENGAGEMENT_UPPER,
  type EngagementType,
} from './engagements.js';

export type ObjectType = 'contacts' | 'companies' | 'deals' | 'notes' | 'tasks' | EngagementType;
export const OBJECT_TYPES: ObjectType[] = ['contacts', 'companies', 'deals', 'notes', 'tasks', ...ENGAGEMENT_TYPES];

/** Path segment (plural, singular or object type id, §7.1) → object type. */
export function objectTypeOf(segment: string): ObjectType | undefined {
  const s = segment.toLowerCase();
  const map: Record<string, ObjectType> = {
    contacts: 'contacts',
    contact: 'contacts',
    '0-1': 'contacts',
    companies: 'companies',
    company: 'companies',
    '0-2': 'companies',
    deals: 'deals',
    deal: 'deals',
    '0-3': 'deals',
    notes: 'notes',
    note: 'notes',
    '0-46': 'notes',
    tasks: 'tasks',
    task: 'tasks',
    '0-27': 'tasks',
    ...ENGAGEMENT_SEGMENTS,
  };
  return map[s];
}

export const OBJECT_TYPE_IDS: Record<ObjectType, string> = {
  contacts: '0-1',
  companies: '0-2',
  deals: '0-3',
  notes: '0-46',
  tasks: '0-27',
  ...ENGAGEMENT_TYPE_IDS,
};
/** Upper-case singular names used in batch error messages (§3.7). */
export const OBJECT_UPPER: Record<ObjectType, string> = {
  contacts: 'CONTACT',
  companies: 'COMPANY',
  deals: 'DEAL',
  notes: 'NOTE',
  tasks: 'TASK',
  ...ENGAGEMENT_UPPER,
};
/** The last-modified property of each object (§2.2). */
export const MODIFIED_PROP: Record<ObjectType, string> = {
  contacts: 'lastmodifieddate',
  companies: 'hs_lastmodifieddate',
  deals: 'hs_lastmodifieddate',
  notes: 'hs_lastmodifieddate',
  tasks: 'hs_lastmodifieddate',
  emails: 'hs_lastmodifieddate',
  meetings: 'hs_lastmodifieddate',
  calls: 'hs_lastmodifieddate',
};
export const CREATED_PROP: Record<ObjectType, string> = {
  contacts: 'createdate',
  companies: 'createdate',
  deals: 'createdate',
  notes: 'hs_createdate',
  tasks: 'hs_createdate',
  emails: 'hs_createdate',
  meetings: 'hs_createdate',
  calls: 'hs_createdate',
};

/** Returned when no `properties` are asked for (§2.2, §4.1). */
export const DEFAULT_READ: Record<ObjectType, string[]> = {
  contacts: ['firstname', 'lastname', 'email'],
  companies: ['name', 'domain'],
  deals: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage'],
  notes: [],
  tasks: [],
  emails: [],
  meetings: [],
  calls: [],
};

/** Searched by a free-text `query` (§4.1). */
export const QUERY_PROPS: Record<ObjectType, string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'hs_additional_emails', 'mobilephone', 'company'],
  companies: ['website', 'phone', 'name', 'domain'],
  deals: ['dealname', 'pipeline', 'dealstage', 'description', 'dealtype'],
  notes: ['hs_note_body'],
  tasks: ['hs_task_body', 'hs_task_subject'],
  ...ENGAGEMENT_QUERY_PROPS,
};

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: 'string' | 'number' | 'bool' | 'enumeration' | 'date' | 'datetime' | 'phone_number';
  fieldType: string;
  groupName: string;
  description: string;
  options: PropertyOption[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  referencedObjectType?: string;
  modificationMetadata: {
    archivable: boolean;
    readOnlyDefinition: boolean;
    readOnlyValue: boolean;
    readOnlyOptions?: boolean;
  };
  formField: boolean;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

const CATALOGUE_TIME = '2019-08-06T02:43:12.000Z';

const opts = (values: readonly string[], labels?: Record<string, string>): PropertyOption[] =>
  values.map((v, i) => ({
    label: labels?.[v] ?? v.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    value: v,
    displayOrder: i,
    hidden: false,
  }));

type Spec = [
  name: string,
  label: string,
  type: PropertyDef['type'],
  fieldType: string,
  extra?: Partial<PropertyDef>,
];

const RO: Partial<PropertyDef> = {
  modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
};
const CALC: Partial<PropertyDef> = {
  calculated: true,
  modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true },
};
const OWNER: Partial<PropertyDef> = { externalOptions: true, referencedObjectType: 'OWNER' };

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];
/** The default pipeline's closed stages (won and lost). */
export const CLOSED_STAGE_IDS: readonly string[] = ['closedwon', 'closedlost'];
/** The default pipeline's stages (§13.3). */
export const DEAL_STAGE_IDS = [
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'closedwon',
  'closedlost',
];

const SPECS: Record<ObjectType, Spec[]> = {
  contacts: [
    ['email', 'Email', 'string', 'text', { hasUniqueValue: false }],
    ['firstname', 'First Name', 'string', 'text'],
    ['lastname', 'Last Name', 'string', 'text'],
    ['phone', 'Phone Number', 'string', 'phonenumber'],
    ['mobilephone', 'Mobile Phone Number', 'string', 'phonenumber'],
    ['company', 'Company Name', 'string', 'text'],
    ['jobtitle', 'Job Title', 'string', 'text'],
    ['website', 'Website URL', 'string', 'text'],
    ['city', 'City', 'string', 'text'],
    ['state', 'State/Region', 'string', 'text'],
    ['zip', 'Postal Code', 'string', 'text'],
    ['country', 'Country/Region', 'string', 'text'],
    ['address', 'Street Address', 'string', 'text'],
    [
      'lifecyclestage',
      'Lifecycle Stage',
      'enumeration',
      'radio',
      {
        options: opts(LIFECYCLE_STAGES, {
          marketingqualifiedlead: 'Marketing Qualified Lead',
          salesqualifiedlead: 'Sales Qualified Lead',
        }),
      },
    ],
    [
      'hs_lead_status',
      'Lead Status',
      'enumeration',
      'radio',
      {
        options: opts([
          'NEW',
          'OPEN',
          'IN_PROGRESS',
          'OPEN_DEAL',
          'UNQUALIFIED',
          'ATTEMPTED_TO_CONTACT',
          'CONNECTED',
          'BAD_TIMING',
        ]),
      },
    ],
    [
      'seniority',
      'Seniority',
      'enumeration',
      'select',
      { options: opts(SENIORITIES), hubspotDefined: false },
    ],
    ['hubspot_owner_id', 'Contact owner', 'enumeration', 'select', OWNER],
    [
      'hs_additional_emails',
      'Additional email addresses',
      'enumeration',
      'text',
      { ...RO, calculated: false },
    ],
    ['createdate', 'Create Date', 'datetime', 'date', RO],
    ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
    ['hs_lastmodifieddate', 'Object last modified date/time', 'datetime', 'date', RO],
    ['hs_object_id', 'Record ID', 'number', 'number', RO],
    ['hs_merged_object_ids', 'Merged Contact IDs', 'enumeration', 'checkbox', RO],
    ['hs_email_domain', 'Email Domain', 'string', 'text', CALC],
    ['hs_object_source', 'Record creation source', 'string', 'text', CALC],
    ['num_associated_deals', 'Number of Associated Deals', 'number', 'number', CALC],
    ['notes_last_updated', 'Last Activity Date', 'datetime', 'date', CALC],
    ['num_notes', 'Number of Sales Activities', 'number', 'number', CALC],
    ['hubspotscore', 'HubSpot Score', 'number', 'number', CALC],
    ['hs_predictivecontactscore_v2', 'Likelihood to close', 'number', 'number', CALC],
    [
      'hs_predictivescoringtier',
      'Contact priority',
      'enumeration',
      'select',
      { ...CALC, options: opts(['tier_1', 'tier_2', 'tier_3', 'tier_4']) },
    ],
    ['hs_pinned_engagement_id', 'Pinned engagement ID', 'number', 'number'],
  ],
  companies: [
    ['name', 'Company name', 'string', 'text'],
    ['domain', 'Company Domain Name', 'string', 'text'],
    ['website', 'Website URL', 'string', 'text'],
    ['phone', 'Phone Number', 'string', 'phonenumber'],
    [
      'industry',
      'Industry',
      'enumeration',
      'select',
      { options: opts(INDUSTRIES.map((i) => i.toUpperCase())) },
    ],
    ['annualrevenue', 'Annual Revenue', 'number', 'number'],
    ['numberofemployees', 'Number of Employees', 'number', 'number'],
    ['city', 'City', 'string', 'text'],
    ['state', 'State/Region', 'string', 'text'],
    ['country', 'Country/Region', 'string', 'text'],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', { options: opts(LIFECYCLE_STAGES) }],
    ['hubspot_owner_id', 'Company owner', 'enumeration', 'select', OWNER],
    ['hs_additional_domains', 'Additional Domains', 'enumeration', 'text', { ...RO, calculated: false }],
    ['createdate', 'Create Date', 'datetime', 'date', RO],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
    ['hs_object_id', 'Record ID', 'number', 'number', RO],
    ['hs_merged_object_ids', 'Merged Company IDs', 'enumeration', 'checkbox', RO],
    ['num_associated_contacts', 'Number of Associated Contacts', 'number', 'number', CALC],
  ],
  deals: [
    ['dealname', 'Deal Name', 'string', 'text'],
    ['dealstage', 'Deal Stage', 'enumeration', 'radio', { externalOptions: true }],
    ['pipeline', 'Pipeline', 'enumeration', 'select', { externalOptions: true }],
    ['amount', 'Amount', 'number', 'number'],
    ['closedate', 'Close Date', 'datetime', 'date'],
    ['hubspot_owner_id', 'Deal owner', 'enumeration', 'select', OWNER],
    [
      'dealtype',
      'Deal Type',
      'enumeration',
      'radio',
      {
        options: opts(['newbusiness', 'existingbusiness'], {
          newbusiness: 'New Business',
          existingbusiness: 'Existing Business',
        }),
      },
    ],
    ['description', 'Deal Description', 'string', 'textarea'],
    ['hs_deal_stage_probability', 'Deal probability', 'number', 'number', CALC],
    // "true" in a won or lost stage of any pipeline; recalculated on every stage change.
    ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox', CALC],
    [
      'deal_currency_code',
      'Currency',
      'enumeration',
      'select',
      { options: opts(['USD', 'EUR', 'GBP'], { USD: 'US Dollar', EUR: 'Euro', GBP: 'British Pound' }) },
    ],
    ['createdate', 'Create Date', 'datetime', 'date', RO],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
    ['hs_object_id', 'Record ID', 'number', 'number', RO],
    ['hs_merged_object_ids', 'Merged Deal IDs', 'enumeration', 'checkbox', RO],
  ],
  notes: [
    ['hs_timestamp', 'Activity date', 'datetime', 'date'],
    ['hs_note_body', 'Note body', 'string', 'html'],
    ['hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select', OWNER],
    ['hs_attachment_ids', 'Attached file IDs', 'enumeration', 'checkbox', { externalOptions: true }],
    ['hs_createdate', 'Create date', 'datetime', 'date', RO],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
    ['hs_object_id', 'Record ID', 'number', 'number', RO],
  ],
  tasks: [
    ['hs_timestamp', 'Due date', 'datetime', 'date'],
    ['hs_task_subject', 'Task Title', 'string', 'text'],
    ['hs_task_body', 'Notes', 'string', 'html'],
    [
      'hs_task_status',
      'Task Status',
      'enumeration',
      'select',
      { options: opts(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED']) },
    ],
    [
      'hs_task_priority',
      'Priority',
      'enumeration',
      'select',
      { options: opts(['NONE', 'LOW', 'MEDIUM', 'HIGH']) },
    ],
    // 'TODO' is HubSpot's "To-do" task type, not unfinished work (docs/reference/hubspot.md)
    ['hs_task_type', 'Task Type', 'enumeration', 'select', { options: opts(['EMAIL', 'CALL', 'TODO']) }],
    ['hs_task_reminders', 'Reminder', 'enumeration', 'checkbox', { externalOptions: true }],
    ['hubspot_owner_id', 'Assigned to', 'enumeration', 'select', OWNER],
    ['hs_createdate', 'Create date', 'datetime', 'date', RO],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
    ['hs_object_id', 'Record ID', 'number', 'number', RO],
  ],
  ...ENGAGEMENT_SPECS,
};

const GROUP: Record<ObjectType, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  notes: 'engagement',
  tasks: 'task',
  ...ENGAGEMENT_GROUP,
};

export function makeProperty(
  type: ObjectType,
  partial: Partial<PropertyDef> & Pick<PropertyDef, 'name' | 'label' | 'type' | 'fieldType'>,
  at = CATALOGUE_TIME,
): PropertyDef {
  return {
    groupName: GROUP[type],
    description: '',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: true,
    modificationMetadata: {
      archivable: true,
      readOnlyDefinition: false,
      readOnlyValue: false,
      readOnlyOptions: false,
    },
    formField: true,
    createdAt: at,
    updatedAt: at,
    archived: false,
    ...partial,
  };
}

export function defaultProperties(type: ObjectType): PropertyDef[] {
  return SPECS[type].map(([name, label, t, fieldType, extra], i) =>
    makeProperty(type, { name, label, type: t, fieldType, displayOrder: i, ...extra }),
  );
}

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
