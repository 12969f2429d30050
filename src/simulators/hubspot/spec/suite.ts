/**
 * What the HubSpot conformance suites share (`../conformance.<suite>.integration.test.ts`, driven
 * only through `@hubspot/api-client` 14.0.1, as the connector and any user would; each quirk cites
 * its section of docs/reference/hubspot.md): the simulator they start, the API groups each one
 * answers for, and the check of their answers against HubSpot's published description.
 */
import { type ConformanceReport, type SimAnswer, type SuiteOperations, checkAnswers, unansweredOperations } from '../../conformance.js';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../index.js';
import { HUBSPOT_SPEC, HUBSPOT_SPEC_ALLOWANCES, specPath } from './index.js';

/** The operations each suite answers: records, batch, merge and owners; search; associations; the account's settings (properties and groups, webhooks, OAuth). */
export const HUBSPOT_SUITES: SuiteOperations = {
  objects: /^\S+ \/crm\/v3\/(objects\/(?!\{objectType\}\/search$)|owners)/,
  search: /^POST \/crm\/v3\/objects\/\{objectType\}\/search$/,
  associations: /^\S+ \/crm\/(v4|associations\/v4)\//,
  account: /^\S+ \/(crm\/v3\/properties|webhooks|oauth)\//,
};

/** The simulator of one suite: 120 records, seed 7; every answer goes to `answers`. */
export function startConformanceSimulator(answers: SimAnswer[]): Promise<RunningHubspotSimulator> {
  // The 5/s search limit is raised here; its own test runs at the real value (§4.4).
  return startHubspotSimulator({
    records: 120,
    seed: 7,
    clientSecret: 'test-secret',
    searchPerSecond: 100,
    onAnswer: (a) => answers.push(a),
  });
}

/** A suite's answers against the spec, and the operations of the suite that never answered. */
export function checkSuite(suite: keyof typeof HUBSPOT_SUITES, answers: SimAnswer[]): { report: ConformanceReport; unanswered: string[] } {
  const report = checkAnswers(HUBSPOT_SPEC, answers, HUBSPOT_SPEC_ALLOWANCES, specPath);
  return { report, unanswered: unansweredOperations(HUBSPOT_SPEC, HUBSPOT_SUITES, suite, report) };
}

/** How the client rejects: the status, the parsed body and the headers. */
export interface ApiError {
  code: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}
