/**
 * HubSpot's object types and property catalogue (reference: docs/reference/hubspot.md §5, §7.1,
 * §13): the default properties of contacts, companies, deals, notes, tasks and engagements, what
 * a read returns by default and what free-text search looks in. The value rules are in values.ts.
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
    ['date_of_birth', 'Date of birth', 'string', 'text'],
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
    [
      'hs_searchable_calculated_phone_number',
      'Calculated Phone Number without country code',
      'string',
      'text',
      CALC,
    ],
    [
      'hs_searchable_calculated_mobile_number',
      'Calculated Mobile Number without country code',
      'string',
      'text',
      CALC,
    ],
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
