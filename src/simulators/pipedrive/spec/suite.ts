/**
 * What the Pipedrive conformance suites share (`../conformance.<suite>.integration.test.ts`, the
 * simulator driven through the `pipedrive` npm client v33, plus raw HTTP where the SDK hides what
 * is being checked; each quirk cites its section of docs/reference/pipedrive.md): the simulator
 * they start, the API groups each one answers for, and the check of their answers against
 * Pipedrive's published description.
 */
import { type ConformanceReport, type SimAnswer, type SuiteOperations, checkAnswers, unansweredOperations } from '../../conformance.js';
import { type RunningPipedriveSimulator, startPipedriveSimulator } from '../index.js';
import { PIPEDRIVE_SPEC, PIPEDRIVE_SPEC_ALLOWANCES, specPath } from './index.js';

/**
 * The operations each suite answers: entities (persons, organizations, deals, activities, v2 and
 * v1, their searches, notes); fields; the catalogue (pipelines, stages, products, followers,
 * activity types, users); changes (changelog, flow, recents, webhooks).
 */
export const PIPEDRIVE_SUITES: SuiteOperations = {
  entities: /^\S+ \/(api\/v2|v1)\/((persons|organizations|deals|activities)(\/\{id\}|\/search|\/archived)?|itemSearch|notes(\/\{id\})?)$/,
  fields: /^\S+ \/(api\/v2|v1)\/(person|organization|deal)Fields(\/|$)/,
  catalog: /^\S+ \/(api\/v2|v1)\/((pipelines|stages|products|activityTypes|users)(\/|$)|deals\/products$|\S+\/(products|followers)(\/|$))/,
  changes: /^\S+ \/v1\/(recents|webhooks(\/\{id\})?|\S+\/(changelog|flow))$/,
};

/** The simulator of one suite: 400 records, seed 5, webhook retries 1,000 times faster; every answer goes to `answers`. */
export function startConformanceSimulator(answers: SimAnswer[]): Promise<RunningPipedriveSimulator> {
  return startPipedriveSimulator({ records: 400, seed: 5, webhookRetryScale: 0.001, onAnswer: (a) => answers.push(a) });
}

/** A suite's answers against the spec, and the operations of the suite that never answered. */
export function checkSuite(suite: string, answers: SimAnswer[]): { report: ConformanceReport; unanswered: string[] } {
  const report = checkAnswers(PIPEDRIVE_SPEC, answers, PIPEDRIVE_SPEC_ALLOWANCES, specPath);
  return { report, unanswered: unansweredOperations(PIPEDRIVE_SPEC, PIPEDRIVE_SUITES, suite, report) };
}

/** A request with the API token (or `token`), JSON by default. */
export function rawRequest(sim: RunningPipedriveSimulator, path: string, init: RequestInit = {}, token: string | null = sim.token): Promise<Response> {
  return fetch(`${sim.url}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(token ? { 'x-api-token': token } : {}), ...(init.headers ?? {}) } });
}

/**
 * One call of a suite's sweep over its operations, answering `data`; like any client of
 * Pipedrive, it waits out the burst limit (§6.3) instead of failing on it, and any other answer
 * from 300 up fails the sweep.
 */
export function sweepCall(sim: RunningPipedriveSimulator): (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>> {
  return async (method, path, body) => {
    let res: Response;
    for (;;) {
      res = body === undefined ? await fetch(`${sim.url}${path}`, { method, headers: { 'x-api-token': sim.token } }) : await rawRequest(sim, path, { method, body: JSON.stringify(body) });
      if (res.status !== 429) break;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? res.headers.get('x-ratelimit-reset') ?? 1) * 1000));
    }
    const json = (await res.json()) as { data?: Record<string, unknown> | null };
    if (res.status >= 300) throw new Error(`${method} ${path}: ${JSON.stringify(json).slice(0, 200)}: status ${res.status}, expected below 300`);
    return json.data as Record<string, unknown>;
  };
}

export async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}
