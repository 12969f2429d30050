/**
 * Email, meeting and call engagements: CRM v3 objects like notes and tasks (reference §7.4; HubSpot's
 * "Activities | Email / Meetings / Calls" guides). Their default properties, object type ids,
 * HubSpot-defined association type ids to contacts, companies and deals (SDK `AssociationTypes`:
 * emailToContact 198, meetingToDeal 212, callToCompany 182, …), the values HubSpot fills in on
 * create (a meeting's hs_timestamp defaults to its start; an email's from/to properties are read
 * from hs_email_headers) and how each shows on a record's timeline. Pure: state.ts, schema.ts,
 * routes/ and page.ts take these tables.
 */
import type { PropertyDef, PropertyOption } from './schema.js';

export const ENGAGEMENT_TYPES = ['emails', 'meetings', 'calls'] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

export function isEngagement(type: string): type is EngagementType {
  return (ENGAGEMENT_TYPES as readonly string[]).includes(type);
}

/** Path segments (plural, singular, object type id) → engagement type. */
export const ENGAGEMENT_SEGMENTS: Record<string, EngagementType> = {
  emails: 'emails',
  email: 'emails',
  '0-49': 'emails',
  meetings: 'meetings',
  meeting: 'meetings',
  '0-47': 'meetings',
  calls: 'calls',
  call: 'calls',
  '0-48': 'calls',
};

export const ENGAGEMENT_TYPE_IDS: Record<EngagementType, string> = { emails: '0-49', meetings: '0-47', calls: '0-48' };
export const ENGAGEMENT_UPPER: Record<EngagementType, string> = { emails: 'EMAIL', meetings: 'MEETING', calls: 'CALL' };

/** Association type ids [engagement → record, record → engagement] (SDK AssociationTypes enum). */
export const ENGAGEMENT_ASSOC: Record<string, { unlabeled: [number, number] }> = {
  'emails>contacts': { unlabeled: [198, 197] },
  'emails>companies': { unlabeled: [186, 185] },
  'emails>deals': { unlabeled: [210, 209] },
  'meetings>contacts': { unlabeled: [200, 199] },
  'meetings>companies': { unlabeled: [188, 187] },
  'meetings>deals': { unlabeled: [212, 211] },
  'calls>contacts': { unlabeled: [194, 193] },
  'calls>companies': { unlabeled: [182, 181] },
  'calls>deals': { unlabeled: [206, 205] },
};

/** First ids handed out: unrelated ranges, ids are unique per object type only (§2.1). */
export const ENGAGEMENT_FIRST_IDS: Record<EngagementType, number> = {
  emails: 70_000_000_001,
  meetings: 80_000_000_001,
  calls: 90_000_000_001,
};

export const ENGAGEMENT_QUERY_PROPS: Record<EngagementType, string[]> = {
  emails: ['hs_email_subject', 'hs_email_text'],
  meetings: ['hs_meeting_title', 'hs_meeting_body'],
  calls: ['hs_call_title', 'hs_call_body'],
};

export const ENGAGEMENT_GROUP: Record<EngagementType, string> = { emails: 'email', meetings: 'meeting', calls: 'call' };

type Spec = [name: string, label: string, type: PropertyDef['type'], fieldType: string, extra?: Partial<PropertyDef>];

const options = (values: readonly string[]): PropertyOption[] =>
  values.map((v, i) => ({ label: v.charAt(0) + v.slice(1).toLowerCase().replace(/_/g, ' '), value: v, displayOrder: i, hidden: false }));
const RO: Partial<PropertyDef> = { modificationMetadata: { archivable: false, readOnlyDefinition: true, readOnlyValue: true } };
const OWNER: Partial<PropertyDef> = { externalOptions: true, referencedObjectType: 'OWNER' };
const COMMON_TAIL: Spec[] = [
  ['hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select', OWNER],
  ['hs_attachment_ids', 'Attached file IDs', 'enumeration', 'checkbox', { externalOptions: true }],
  ['hs_createdate', 'Create date', 'datetime', 'date', RO],
  ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', RO],
  ['hs_object_id', 'Record ID', 'number', 'number', RO],
];

