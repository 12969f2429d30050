/**
 * One monitoring run: read the window's figures from the store, judge them (assess.ts), record
 * metrics, alerts and the report, deliver alerts, and send drifting gated flows back to shadow.
 */
import { type FlowConfig, type InrecordConfig, durationMs } from '../config/index.js';
import type { FetchLike, RaisedAlert } from './alerts.js';
import { raiseAlerts } from './alerts.js';
import {
  type AlertDraft,
  type DriftResult,
  type IdentityFigures,
  type WriteFigures,
  chooseBinning,
  flowAlerts,
  globalAlerts,
  identityFigures,
  measureDrift,
  monitorDue,
  writeFigures,
} from './assess.js';
import { type GateDecisionRecord, type GateStatus, fallBackToShadow, gateStatus } from '../gate/index.js';
import { activeModelVersion, storedTrainingScores } from '../flows/index.js';
import { countRuleLinks } from '../identity/index.js';
import { deadLetterCounts } from '../jobs/index.js';
import { countReviewItemsByStatus } from '../review/index.js';
import { type Sql, type Store, metricHistory, recordMetrics } from '../store/index.js';
import { fieldUpdates, ledgerNumbers, ledgerOutcomes } from '../writeback/index.js';
import { latestModelVersion, shadowNumbers } from '../gate/index.js';
import { insertReport, lastReportAt } from './queries.js';

/**
 * Identity decisions in the window: links the rules made, and identity review items by kind of
 * failure — the decision's status from the item's payload, the reason text as the last resort;
 * items that fit neither are counted as `other`, never dropped.
 */
async function identityCounts(store: Sql, from: Date, to: Date): Promise<{ linked: number; unmatched: number; ambiguous: number; otherReview: number }> {
  const by = { unmatched: 0, ambiguous: 0, other: 0 };
  for (const r of await countReviewItemsByStatus(store, { kind: 'identity', createdFrom: from, createdTo: to })) {
    const k = r.status === 'ambiguous' || (!r.status && /ambiguous/i.test(r.reason)) ? 'ambiguous' : r.status === 'unmatched' || (!r.status && /unmatched/i.test(r.reason)) ? 'unmatched' : 'other';
    by[k] += Number(r.n);
  }
  return { linked: await countRuleLinks(store, from, to), unmatched: by.unmatched, ambiguous: by.ambiguous, otherReview: by.other };
}

/** The numbers a flow's model produced for its score output: what it would have written (shadow) and what it meant to write (ledger). */
async function observedScores(store: Sql, a: { flow: string; output: string; field: string | null; from: Date; to: Date; modelVersion?: string | null }): Promise<number[]> {
  return [...(await shadowNumbers(store, a)), ...(a.field ? await ledgerNumbers(store, { flow: a.flow, field: a.field, from: a.from, to: a.to }) : [])];
}

/**
 * Where a flow's training score distribution comes from. The flows module stores it with the
 * trained model; callers pass a function that reads it (or plain arrays in tests and the CLI).
 */
export type ReferenceSource = (
  flow: FlowConfig,
  modelVersion: string,
) => Promise<number[] | null> | number[] | null;

export interface FieldFrequency {
  object: string;
  field: string;
  writes: number;
  records: number;
  /** Writes per record in the window: > 1 means the field is rewritten (churn). */
  writesPerRecord: number;
  writesPerDay: number;
}

export interface FlowReport {
  flow: string;
  kind: string;
  object: string;
  modelVersion: string;
  scoreOutput: string | null;
  gate: GateStatus;
  drift: DriftResult;
  /** Recent PSI values, oldest first, this run's last. */
  psiHistory: number[];
  writes: WriteFigures;
  fields: FieldFrequency[];
  /** Set when this run sent the flow back to shadow. */
  fellBackToShadow: GateDecisionRecord | null;
}

export interface MonitorReport {
  id: number | null;
  at: string;
  trigger: 'schedule' | 'demand';
  window: { from: string; to: string; days: number };
  flows: FlowReport[];
  identity: IdentityFigures;
  deadLetters: { open: number; newInWindow: number; byQueue: Record<string, number> };
  alerts: RaisedAlert[];
  thresholds: InrecordConfig['monitor'];
}

export interface RunMonitorOptions {
  trigger?: 'schedule' | 'demand';
  now?: Date;
  /** Window length; default `monitor.schedule`. */
  windowMs?: number;
  /** Training distributions; default: those the flows module stored with each model (flow_models). */
  references?: ReferenceSource | Record<string, number[]>;
  /** Model version per flow name; default the latest seen in the store, else `default`. */
  modelVersions?: Record<string, string>;
  /** Only these flows. */
  flows?: string[];
  /** Deliver alerts to `monitor.alertWebhook` (default true). */
  notify?: boolean;
  fetchImpl?: FetchLike;
  /** Recorded as `decided_by` on drift fallbacks. */
  by?: string;
  /** Record metrics, alerts and the report (default true). */
  persist?: boolean;
}

/** The output whose distribution is watched: `score` when the flow has one, else its first output. */
export function scoreOutputOf(flow: FlowConfig): string | null {
  const names = Object.keys(flow.outputs);
  if (names.includes('score')) return 'score';
  return names[0] ?? null;
}

async function referenceFor(
  store: Store,
  src: RunMonitorOptions['references'],
  flow: FlowConfig,
  version: string,
): Promise<number[] | null> {
  // Without an explicit one: the distribution the flows module stored with the trained model.
  const given = !src ? null : typeof src === 'function' ? await src(flow, version) : src[flow.name];
  return given && given.length > 0 ? given : storedTrainingScores(store, flow.name, version);
}

