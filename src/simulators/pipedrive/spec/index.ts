/**
 * Pipedrive's response schemas, derived from its published OpenAPI v1 and v2 files (sources and
 * versions in README.md), and the known errors of that description the simulator is not held to,
 * each with the evidence that the real API answers otherwise.
 */
import { readFileSync } from 'node:fs';
import type { DerivedSpec, SpecAllowance } from '../../conformance.js';

export const PIPEDRIVE_SPEC: DerivedSpec = JSON.parse(readFileSync(new URL('./responses.json', import.meta.url), 'utf8'));

/** `/api/v1/…` is the same API as `/v1/…`, the path the spec's server names. */
export const specPath = (path: string): string => (path.startsWith('/api/v1/') ? path.slice(4) : path);

/**
 * Pipedrive's files mark few fields `nullable`, while their own descriptions and examples answer
 * null for them. Each entry: the field (in a single answer `$.data.x`, in a list `$.data[*].x`) and
 * where the spec itself shows the null.
 */
const NULLS: [string, string][] = [
  ['$.additional_data.next_cursor', 'v2 spec, description of every next_cursor: "will be `null` if you have reached the end of the dataset"'],
  ['picture_id', 'v1 spec examples of persons ("picture_id: null", e.g. GET /persons/{id})'],
  ['org_id', 'v1 spec examples of persons and notes ("org_id: null")'],
  ['person_id', 'v1 spec examples of deals and notes without a person ("person_id: null")'],
  ['deal_id', 'v1 spec examples of notes on a person only'],
  ['lead_id', 'v1 spec examples of notes not on a lead'],
  ['won_time', 'v1 spec examples of open deals ("won_time: null")'],
  ['lost_time', 'v1 spec examples of open deals ("lost_time: null")'],
  ['org_name', 'v1 spec examples of persons without an organization'],
  ['public_description', 'v2 activities: an activity created without one answers null (reference pipedrive.md §3.5)'],
  ['description', 'v2 fields: a field created without a description answers null (reference pipedrive.md §4.1)'],
  ['deal', 'v1 spec examples of notes: the related-object summaries are null when the note is not on one'],
  ['person', 'v1 spec examples of notes: the related-object summaries are null when the note is not on one'],
  ['organization', 'v1 spec examples of notes: the related-object summaries are null when the note is not on one'],
  ['user.icon_url', 'v1 spec examples of notes and users ("icon_url: null")'],
  ['address', 'v1 spec examples of organizations without an address ("address: null")'],
  ['item.address', 'v2 organization search: an organization without an address answers null (reference pipedrive.md §3.1)'],
];

export const PIPEDRIVE_SPEC_ALLOWANCES: SpecAllowance[] = [
  ...NULLS.flatMap(([field, evidence]) =>
    field.startsWith('$')
      ? [{ operation: '*', at: field, evidence }]
      : [
          { operation: '*', at: `$.data.${field}`, evidence },
          { operation: '*', at: `$.data[*].${field}`, evidence },
          { operation: '*', at: `$.data.items[*].${field}`, evidence },
        ],
  ),
  ...['GET /v1/personFields', 'GET /v1/organizationFields', 'GET /v1/dealFields'].map((operation) => ({
    operation,
    at: '$.data[*].field_type',
    evidence: 'v1 lists 17 field types, while the v2 spec of the same fields (GET /api/v2/dealFields) lists the ones Pipedrive answers for system fields too: int, stage, status, …',
  })),
  {
    operation: 'GET /v1/recents',
    at: '$.data[*].item',
    evidence: 'the response enum says only "activityType", while the operation\'s own `items` parameter lists activity, deal, note, person, organization, … (the kinds recents are answered for)',
  },
  {
    operation: '*',
    at: '$.data',
    evidence: 'v1 lists answer data: null when empty (reference pipedrive.md §2, "data:null when empty"); the spec says array',
  },
];
