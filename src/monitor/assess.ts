/**
 * Monitoring decisions, pure: from measured figures and the configured thresholds to a drift
 * verdict and the alerts to raise. The I/O around them is run.ts.
 */
import type { InrecordConfig } from '../config/index.js';
import { type Binning, QUANTILE_BINNING, SCORE_BINNING, ksTest, psi } from './stats.js';

export type MonitorThresholds = InrecordConfig['monitor'];

export type DriftLevel = 'ok' | 'warn' | 'alert' | 'not_judged';

export interface DriftResult {
  level: DriftLevel;
  /** Why it was not judged, or what was found. */
  reason: string;
  n: number;
  referenceN: number;
  psi: number | null;
  ks: { d: number; pValue: number } | null;
  binning: Binning | null;
  /** Per-bin proportions, for the chart. */
  histogram: { edges: number[]; expected: number[]; actual: number[] } | null;
}

/** Scores live on 0–100: fixed bins there; anything else is binned on the training quantiles. */
export function chooseBinning(reference: readonly number[], flowKind: string): Binning {
  const inScoreRange = reference.every((v) => v >= 0 && v <= 100);
  return flowKind === 'scoring' && inScoreRange ? SCORE_BINNING : QUANTILE_BINNING;
}

export function measureDrift(
  reference: readonly number[] | null,
  observed: readonly number[],
  t: Pick<MonitorThresholds, 'psiWarn' | 'psiAlert' | 'ksAlpha' | 'minSample'>,
  binning: Binning = QUANTILE_BINNING,
): DriftResult {
  const empty = {
    n: observed.length,
    referenceN: reference?.length ?? 0,
    psi: null,
    ks: null,
    binning: null,
    histogram: null,
  };
  if (!reference || reference.length === 0) {
    return {
      ...empty,
      level: 'not_judged',
      reason: 'no training distribution is stored for this model version',
    };
  }
  if (observed.length < t.minSample) {
    return {
      ...empty,
      level: 'not_judged',
      reason: `${observed.length} scores in the window, fewer than the ${t.minSample} needed to judge drift`,
    };
  }
  const p = psi(reference, observed, binning);
  const ks = ksTest(reference, observed);
  const level: DriftLevel =
    p.psi >= t.psiAlert ? 'alert' : p.psi >= t.psiWarn || ks.pValue < t.ksAlpha ? 'warn' : 'ok';
  const parts = [`PSI ${p.psi.toFixed(3)}`, `KS D ${ks.d.toFixed(3)} (p ${formatP(ks.pValue)})`];
  const reason =
    level === 'alert'
      ? `${parts[0]} ≥ alert ${t.psiAlert}; ${parts[1]}`
      : level === 'warn'
        ? p.psi >= t.psiWarn
          ? `${parts[0]} ≥ warn ${t.psiWarn}; ${parts[1]}`
          : `${parts[0]}; ${parts[1]} < α ${t.ksAlpha}`
        : `${parts[0]} < warn ${t.psiWarn}; ${parts[1]}`;
  return {
    level,
    reason,
    n: observed.length,
    referenceN: reference.length,
    psi: p.psi,
    ks: { d: ks.d, pValue: ks.pValue },
    binning,
    histogram: { edges: p.edges, expected: p.expected, actual: p.actual },
  };
}

export function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

export interface WriteFigures {
  /** Counts per ledger outcome in the window. */
  outcomes: Record<string, number>;
  /** Writes the CRM was asked to make: written + not_applied + failed + rejected. */
  attempted: number;
  successRate: number | null;
  notAppliedRate: number | null;
  conflictSkipped: number;
}

export function writeFigures(outcomes: Record<string, number>): WriteFigures {
  const written = outcomes.written ?? 0;
  const notApplied = outcomes.not_applied ?? 0;
  const attempted = written + notApplied + (outcomes.failed ?? 0) + (outcomes.rejected ?? 0);
  return {
    outcomes,
    attempted,
    successRate: attempted === 0 ? null : written / attempted,
    notAppliedRate: attempted === 0 ? null : notApplied / attempted,
    conflictSkipped: outcomes.conflict_skipped ?? 0,
  };
}

export interface IdentityFigures {
  linked: number;
  unmatched: number;
  ambiguous: number;
  otherReview: number;
  decisions: number;
  unmatchedRate: number | null;
  ambiguousRate: number | null;
}

