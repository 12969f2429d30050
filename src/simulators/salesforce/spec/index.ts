/**
 * Salesforce's response schemas: derived from the REST API's own OpenAPI description (sObject
 * resources) and written from the documentation pages where Salesforce publishes none (query,
 * collections, limits, Bulk API 2.0…), sources and versions in README.md; and the known errors
 * of that description the simulator is not held to, each with the evidence that Salesforce
 * answers otherwise.
 */
import { readFileSync } from 'node:fs';
import {
  type ConformanceReport,
  type DerivedSpec,
  type SimAnswer,
  type SpecAllowance,
  checkAnswers,
  validate,
} from '../../conformance.js';

export const SALESFORCE_SPEC: DerivedSpec = JSON.parse(
  readFileSync(new URL('./responses.json', import.meta.url), 'utf8'),
);

const DESCRIBE = 'GET /services/data/{version}/sobjects/{sObject}/describe';
const WSDL_OPTIONAL =
  "The OpenAPI description marks nothing nullable (the word occurs once in its 18.9 MB). The SOAP API's Partner WSDL describes the same DescribeSObjectResult, Field and PicklistEntry types and declares these elements minOccurs=\"0\" or nillable=\"true\" (listviewable, lookupLayoutable: minOccurs 0; networkScopeFieldName: nillable); jsforce 3.10.16's lib/api/soap/schema.js, generated from that WSDL, marks the Field ones optional ('?string', '?number', '?FilteredLookupInfo'). REST answers an absent value as null.";
const NULL_FIELD =
  'A record field without a value is answered as null: describe reports these fields nillable: true, and the SOAP API\'s Enterprise WSDL declares every sObject field nillable="true" minOccurs="0". The OpenAPI description marks no property nullable.';

const describeNulls = [
  '$.listviewable',
  '$.lookupLayoutable',
  '$.networkScopeFieldName',
  '$.fields[*].picklistValues[*].validFor',
].concat(
  [
    'calculatedFormula',
    'compoundFieldName',
    'controllerName',
    'defaultValueFormula',
    'extraTypeInfo',
    'filteredLookupInfo',
    'inlineHelpText',
    'mask',
    'maskType',
    'referenceTargetField',
    'relationshipName',
    'relationshipOrder',
  ].map((f) => `$.fields[*].${f}`),
);

/** Only null values are allowed where the description forgot nullability: a value of the wrong type stays a violation. */
export const SALESFORCE_SPEC_ALLOWANCES: SpecAllowance[] = [
  ...describeNulls.map((at) => ({ operation: DESCRIBE, at, nullOnly: true, evidence: WSDL_OPTIONAL })),
  ...Object.keys(SALESFORCE_SPEC.operations)
    .filter((op) => /^GET \/services\/data\/\{version\}\/sobjects\/[A-Za-z]+\/\{id\}$/.test(op))
    .map((operation) => ({ operation, at: '$.*', nullOnly: true, evidence: NULL_FIELD })),
];

/**
 * Records inside query, queryAll and retrieve answers, each checked against its own object's record
 * schema in the description (`attributes.type` names it: `LeadSObject`…), where the operation's
 * schema can only say "a record". Empty fields (null) are allowed as on sObject Rows.
 */
export function recordViolations(answers: SimAnswer[]): string[] {
  const out = new Set<string>();
  for (const a of answers) {
    if (a.status !== 200 || !/\/(query|queryAll)(\/[^/]+)?$|\/composite\/sobjects\/[A-Za-z]+$/.test(a.path))
      continue;
    const records = Array.isArray(a.body)
      ? a.body
      : ((a.body as { records?: unknown[] } | undefined)?.records ?? []);
    for (const r of records as ({ attributes?: { type?: string } } | null)[]) {
      const type = r?.attributes?.type;
      const schema = type ? SALESFORCE_SPEC.schemas[`rest.${type}SObject`] : undefined;
      if (!schema) continue;
      for (const v of validate(schema, r, SALESFORCE_SPEC.schemas, `${type}`))
        if (!v.includes(': null where the spec has')) out.add(v.replace(/\[\d+\]/g, '[*]'));
    }
  }
  return [...out];
}

/**
 * Every answer against the description: `checkAnswers` with the allowances, plus each record of a
 * query or retrieve answer against its object's schema, plus the status-code table for the REST
 * answers no operation describes (a 405 for a method a resource does not take is still a status
 * of the table; a 429 never is).
 */
export function checkSalesforceAnswers(answers: SimAnswer[]): ConformanceReport {
  const report = checkAnswers(SALESFORCE_SPEC, answers, SALESFORCE_SPEC_ALLOWANCES);
  report.violations.push(...recordViolations(answers));
  for (const a of report.unmatched) {
    if (a.path.startsWith('/services/data') && !SALESFORCE_SPEC.statuses?.includes(a.status))
      report.violations.push(
        `${a.method} ${a.path} → ${a.status}: status not in the vendor's status-code table`,
      );
  }
  return report;
}
