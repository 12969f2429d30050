/**
 * The org's object metadata: what `describe` answers and what every write is validated against
 * (reference salesforce.md §2.6, §2.7). Field names are canonical here; lookups are
 * case-insensitive (§1.4). Custom fields (`__c`) are added at runtime through the Tooling API path.
 */
import { KEY_PREFIX } from './ids.js';

export type SfType =
  | 'id'
  | 'reference'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'multipicklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'anyType';

export interface SfField {
  name: string;
  label: string;
  type: SfType;
  length?: number;
  precision?: number;
  scale?: number;
  digits?: number;
  /** Required on create (nillable false, not defaulted). */
  required?: boolean;
  createable: boolean;
  updateable: boolean;
  picklist?: string[];
  defaultPicklist?: string;
  restricted?: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  custom?: boolean;
  /** Field history tracking on (§7.2: at most 20 per object). */
  tracked?: boolean;
  filterable?: boolean;
  /** An external id (describe `externalId`): upsert, read and delete by its value. */
  externalId?: boolean;
}

export interface SfObject {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: SfField[];
  /** Lower-cased name → field. */
  byLower: Map<string, SfField>;
  /** Field history object for this object, and its parent-id field. */
  history?: { object: string; parentField: string };
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
}

type Spec = Omit<SfField, 'createable' | 'updateable'> & { createable?: boolean; updateable?: boolean };

const str = (name: string, label: string, length: number, extra: Partial<Spec> = {}): Spec => ({ name, label, type: 'string', length, ...extra });
const pick = (name: string, label: string, values: string[], extra: Partial<Spec> = {}): Spec => ({ name, label, type: 'picklist', length: 255, picklist: values, ...extra });
const ref = (name: string, label: string, to: string[], rel: string, extra: Partial<Spec> = {}): Spec => ({ name, label, type: 'reference', length: 18, referenceTo: to, relationshipName: rel, ...extra });
const ro = { createable: false, updateable: false };

function audit(): Spec[] {
  return [
    { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ...ro },
    { name: 'CreatedDate', label: 'Created Date', type: 'datetime', ...ro },
    ref('CreatedById', 'Created By ID', ['User'], 'CreatedBy', ro),
    { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', ...ro },
    ref('LastModifiedById', 'Last Modified By ID', ['User'], 'LastModifiedBy', ro),
    { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', ...ro },
  ];
}

export const INDUSTRIES = [
  'Agriculture', 'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting',
  'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Environmental', 'Finance', 'Food & Beverage',
  'Government', 'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Not For Profit',
  'Recreation', 'Retail', 'Shipping', 'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other',
];
export const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'External Referral', 'Trade Show', 'Webinar', 'Advertisement', 'Outbound', 'Content Download', 'Other'];
export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
export const STAGES = [
  'Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis',
  'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost',
];
export const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];

const OWNER = ref('OwnerId', 'Owner ID', ['User'], 'Owner', { updateable: true, createable: true });

