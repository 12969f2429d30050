/**
 * The API groups of the Salesforce conformance suites (`../conformance.<suite>.integration.test.ts`,
 * driven through jsforce v3; each quirk cites its section of docs/reference/salesforce.md), and the
 * check of a suite's answers against Salesforce's published description.
 */
import {
  type ConformanceReport,
  type SimAnswer,
  type SuiteOperations,
  unansweredOperations,
} from '../../conformance.js';
import { SALESFORCE_SPEC, checkSalesforceAnswers } from './index.js';

/**
 * The operations each suite answers: sobjects, those of one object (`/sobjects/Lead`,
 * `/sobjects/Lead/{id}`); bulk, Bulk API 2.0 jobs; core, the rest (versions, describe global and
 * `{sObject}` resources, query, sObject Collections, /limits, the Tooling API, identity, OAuth);
 * composite, upsert, read and delete by external id and the composite resources.
 */
const COMPOSITE =
  'sobjects\\/\\{sObject\\}\\/\\{fieldName\\}\\/|composite\\/sobjects\\/\\{sObject\\}\\/\\{fieldName\\}$|composite(\\/batch|\\/tree\\/\\{sObject\\})?$|search$';
export const SALESFORCE_SUITES: SuiteOperations = {
  core: new RegExp(
    `^(?!\\S+ \\/services\\/data\\/\\{version\\}\\/(jobs\\/|sobjects\\/[A-Z][A-Za-z]*(\\/\\{id\\})?$|${COMPOSITE}))`,
  ),
  sobjects: /^\S+ \/services\/data\/\{version\}\/sobjects\/[A-Z][A-Za-z]*(\/\{id\})?$/,
  bulk: /^\S+ \/services\/data\/\{version\}\/jobs\//,
  composite: new RegExp(`^\\S+ \\/services\\/data\\/\\{version\\}\\/(${COMPOSITE})`),
};

/** A suite's answers against the description, and the operations of the suite that never answered. */
export function checkSuite(
  suite: keyof typeof SALESFORCE_SUITES,
  answers: SimAnswer[],
): { report: ConformanceReport; unanswered: string[] } {
  const report = checkSalesforceAnswers(answers);
  return { report, unanswered: unansweredOperations(SALESFORCE_SPEC, SALESFORCE_SUITES, suite, report) };
}