export function identityFigures(c: {
  linked: number;
  unmatched: number;
  ambiguous: number;
  otherReview: number;
}): IdentityFigures {
  const decisions = c.linked + c.unmatched + c.ambiguous;
  return {
    ...c,
    decisions,
    unmatchedRate: decisions === 0 ? null : c.unmatched / decisions,
    ambiguousRate: decisions === 0 ? null : c.ambiguous / decisions,
  };
}

export interface AlertDraft {
  flow: string | null;
  metric: 'drift' | 'write_success' | 'not_applied' | 'unmatched' | 'dead_letters';
  severity: 'warn' | 'alert';
  value: number;
  threshold: number;
  message: string;
  figures: Record<string, unknown>;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The alerts one flow's figures call for. */
export function flowAlerts(
  flow: string,
  drift: DriftResult,
  writes: WriteFigures,
  t: MonitorThresholds,
): AlertDraft[] {
  const out: AlertDraft[] = [];
  if ((drift.level === 'alert' || drift.level === 'warn') && drift.psi !== null) {
    out.push({
      flow,
      metric: 'drift',
      severity: drift.level,
      value: drift.psi,
      threshold: drift.level === 'alert' ? t.psiAlert : t.psiWarn,
      message: `${flow}: score distribution drifted from training — ${drift.reason} (${drift.n} scores vs ${drift.referenceN} in training)`,
      figures: { psi: drift.psi, ks: drift.ks, n: drift.n, referenceN: drift.referenceN },
    });
  }
  if (writes.successRate !== null && writes.successRate < t.writeSuccessAlert) {
    out.push({
      flow,
      metric: 'write_success',
      severity: 'alert',
      value: writes.successRate,
      threshold: t.writeSuccessAlert,
      message: `${flow}: only ${pct(writes.successRate)} of ${writes.attempted} attempted writes landed (alert below ${pct(t.writeSuccessAlert)}); see \`inrecord runs\` and \`inrecord dlq list\``,
      figures: { outcomes: writes.outcomes, attempted: writes.attempted },
    });
  }
  if (writes.notAppliedRate !== null && writes.notAppliedRate > t.notAppliedAlert) {
    out.push({
      flow,
      metric: 'not_applied',
      severity: 'alert',
      value: writes.notAppliedRate,
      threshold: t.notAppliedAlert,
      message: `${flow}: ${pct(writes.notAppliedRate)} of writes were accepted by the CRM but did not change the value (alert above ${pct(t.notAppliedAlert)}); check the fields' types and validation rules`,
      figures: { notApplied: writes.outcomes.not_applied ?? 0, attempted: writes.attempted },
    });
  }
  return out;
}

/** The alerts the engine-wide figures call for. */
export function globalAlerts(
  identity: IdentityFigures,
  deadLetters: { open: number },
  t: MonitorThresholds,
): AlertDraft[] {
  const out: AlertDraft[] = [];
  const failed = identity.unmatched + identity.ambiguous;
  if (identity.decisions > 0 && failed / identity.decisions > t.unmatchedAlert) {
    const rate = failed / identity.decisions;
    out.push({
      flow: null,
      metric: 'unmatched',
      severity: 'alert',
      value: rate,
      threshold: t.unmatchedAlert,
      message: `identity: ${pct(rate)} of ${identity.decisions} identity decisions were unmatched (${identity.unmatched}) or ambiguous (${identity.ambiguous}); resolve them with \`inrecord review list --kind identity\``,
      figures: { ...identity },
    });
  }
  if (t.deadLetterAlert > 0 && deadLetters.open >= t.deadLetterAlert) {
    out.push({
      flow: null,
      metric: 'dead_letters',
      severity: 'alert',
      value: deadLetters.open,
      threshold: t.deadLetterAlert,
      message: `${deadLetters.open} jobs are in the dead-letter queue (alert at ${t.deadLetterAlert}); inspect and replay them with \`inrecord dlq list\``,
      figures: { ...deadLetters },
    });
  }
  return out;
}


/** Whether a scheduled monitoring run is due: never run, or the last one ended a schedule ago. */
export function monitorDue(lastAt: Date | null, scheduleMs: number, now: Date): boolean {
  return lastAt === null || now.getTime() - lastAt.getTime() >= scheduleMs;
}