const SPECS: Record<string, { label: string; plural: string; fields: Spec[]; history?: { object: string; parentField: string } }> = {
  Lead: {
    label: 'Lead',
    plural: 'Leads',
    history: { object: 'LeadHistory', parentField: 'LeadId' },
    fields: [
      { name: 'Id', label: 'Lead ID', type: 'id', length: 18, ...ro },
      str('LastName', 'Last Name', 80, { required: true, tracked: true }),
      str('FirstName', 'First Name', 40, { tracked: true }),
      pick('Salutation', 'Salutation', ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']),
      str('Name', 'Full Name', 121, ro),
      str('Title', 'Title', 128, { tracked: true }),
      str('Company', 'Company', 255, { required: true, tracked: true }),
      { name: 'Street', label: 'Street', type: 'textarea', length: 255 },
      str('City', 'City', 40),
      str('State', 'State/Province', 80),
      str('PostalCode', 'Zip/Postal Code', 20),
      str('Country', 'Country', 80),
      { name: 'Phone', label: 'Phone', type: 'phone', length: 40 },
      { name: 'MobilePhone', label: 'Mobile Phone', type: 'phone', length: 40 },
      { name: 'Email', label: 'Email', type: 'email', length: 80, tracked: true },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000, filterable: false },
      pick('LeadSource', 'Lead Source', LEAD_SOURCES, { length: 40, tracked: true }),
      pick('Status', 'Status', LEAD_STATUSES, { length: 40, restricted: true, defaultPicklist: 'Open - Not Contacted', tracked: true }),
      pick('Industry', 'Industry', INDUSTRIES, { length: 40, tracked: true }),
      pick('Rating', 'Rating', ['Hot', 'Warm', 'Cold'], { length: 40, tracked: true }),
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0, tracked: true },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', digits: 8, tracked: true },
      { ...OWNER, tracked: true },
      { name: 'IsConverted', label: 'Converted', type: 'boolean', ...ro },
      { name: 'ConvertedDate', label: 'Converted Date', type: 'date', ...ro },
      ref('ConvertedAccountId', 'Converted Account ID', ['Account'], 'ConvertedAccount', ro),
      ref('ConvertedContactId', 'Converted Contact ID', ['Contact'], 'ConvertedContact', ro),
      ref('ConvertedOpportunityId', 'Converted Opportunity ID', ['Opportunity'], 'ConvertedOpportunity', ro),
      { name: 'HasOptedOutOfEmail', label: 'Email Opt Out', type: 'boolean' },
      { name: 'DoNotCall', label: 'Do Not Call', type: 'boolean' },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ...ro },
      ...audit(),
      { name: 'Web_Visits__c', label: 'Web Visits', type: 'double', precision: 18, scale: 0, custom: true },
      { name: 'Site_Sessions__c', label: 'Site Sessions', type: 'double', precision: 18, scale: 0, custom: true },
      { name: 'Exec_Briefing__c', label: 'Executive Briefing', type: 'boolean', custom: true },
      { name: 'Briefing_Invited__c', label: 'Briefing Invited', type: 'boolean', custom: true },
      { name: 'Email_Opens__c', label: 'Email Opens', type: 'double', precision: 18, scale: 0, custom: true },
      { name: 'Meetings__c', label: 'Meetings', type: 'double', precision: 18, scale: 0, custom: true },
      { name: 'Last_Engaged__c', label: 'Last Engaged', type: 'datetime', custom: true },
    ],
  },
  Contact: {
    label: 'Contact',
    plural: 'Contacts',
    history: { object: 'ContactHistory', parentField: 'ContactId' },
    fields: [
      { name: 'Id', label: 'Contact ID', type: 'id', length: 18, ...ro },
      ref('AccountId', 'Account ID', ['Account'], 'Account', { tracked: true }),
      str('LastName', 'Last Name', 80, { required: true, tracked: true }),
      str('FirstName', 'First Name', 40, { tracked: true }),
      pick('Salutation', 'Salutation', ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.']),
      str('Name', 'Full Name', 121, ro),
      str('Title', 'Title', 128, { tracked: true }),
      { name: 'Email', label: 'Email', type: 'email', length: 80, tracked: true },
      { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
      { name: 'MobilePhone', label: 'Mobile Phone', type: 'phone', length: 40 },
      str('Department', 'Department', 80),
      pick('LeadSource', 'Lead Source', LEAD_SOURCES, { length: 40, tracked: true }),
      { name: 'MailingStreet', label: 'Mailing Street', type: 'textarea', length: 255 },
      str('MailingCity', 'Mailing City', 40),
      str('MailingPostalCode', 'Mailing Zip/Postal Code', 20),
      str('MailingCountry', 'Mailing Country', 80),
      { name: 'Birthdate', label: 'Birthdate', type: 'date' },
      { name: 'Description', label: 'Contact Description', type: 'textarea', length: 32000, filterable: false },
      { name: 'HasOptedOutOfEmail', label: 'Email Opt Out', type: 'boolean' },
      { ...OWNER, tracked: true },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ...ro },
      ...audit(),
      { name: 'Secondary_Email__c', label: 'Secondary Email', type: 'email', length: 80, custom: true },
      { name: 'Personas__c', label: 'Personas', type: 'multipicklist', length: 4099, picklist: ['Champion', 'Economic Buyer', 'Technical Evaluator', 'End User'], custom: true, tracked: true },
    ],
  },
  Account: {
    label: 'Account',
    plural: 'Accounts',
    history: { object: 'AccountHistory', parentField: 'AccountId' },
    fields: [
      { name: 'Id', label: 'Account ID', type: 'id', length: 18, ...ro },
      str('Name', 'Account Name', 255, { required: true, tracked: true }),
      ref('ParentId', 'Parent Account ID', ['Account'], 'Parent'),
      pick('Type', 'Account Type', ['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other'], { length: 40, tracked: true }),
      pick('Industry', 'Industry', INDUSTRIES, { length: 40, tracked: true }),
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency', precision: 18, scale: 0, tracked: true },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int', digits: 8, tracked: true },
      { name: 'Website', label: 'Website', type: 'url', length: 255, tracked: true },
      { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
      { name: 'BillingStreet', label: 'Billing Street', type: 'textarea', length: 255 },
      str('BillingCity', 'Billing City', 40),
      str('BillingCountry', 'Billing Country', 80),
      { name: 'Description', label: 'Account Description', type: 'textarea', length: 32000, filterable: false },
      pick('Rating', 'Account Rating', ['Hot', 'Warm', 'Cold'], { length: 40, tracked: true }),
      { ...OWNER, tracked: true },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ...ro },
      ...audit(),
    ],
  },
  Opportunity: {
    label: 'Opportunity',
    plural: 'Opportunities',
    history: { object: 'OpportunityFieldHistory', parentField: 'OpportunityId' },
    fields: [
      { name: 'Id', label: 'Opportunity ID', type: 'id', length: 18, ...ro },
      ref('AccountId', 'Account ID', ['Account'], 'Account', { tracked: true }),
      str('Name', 'Name', 120, { required: true, tracked: true }),
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000, filterable: false },
      pick('StageName', 'Stage', STAGES, { length: 255, required: true, restricted: true, tracked: true }),
      { name: 'Amount', label: 'Amount', type: 'currency', precision: 18, scale: 2, tracked: true },
      { name: 'Probability', label: 'Probability (%)', type: 'percent', precision: 3, scale: 0, tracked: true },
      { name: 'CloseDate', label: 'Close Date', type: 'date', required: true, tracked: true },
      pick('Type', 'Opportunity Type', ['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer'], { length: 40 }),
      str('NextStep', 'Next Step', 255, { tracked: true }),
      pick('LeadSource', 'Lead Source', LEAD_SOURCES, { length: 40 }),
      pick('ForecastCategoryName', 'Forecast Category', ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'], { length: 40 }),
      { name: 'IsClosed', label: 'Closed', type: 'boolean', ...ro },
      { name: 'IsWon', label: 'Won', type: 'boolean', ...ro },
      { ...OWNER, tracked: true },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ...ro },
      ...audit(),
      { name: 'Risk_Summary__c', label: 'Risk Summary', type: 'textarea', length: 32768, custom: true, filterable: false },
    ],
  },
  Task: {
    label: 'Task',
    plural: 'Tasks',
    fields: [
      { name: 'Id', label: 'Activity ID', type: 'id', length: 18, ...ro },
      ref('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who'),
      ref('WhatId', 'Related To ID', ['Account', 'Opportunity'], 'What'),
      str('Subject', 'Subject', 255),
      { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
      pick('Status', 'Status', TASK_STATUSES, { length: 40, restricted: true, defaultPicklist: 'Not Started' }),
      pick('Priority', 'Priority', ['High', 'Normal', 'Low'], { length: 40, restricted: true, defaultPicklist: 'Normal' }),
      pick('TaskSubtype', 'Task Subtype', ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], { length: 40, restricted: true, updateable: false }),
      { name: 'Description', label: 'Comments', type: 'textarea', length: 32000, filterable: false },
      OWNER,
      { name: 'IsClosed', label: 'Closed', type: 'boolean', ...ro },
      ...audit(),
    ],
  },
  Event: {
    label: 'Event',
    plural: 'Events',
    fields: [
      { name: 'Id', label: 'Activity ID', type: 'id', length: 18, ...ro },
      ref('WhoId', 'Name ID', ['Contact', 'Lead'], 'Who'),
      ref('WhatId', 'Related To ID', ['Account', 'Opportunity'], 'What'),
      str('Subject', 'Subject', 255),
      { name: 'StartDateTime', label: 'Start Date Time', type: 'datetime', required: true },
      { name: 'EndDateTime', label: 'End Date Time', type: 'datetime', required: true },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000, filterable: false },
      str('Location', 'Location', 255),
      OWNER,
      ...audit(),
    ],
  },
  // The standard junction between Contact and Opportunity: who takes part in a deal, and how.
  OpportunityContactRole: {
    label: 'Opportunity Contact Role',
    plural: 'Opportunity Contact Role',
    fields: [
      { name: 'Id', label: 'Opportunity Contact Role ID', type: 'id', length: 18, ...ro },
      ref('OpportunityId', 'Opportunity ID', ['Opportunity'], 'Opportunity', { required: true }),
      ref('ContactId', 'Contact ID', ['Contact'], 'Contact', { required: true }),
      pick('Role', 'Role', ['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other'], { length: 40 }),
      { name: 'IsPrimary', label: 'Primary', type: 'boolean' },
      ...audit(),
    ],
  },
  User: {
    label: 'User',
    plural: 'Users',
    fields: [
      { name: 'Id', label: 'User ID', type: 'id', length: 18, ...ro },
      str('Username', 'Username', 80, ro),
      str('LastName', 'Last Name', 80, ro),
      str('FirstName', 'First Name', 40, ro),
      str('Name', 'Full Name', 121, ro),
      { name: 'Email', label: 'Email', type: 'email', length: 128, ...ro },
      { name: 'IsActive', label: 'Active', type: 'boolean', ...ro },
      pick('UserType', 'User Type', ['Standard', 'AutomatedProcess'], { ...ro, restricted: true }),
      ...audit(),
    ],
  },
};