/** The properties HubSpot reads out of hs_email_headers (read-only; "Activities | Email"). */
const HEADER_PROPS = [
  'hs_email_from_email',
  'hs_email_from_firstname',
  'hs_email_from_lastname',
  'hs_email_to_email',
  'hs_email_to_firstname',
  'hs_email_to_lastname',
  'hs_email_cc_email',
  'hs_email_bcc_email',
] as const;

export const ENGAGEMENT_SPECS: Record<EngagementType, Spec[]> = {
  emails: [
    ['hs_timestamp', 'Activity date', 'datetime', 'date'],
    ['hs_email_subject', 'Email subject', 'string', 'text'],
    ['hs_email_text', 'Email body', 'string', 'textarea'],
    ['hs_email_html', 'Email HTML body', 'string', 'html'],
    ['hs_email_direction', 'Email direction', 'enumeration', 'select', { options: options(['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL']) }],
    ['hs_email_status', 'Email send status', 'enumeration', 'select', { options: options(['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT']) }],
    ['hs_email_headers', 'Email headers', 'string', 'textarea'],
    ...HEADER_PROPS.map((n): Spec => [n, n.replace(/^hs_email_/, 'Email ').replace(/_/g, ' '), 'string', 'text', RO]),
    ...COMMON_TAIL,
  ],
  meetings: [
    ['hs_timestamp', 'Activity date', 'datetime', 'date'],
    ['hs_meeting_title', 'Meeting name', 'string', 'text'],
    ['hs_meeting_body', 'Meeting description', 'string', 'html'],
    ['hs_internal_meeting_notes', 'Internal meeting notes', 'string', 'html'],
    ['hs_meeting_external_url', 'External URL', 'string', 'text'],
    ['hs_meeting_location', 'Location', 'string', 'text'],
    ['hs_meeting_start_time', 'Start time', 'datetime', 'date'],
    ['hs_meeting_end_time', 'End time', 'datetime', 'date'],
    ['hs_meeting_outcome', 'Meeting outcome', 'enumeration', 'select', { options: options(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED']) }],
    ...COMMON_TAIL,
  ],
  calls: [
    ['hs_timestamp', 'Activity date', 'datetime', 'date'],
    ['hs_call_title', 'Call title', 'string', 'text'],
    ['hs_call_body', 'Call notes', 'string', 'html'],
    ['hs_call_direction', 'Call direction', 'enumeration', 'select', { options: options(['INBOUND', 'OUTBOUND']) }],
    ['hs_call_disposition', 'Call outcome', 'string', 'text'],
    ['hs_call_duration', 'Call duration (ms)', 'number', 'number'],
    ['hs_call_from_number', 'From number', 'string', 'text'],
    ['hs_call_to_number', 'To number', 'string', 'text'],
    ['hs_call_recording_url', 'Recording URL', 'string', 'text'],
    [
      'hs_call_status',
      'Call status',
      'enumeration',
      'select',
      { options: options(['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'NO_ANSWER', 'QUEUED', 'RINGING']) },
    ],
    ...COMMON_TAIL,
  ],
};

interface HeaderAddress {
  email?: unknown;
  firstName?: unknown;
  lastName?: unknown;
}

/** `"Ann Lee <ann@x.com>"` or `"ann@x.com"` → the bare address. */
function bareAddress(v: unknown): string {
  const s = typeof v === 'string' ? v.trim() : '';
  const m = /<([^>]+)>\s*$/.exec(s);
  return (m ? (m[1] as string) : s).trim();
}

/** The read-only from/to/cc/bcc properties HubSpot derives from hs_email_headers (JSON). */
export function emailHeaderValues(headers: string): Record<string, string> {
  let h: { from?: HeaderAddress; to?: HeaderAddress[]; cc?: HeaderAddress[]; bcc?: HeaderAddress[] };
  try {
    h = JSON.parse(headers);
  } catch {
    // Not JSON: HubSpot keeps the string and shows no sender or recipients.
    return {};
  }
  if (!h || typeof h !== 'object') return {};
  const list = (xs: HeaderAddress[] | undefined, k: keyof HeaderAddress) =>
    (Array.isArray(xs) ? xs : [])
      .map((x) => (k === 'email' ? bareAddress(x?.email) : typeof x?.[k] === 'string' ? (x[k] as string) : ''))
      .filter((v) => v !== '')
      .join(';');
  const out: Record<string, string> = {
    hs_email_from_email: bareAddress(h.from?.email),
    hs_email_from_firstname: typeof h.from?.firstName === 'string' ? h.from.firstName : '',
    hs_email_from_lastname: typeof h.from?.lastName === 'string' ? h.from.lastName : '',
    hs_email_to_email: list(h.to, 'email'),
    hs_email_to_firstname: list(h.to, 'firstName'),
    hs_email_to_lastname: list(h.to, 'lastName'),
    hs_email_cc_email: list(h.cc, 'email'),
    hs_email_bcc_email: list(h.bcc, 'email'),
  };
  for (const k of Object.keys(out)) if (out[k] === '') delete out[k];
  return out;
}

export interface MissingValue {
  name: string;
  message: string;
}

/**
 * Completes the values of a new engagement as HubSpot does, or names the missing one: hs_timestamp
 * is required on all three, a meeting's defaults to hs_meeting_start_time; an email's header
 * properties are read from hs_email_headers.
 */
export function completeEngagement(type: EngagementType, values: Record<string, string>): MissingValue | null {
  if (type === 'meetings' && !values.hs_timestamp && values.hs_meeting_start_time) values.hs_timestamp = values.hs_meeting_start_time;
  if (!values.hs_timestamp) return { name: 'hs_timestamp', message: 'hs_timestamp is required' };
  if (type === 'emails' && values.hs_email_headers) Object.assign(values, emailHeaderValues(values.hs_email_headers));
  return null;
}

/** Text for HTML: the record pages and their timelines. */
export const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** One engagement on a record page's timeline, as HubSpot lists it. */
export function engagementTimelineItem(type: EngagementType, props: Record<string, string>, owner: string): string {
  const at = props.hs_timestamp ?? '';
  if (type === 'emails') {
    const dir = props.hs_email_direction === 'INCOMING_EMAIL' ? 'received' : props.hs_email_direction === 'FORWARDED_EMAIL' ? 'forwarded' : 'sent';
    const who = [props.hs_email_from_email ? `from ${props.hs_email_from_email}` : '', props.hs_email_to_email ? `to ${props.hs_email_to_email.split(';').join(', ')}` : '']
      .filter(Boolean)
      .join(' ');
    return `<li><b>Email</b> ${esc(props.hs_email_subject)} · ${dir} ${esc(at)}${who ? ` · ${esc(who)}` : ''} · ${esc(owner)}${props.hs_email_text ? `<div>${esc(props.hs_email_text)}</div>` : ''}</li>`;
  }
  if (type === 'meetings') {
    const span = [props.hs_meeting_start_time, props.hs_meeting_end_time].filter(Boolean).join(' – ');
    return `<li><b>Meeting</b> ${esc(props.hs_meeting_title)} · ${esc(span || at)}${props.hs_meeting_outcome ? ` · ${esc(props.hs_meeting_outcome)}` : ''} · ${esc(owner)}${props.hs_meeting_body ? `<div>${esc(props.hs_meeting_body)}</div>` : ''}</li>`;
  }
  const dir = props.hs_call_direction ? ` · ${props.hs_call_direction.toLowerCase()}` : '';
  return `<li><b>Call</b> ${esc(props.hs_call_title)} · ${esc(at)}${esc(dir)}${props.hs_call_status ? ` · ${esc(props.hs_call_status)}` : ''} · ${esc(owner)}${props.hs_call_body ? `<div>${esc(props.hs_call_body)}</div>` : ''}</li>`;
}
