/**
 * What every simulator exposes, whatever CRM it imitates: the same start options, the same control
 * API (`/_sim/…`, outside the CRM's own paths) and the same in-process handle for tests and the demo.
 */
import type { CrmName } from '../crm/types.js';
import type { SimAnswer } from './conformance.js';

export interface SimulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Seed of the deterministic data generator. */
  seed?: number;
  /** How many contacts/persons to seed (companies, deals, leads scale with it). */
  records?: number;
  /** The only accepted API token (others are answered the way the CRM answers a bad token). */
  token?: string;
  /** HubSpot: the app secret webhooks are signed with. Others: ignored. */
  clientSecret?: string;
  /** Where change events are delivered (also settable through the CRM's own subscription API). */
  webhookUrl?: string;
  /** Load state from / save state to this file. */
  snapshotFile?: string;
  /** Access-token lifetime for the OAuth endpoint, seconds. */
  tokenTtlSeconds?: number;
  /** Override the CRM's documented rate limit (tests use tight limits). */
  rateLimit?: { callsPerWindow: number; windowMs: number };
  /** Called with every answer the simulator gives (the conformance suites check them against the vendor's spec). */
  onAnswer?: (answer: SimAnswer) => void;
  /** Extra options a single simulator understands. */
  [key: string]: unknown;
}

/** Faults a test or the demo injects. Shares are 0..1. */
export interface SimFaults {
  webhookDrop?: number;
  webhookDuplicate?: number;
  webhookReorder?: boolean;
  webhookDelayMs?: number;
  /** Every API answer held this long, a round trip to the CRM's servers (the control paths are not). */
  latencyMs?: number;
  /** Share of API calls refused as over a limit (on top of the real limits): 429, or the CRM's own refusal where it never answers 429. */
  error429?: number;
  /** Share of API calls answered 500. */
  error500?: number;
  /** Only calls whose method is in this list get injected errors (default: writes only: POST/PATCH/PUT/DELETE). */
  errorMethods?: string[];
  /** Seed for the fault draws: the same seed gives the same faults on the same calls (default: unseeded). */
  seed?: number;
}

export interface SimStats {
  /** Every API call, by `METHOD /path-template`. */
  calls: Record<string, number>;
  totalCalls: number;
  /** Record-field changes made through the API (integration) and through rep edits (human). */
  integrationWrites: number;
  humanWrites: number;
  rateLimited: number;
  webhooksDelivered: number;
  webhooksFailed: number;
  /** How long the sender waited for each acknowledged delivery's answer, ms (the most recent 20,000). */
  webhookResponseMs: number[];
  tokenRefreshes: number;
  /** The most calls that reached the simulator in any one rate-limit window (rolling, refused calls included). */
  peakCallsPerWindow: number;
  /** That window, ms (0 before the first call). */
  peakWindowMs: number;
}

/** A change made "by a rep" through the control API: recorded in history and webhooks as a human. */
export interface RepEdit {
  /** The simulator's object name as its API names it ('contacts', 'Lead', 'persons' …). */
  object: string;
  id: string;
  fields: Record<string, unknown>;
  userId?: string;
}

export interface RunningSimulator {
  crm: CrmName;
  /** http://127.0.0.1:PORT */
  url: string;
  /** What the official client takes as its base URL (HubSpot: url; Salesforce: instance url; Pipedrive: url + '/api/v2' etc. — see each simulator). */
  apiBase: string;
  token: string;
  /** In-process control, the same as the HTTP control API. */
  repEdit(edit: RepEdit): Promise<void>;
  setFaults(faults: SimFaults): void;
  stats(): SimStats;
  resetStats(): void;
  /** The seeded ground truth (same people / companies, intent labels). */
  groundTruth(): unknown;
  close(): Promise<void>;
}

/** The flags of `inrecord sim` that set a simulator's webhook credentials. */
export interface SimWebhookOptions {
  clientSecret?: string;
  webhookUrl?: string;
  webhookUser?: string;
  webhookPassword?: string;
}

/** A field the demo creates before `check --fix`: a type the check cannot infer from the flow (usage aggregates, an intent picklist). */
export interface DemoFieldSpec {
  object: 'contact' | 'company' | 'deal' | 'lead';
  name: string;
  label: string;
  type: 'date' | 'number' | 'string' | 'picklist';
  options?: string[];
}

/** The gates the demo's flows use: the same bar for every CRM. */
export interface DemoGates {
  /** A flow's outputs judged on sampled labels. */
  gate: { mode: 'gated'; threshold: number; sampleSize: number };
  /** Scores judged on the CRM's later outcomes. */
  scoreGate: { mode: 'gated'; threshold: number; sampleSize: number };
}

/**
 * The demo on a simulator's seeded world: the inrecord.yaml a RevOps engineer would write for
 * that CRM, with its own field names, and the signal flows beside it.
 */
export interface DemoSetup {
  /** Options the demo starts the simulator with beside seed and size; its rate limit is also the connector's. */
  simulator?: { searchPerSecond?: number; rateLimit?: { callsPerWindow: number; windowMs: number } };
  /** The config as written (the demo parses it), from the connection to the simulator. */
  config(
    base: { crm: { kind: CrmName; baseUrl: string; auth: { token: string } } },
    gates: DemoGates,
  ): object;
  /** Signal flows (intent, deal risk, usage) added to the config, and the fields they need created first. */
  signals(gates: DemoGates): {
    fields: DemoFieldSpec[];
    objects: Record<string, { fields: Record<string, unknown> }>;
    flows: unknown[];
  };
}

/**
 * A simulator as the CLI and the demo know it (`src/simulators/<crm>/entry.ts`, read through the
 * simulators' registry by the CRM's name).
 */
export interface SimulatorEntry {
  /** Loads the simulator's server on first use (it is large). */
  start(): Promise<(opts: SimulatorOptions) => Promise<RunningSimulator>>;
  /** What the config's `crm.webhooks` must hold for this simulator's deliveries to be accepted (`inrecord sim` prints it). */
  webhookSettings(sim: RunningSimulator, opts: SimWebhookOptions): Record<string, string>;
  demo: DemoSetup;
}
