/**
 * What the ops console shows and does for monitoring and the validation gate, as plain values
 * shaped for its pages (server/types.ts ConsoleActions: gates, listSamples, labelSamples, monitor).
 * The server is wired to these by whoever starts it; this module does not import the server.
 */
import type { InrecordConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { gateStatus, labelSamples, listSamples, samplesOf } from '../gate/index.js';
import { writesPerDay } from '../writeback/index.js';
import { labelsToOpen, latestModelVersion } from '../gate/index.js';
import { latestReport, selectAlerts } from './queries.js';
import { type ReviewDecision, type ReviewResolvers, resolveReviewItem } from '../review/index.js';
import type { MonitorReport, RunMonitorOptions } from './run.js';
import { runMonitor } from './run.js';

export interface ConsoleGate {
  flow: string;
  modelVersion: string;
  mode: string;
  reason: string;
  labelled: number;
  correct: number;
  lowerBound: number | null;
  threshold: number;
  sampleSize: number;
}

export async function consoleGates(store: Store, config: InrecordConfig): Promise<ConsoleGate[]> {
  const out: ConsoleGate[] = [];
  for (const flow of config.flows) {
    const version = (await latestModelVersion(store, flow.name)) ?? 'default';
    const s = await gateStatus(store, flow, version);
    out.push({
      flow: flow.name,
      modelVersion: version,
      mode: s.mode,
      reason: s.reason,
      labelled: s.figures?.n ?? 0,
      correct: s.figures?.correct ?? 0,
      lowerBound: s.figures ? s.figures.lower : null,
      threshold: flow.gate.threshold,
      sampleSize: flow.gate.sampleSize,
    });
  }
  return out;
}

export interface ConsoleSample {
  id: string;
  flow: string;
  modelVersion: string;
  recordId: string;
  field: string;
  value: unknown;
  context?: Record<string, unknown>;
  label?: 'correct' | 'incorrect' | null;
}

/** Unlabelled samples of every flow's latest model version. */
export async function consoleSamples(store: Store, config: InrecordConfig): Promise<ConsoleSample[]> {
  const out: ConsoleSample[] = [];
  for (const flow of config.flows) {
    const version = await latestModelVersion(store, flow.name);
    if (!version) continue;
    for (const s of await listSamples(store, {
      flow: flow.name,
      modelVersion: version,
      status: 'unlabelled',
    })) {
      out.push({
        id: String(s.id),
        flow: s.flow,
        modelVersion: s.model_version,
        recordId: s.output.record_id,
        field: s.output.field ?? s.output.output,
        value: s.output.value,
        context: {
          object: s.output.object,
          currentValue: s.output.current_value,
          confidence: s.output.confidence,
        },
        label: s.label,
      });
    }
  }
  return out;
}

/**
 * Labels the samples a spec names ("s7", "s1-s100 s120") and re-evaluates each touched gate, the
 * way `inrecord review label` does; returns the sentence the console shows.
 */
export async function consoleLabel(
  store: Store,
  config: InrecordConfig,
  samples: string,
  correct: boolean,
  by: string,
): Promise<string> {
  const label = correct ? 'correct' : 'incorrect';
  const { labelled, gates } = await labelSamples(store, config.flows, samplesOf(samples).map((sampleId) => ({ sampleId, label })), by);
  const what = labelled.length === 1 ? `Sample ${labelled[0]?.id} labelled ${label}.` : `${labelled.length} samples labelled ${label}.`;
  const said = gates.map((g) => {
    const more = g.decision.mode === 'shadow' && g.config ? labelsToOpen(g.decision.figures, g.config.gate) : null;
    return ` Gate ${g.flow}@${g.modelVersion}: ${g.decision.mode} — ${g.decision.reason}${more ? ` (at least ${more} more correct labels to open)` : ''}`;
  });
  return what + said.join('');
}

export interface ConsoleMonitor {
  flows: {
    flow: string;
    psi: number | null;
    ks: number | null;
    level: 'ok' | 'warn' | 'alert';
    bins: string[];
    training: number[];
    current: number[];
  }[];
  writeSuccess: { day: string; written: number; failed: number }[];
  alerts: { at: string; flow: string; message: string; level: string }[];
}

function binLabels(edges: number[]): string[] {
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return Array.from({ length: edges.length + 1 }, (_, i) =>
    i === 0
      ? `≤${f(edges[0])}`
      : i === edges.length
        ? `>${f(edges[i - 1])}`
        : `${f(edges[i - 1])}–${f(edges[i])}`,
  );
}

/**
 * The monitoring page: the latest recorded report (a fresh one, not persisted, when none exists),
 * write outcomes per day over two weeks, and the recent alerts.
 */
export async function consoleMonitor(
  store: Store,
  config: InrecordConfig,
  opts: RunMonitorOptions = {},
): Promise<ConsoleMonitor> {
  const report =
    ((await latestReport(store)) as MonitorReport | null) ??
    (await runMonitor(store, config, { ...opts, persist: false }));
  const now = opts.now ?? new Date();
  return {
    flows: report.flows
      .filter((f) => f.drift.histogram)
      .map((f) => ({
        flow: f.flow,
        psi: f.drift.psi,
        ks: f.drift.ks?.d ?? null,
        level: f.drift.level === 'not_judged' ? 'ok' : f.drift.level,
        bins: binLabels(f.drift.histogram?.edges ?? []),
        training: f.drift.histogram?.expected ?? [],
        current: f.drift.histogram?.actual ?? [],
      })),
    writeSuccess: await writesPerDay(store, new Date(now.getTime() - 14 * 86_400_000)),
    alerts: (await selectAlerts(store, { limit: 50 })).map((a) => ({
      at: new Date(a.created_at).toISOString(),
      flow: a.flow ?? '—',
      message: a.message,
      level: a.severity,
    })),
  };
}

/**
 * The console actions this module provides, ready to pass to the server (server/types.ts
 * ConsoleActions: resolveReview, labelSamples, listSamples, gates, monitor).
 */
export function monitorConsoleActions(
  store: Store,
  config: InrecordConfig,
  opts: { resolvers?: ReviewResolvers; monitor?: RunMonitorOptions } = {},
) {
  return {
    resolveReview: async (
      id: number,
      decision: { action: string; candidateId?: string },
      by: string,
    ): Promise<string> => {
      const item = await resolveReviewItem(store, {
        id,
        decision: decision as ReviewDecision,
        by,
        resolvers: opts.resolvers,
      });
      return `Review item ${item.id} ${item.status} (${String(item.resolution?.action ?? decision.action)}).`;
    },
    labelSamples: (samples: string, correct: boolean, by: string) => consoleLabel(store, config, samples, correct, by),
    listSamples: () => consoleSamples(store, config),
    gates: () => consoleGates(store, config),
    monitor: () => consoleMonitor(store, config, opts.monitor),
  };
}
