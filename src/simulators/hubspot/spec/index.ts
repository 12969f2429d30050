/**
 * HubSpot's response schemas, derived from its public OpenAPI spec collection (sources and
 * versions in README.md), and the known errors of that description the simulator is not held to,
 * each with the evidence that the real API answers otherwise.
 */
import { readFileSync } from 'node:fs';
import type { DerivedSpec, SpecAllowance } from '../../conformance.js';

export const HUBSPOT_SPEC: DerivedSpec = JSON.parse(readFileSync(new URL('./responses.json', import.meta.url), 'utf8'));

const NULL_PROPERTY =
  'A requested property without a value is returned as null: field reports (https://intercom.help/apideck/en/articles/8548809-why-are-some-properties-missing-in-api-responses) and @hubspot/api-client CHANGELOG "Nullable properties in SimplePublicObject" (its models type the values string | null); the spec says string.';
const NUMERIC_IDS =
  "The associations v4 guide's own examples (https://developers.hubspot.com/docs/api/crm/associations) answer toObjectId/fromObjectId as JSON numbers; the spec says string.";
const NULL_LABEL =
  'The associations v4 guide\'s batch-read example answers the unlabelled default type as {"category":"HUBSPOT_DEFINED","typeId":279,"label":null}; the spec says string.';

/**
 * The path of an answer as the spec names it. Association labels: the official client's
 * DefinitionsApi (and HubSpot's guide) call `/crm/v4/associations/{from}/{to}/labels`, the spec
 * names the same operations `/crm/associations/v4/…` (the client's LabelsApi). Merging deals: the
 * client calls `/crm/v3/objects/deals/merge`, the spec writes the type as its id, `0-3`, which
 * every objects path accepts in place of the name.
 */
export const specPath = (path: string): string => {
  const labels = /^\/crm\/v4\/associations\/([^/]+)\/([^/]+)\/labels(\/.*)?$/.exec(path);
  if (labels) return `/crm/associations/v4/${labels[1]}/${labels[2]}/labels${labels[3] ?? ''}`;
  return path === '/crm/v3/objects/deals/merge' ? '/crm/v3/objects/0-3/merge' : path;
};

const records = ['GET /crm/v3/objects/{objectType}', 'POST /crm/v3/objects/{objectType}/search', 'POST /crm/v3/objects/{objectType}/batch/read'];
const record = ['GET /crm/v3/objects/{objectType}/{objectId}', 'PATCH /crm/v3/objects/{objectType}/{objectId}', 'POST /crm/v3/objects/{objectType}'];

export const HUBSPOT_SPEC_ALLOWANCES: SpecAllowance[] = [
  ...records.map((operation) => ({ operation, at: '$.results[*].properties.*', evidence: NULL_PROPERTY })),
  ...record.map((operation) => ({ operation, at: '$.properties.*', evidence: NULL_PROPERTY })),
  { operation: 'PUT /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}', at: '$.fromObjectId', evidence: NUMERIC_IDS },
  { operation: 'PUT /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}', at: '$.toObjectId', evidence: NUMERIC_IDS },
  { operation: 'GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}', at: '$.results[*].toObjectId', evidence: NUMERIC_IDS },
  { operation: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', at: '$.results[*].fromObjectId', evidence: NUMERIC_IDS },
  { operation: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', at: '$.results[*].toObjectId', evidence: NUMERIC_IDS },
  { operation: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read', at: '$.results[*].to[*].toObjectId', evidence: NUMERIC_IDS },
  { operation: 'GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}', at: '$.results[*].associationTypes[*].label', evidence: NULL_LABEL },
  { operation: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read', at: '$.results[*].to[*].associationTypes[*].label', evidence: NULL_LABEL },
  { operation: 'GET /crm/associations/v4/{fromObjectType}/{toObjectType}/labels', at: '$.results[*].label', evidence: NULL_LABEL },
];
