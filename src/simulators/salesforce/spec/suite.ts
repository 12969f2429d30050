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
 * `{sObject}` resources, query, sObject Collections, /limits, the Tooling API, identity, OAuth).
 */
export const SALESFORCE_SUITES: SuiteOperations = {
  core: /^(?!\S+ \/services\/data\/\{version\}\/(jobs\/|sobjects\/[A-Z][A-Za-z]*(\/\{id\})?$))/,
  sobjects: /^\S+ \/services\/data\/\{version\}\/sobjects\/[A-Z][A-Za-z]*(\/\{id\})?$/,
  bulk: /^\S+ \/services\/data\/\{version\}\/jobs\//,
};

/** A suite's answers against the description, and the operations of the suite that never answered. */
export function checkSuite(
  suite: keyof typeof SALESFORCE_SUITES,
  answers: SimAnswer[],
): { report: ConformanceReport; unanswered: string[] } {
  const report = checkSalesforceAnswers(answers);
  return { report, unanswered: unansweredOperations(SALESFORCE_SPEC, SALESFORCE_SUITES, suite, report) };
}