function historySpec(parent: string, parentField: string): Spec[] {
  return [
    { name: 'Id', label: 'History ID', type: 'id', length: 18, ...ro },
    { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ...ro },
    ref(parentField, `${parent} ID`, [parent], parent, ro),
    pick('Field', 'Changed Field', [], { ...ro, restricted: true }),
    pick('DataType', 'Data Type', [], ro),
    { name: 'OldValue', label: 'Old Value', type: 'anyType', ...ro, filterable: false },
    { name: 'NewValue', label: 'New Value', type: 'anyType', ...ro, filterable: false },
    ref('CreatedById', 'Created By ID', ['User'], 'CreatedBy', ro),
    { name: 'CreatedDate', label: 'Created Date', type: 'datetime', ...ro },
  ];
}

function build(name: string, label: string, plural: string, specs: Spec[], prefix: string, history?: SfObject['history']): SfObject {
  const fields: SfField[] = specs.map((s) => ({ createable: true, updateable: true, ...s }));
  const obj: SfObject = {
    name,
    label,
    labelPlural: plural,
    keyPrefix: prefix,
    fields,
    byLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    createable: !name.endsWith('History') && name !== 'User',
    updateable: !name.endsWith('History') && name !== 'User',
    deletable: !name.endsWith('History') && name !== 'User',
  };
  if (history) obj.history = history;
  return obj;
}