export async function runMonitor(
  store: Store,
  config: InrecordConfig,
  opts: RunMonitorOptions = {},
): Promise<MonitorReport> {
  const t = config.monitor;
  const now = opts.now ?? new Date();
  const windowMs = opts.windowMs ?? durationMs(t.schedule);
  const from = new Date(now.getTime() - windowMs);
  const days = windowMs / 86_400_000;
  const persist = opts.persist !== false;
  const by = opts.by ?? 'monitor';
  const drafts: AlertDraft[] = [];
  const flows: FlowReport[] = [];
  const metricRows: { name: string; labels: Record<string, string>; value: number; at: Date }[] = [];

  for (const flow of config.flows) {
    if (opts.flows && !opts.flows.includes(flow.name)) continue;
    const modelVersion =
      opts.modelVersions?.[flow.name] ??
      (await latestModelVersion(store, flow.name)) ??
      (await activeModelVersion(store, flow.name)) ??
      'default';
    const scoreOutput = scoreOutputOf(flow);
    const observed = scoreOutput
      ? await observedScores(store, {
          flow: flow.name,
          output: scoreOutput,
          field: flow.outputs[scoreOutput] ?? null,
          from,
          to: now,
          modelVersion,
        })
      : [];
    const reference = await referenceFor(store, opts.references, flow, modelVersion);
    const drift = measureDrift(
      reference,
      observed,
      t,
      reference ? chooseBinning(reference, flow.kind) : undefined,
    );
    const writes = writeFigures(await ledgerOutcomes(store, flow.name, from, now));
    const fields = (await fieldUpdates(store, flow.name, from, now)).map((f) => ({
      ...f,
      writesPerRecord: f.records === 0 ? 0 : f.writes / f.records,
      writesPerDay: f.writes / days,
    }));
    const alerts = flowAlerts(flow.name, drift, writes, t);
    drafts.push(...alerts);

    let fellBackToShadow: GateDecisionRecord | null = null;
    if (drift.level === 'alert' && persist) {
      fellBackToShadow = await fallBackToShadow(store, {
        flow,
        modelVersion,
        by,
        reason: `drift alert: ${drift.reason}; back to shadow until a new sample passes`,
        figures: { psi: drift.psi, ks: drift.ks, n: drift.n, referenceN: drift.referenceN },
      });
    }
    const gate = await gateStatus(store, flow, modelVersion);

    const labels = { flow: flow.name, modelVersion };
    if (drift.psi !== null) metricRows.push({ name: 'monitor.psi', labels, value: drift.psi, at: now });
    if (drift.ks) metricRows.push({ name: 'monitor.ks_d', labels, value: drift.ks.d, at: now });
    if (writes.successRate !== null)
      metricRows.push({ name: 'monitor.write_success_rate', labels, value: writes.successRate, at: now });
    if (writes.notAppliedRate !== null)
      metricRows.push({ name: 'monitor.not_applied_rate', labels, value: writes.notAppliedRate, at: now });
    const history = (await metricHistory(store, 'monitor.psi', flow.name, 11)).map((h) => h.value);
    flows.push({
      flow: flow.name,
      kind: flow.kind,
      object: flow.object,
      modelVersion,
      scoreOutput,
      gate,
      drift,
      psiHistory: drift.psi !== null ? [...history, drift.psi] : history,
      writes,
      fields,
      fellBackToShadow,
    });
  }

  const identity = identityFigures(await identityCounts(store, from, now));
  const deadLetters = await deadLetterCounts(store, from, now);
  drafts.push(...globalAlerts(identity, deadLetters, t));
  if (identity.unmatchedRate !== null)
    metricRows.push({ name: 'monitor.unmatched_rate', labels: {}, value: identity.unmatchedRate, at: now });
  if (identity.ambiguousRate !== null)
    metricRows.push({ name: 'monitor.ambiguous_rate', labels: {}, value: identity.ambiguousRate, at: now });
  metricRows.push({ name: 'monitor.dead_letters_open', labels: {}, value: deadLetters.open, at: now });

  const report: MonitorReport = {
    id: null,
    at: now.toISOString(),
    trigger: opts.trigger ?? 'demand',
    window: { from: from.toISOString(), to: now.toISOString(), days },
    flows,
    identity,
    deadLetters,
    alerts: [],
    // An incoming webhook's path is its secret: the report (stored, printed with --json) keeps the host.
    thresholds: { ...t, alertWebhook: t.alertWebhook ? webhookOrigin(t.alertWebhook) : undefined },
  };
  if (!persist) {
    report.alerts = drafts.map((d, i) => ({
      ...d,
      id: -(i + 1),
      delivery: 'none',
      delivery_error: null,
      created_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
    }));
    return report;
  }
  await recordMetrics(store, metricRows);
  report.alerts = await raiseAlerts(store, drafts, {
    at: now,
    webhook: opts.notify === false ? undefined : t.alertWebhook,
    repeatSince: new Date(now.getTime() - durationMs(t.schedule)),
    fetchImpl: opts.fetchImpl,
  });
  report.id = await insertReport(store, { trigger: report.trigger, from, to: now, report });
  return report;
}

/** The schedule's entry point (jobs / the daemon call it periodically): runs only when due. */
export async function runMonitorIfDue(
  store: Store,
  config: InrecordConfig,
  opts: RunMonitorOptions = {},
): Promise<MonitorReport | null> {
  const now = opts.now ?? new Date();
  const last = await lastReportAt(store, 'schedule');
  if (!monitorDue(last, durationMs(config.monitor.schedule), now)) return null;
  return runMonitor(store, config, { ...opts, now, trigger: 'schedule' });
}

function webhookOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
}