/** A fresh copy of the org's metadata (each simulator gets its own: custom fields are per org). */
export function buildSchema(): Map<string, SfObject> {
  const out = new Map<string, SfObject>();
  for (const [name, spec] of Object.entries(SPECS)) {
    out.set(name.toLowerCase(), build(name, spec.label, spec.plural, spec.fields, KEY_PREFIX[name] as string, spec.history));
    if (spec.history) {
      const h = spec.history;
      out.set(h.object.toLowerCase(), build(h.object, `${spec.label} History`, `${spec.label} History`, historySpec(name, h.parentField), KEY_PREFIX[h.object] as string));
    }
  }
  return out;
}

export function addField(obj: SfObject, field: SfField): void {
  obj.fields.push(field);
  obj.byLower.set(field.name.toLowerCase(), field);
}

/** The describe field object with the keys jsforce's `Field` type declares (§2.6). */
export function describeField(f: SfField): Record<string, unknown> {
  const length = f.length ?? 0;
  const isText = ['string', 'textarea', 'email', 'phone', 'url', 'picklist', 'multipicklist', 'id', 'reference'].includes(f.type);
  const soap: Record<SfType, string> = {
    id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', email: 'xsd:string', phone: 'xsd:string', url: 'xsd:string',
    picklist: 'xsd:string', multipicklist: 'xsd:string', boolean: 'xsd:boolean', double: 'xsd:double', currency: 'xsd:double', percent: 'xsd:double',
    int: 'xsd:int', date: 'xsd:date', datetime: 'xsd:dateTime', anyType: 'xsd:anyType',
  };
  const longText = f.type === 'textarea' && length > 255;
  const defaulted = f.type === 'boolean' || f.type === 'id' || f.name === 'OwnerId' || ['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'CreatedById', 'LastModifiedById'].includes(f.name) || !!f.defaultPicklist;
  return {
    aggregatable: !longText && f.type !== 'multipicklist',
    aiPredictionField: false,
    autoNumber: false,
    byteLength: isText ? (f.type === 'multipicklist' ? length : length * 3) : 0,
    calculated: false,
    calculatedFormula: null,
    cascadeDelete: false,
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: f.createable,
    custom: !!f.custom,
    defaultValue: null,
    defaultValueFormula: null,
    defaultedOnCreate: defaulted,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.digits ?? 0,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: !!f.externalId,
    extraTypeInfo: f.type === 'textarea' ? 'plaintextarea' : null,
    filterable: f.filterable ?? !longText,
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: !['double', 'currency', 'percent', 'datetime', 'multipicklist'].includes(f.type) && !longText,
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === 'id' || f.type === 'email' || !!f.externalId,
    inlineHelpText: null,
    label: f.label,
    length: isText ? length : 0,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.name === 'Name',
    namePointing: (f.referenceTo?.length ?? 0) > 1,
    nillable: !f.required && f.type !== 'boolean' && f.type !== 'id' && !(['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'CreatedById', 'LastModifiedById'].includes(f.name)),
    permissionable: !!f.custom || (!f.required && f.createable),
    picklistValues: (f.picklist ?? []).map((v) => ({ active: true, defaultValue: v === f.defaultPicklist, label: v, validFor: null, value: v })),
    // A lookup that can point at more than one object (Task.WhoId: Contact or Lead).
    polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
    precision: f.precision ?? 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: !!f.restricted,
    scale: f.scale ?? 0,
    searchPrefilterable: false,
    soapType: soap[f.type],
    sortable: !longText && f.type !== 'multipicklist',
    type: f.type,
    unique: false,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}
