/**
 * The validation gate's arithmetic: a pure function of the label counts and the flow's gate config.
 * Automatic write-back opens only when the lower bound of the Wilson 95% interval of accuracy
 * reaches the threshold on at least `sampleSize` labels — a point estimate of 92% on 25 labels is
 * not evidence of 90% accuracy.
 */
import type { GateConfig } from '../config/index.js';

export type GateMode = 'shadow' | 'open';

export type GateReasonCode =
  /** gate.mode: shadow — the operator keeps the flow in shadow. */
  | 'config_shadow'
  /** gate.mode: open — the operator turned the gate off. */
  | 'config_open'
  /** gated, and no decision recorded yet for this flow and model version. */
  | 'no_decision'
  | 'too_few_labels'
  | 'below_threshold'
  | 'passed'
  /** a drift alert sent the flow back to shadow (gate.shadowOnDrift). */
  | 'drift';

export interface GateFigures {
  /** Labels counted. */
  n: number;
  correct: number;
  /** correct / n, null when n = 0. */
  accuracy: number | null;
  lower: number;
  upper: number;
  threshold: number;
  sampleSize: number;
}

export interface GateVerdict {
  mode: GateMode;
  reasonCode: GateReasonCode;
  reason: string;
  figures: GateFigures;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function decideGate(
  counts: { n: number; correct: number },
  gate: Pick<GateConfig, 'threshold' | 'sampleSize'>,
): GateVerdict {
  const { n, correct } = counts;
  const interval = wilsonInterval(correct, n);
  const figures: GateFigures = {
    n,
    correct,
    accuracy: n === 0 ? null : correct / n,
    lower: interval.lower,
    upper: interval.upper,
    threshold: gate.threshold,
    sampleSize: gate.sampleSize,
  };
  if (n < gate.sampleSize) {
    return {
      mode: 'shadow',
      reasonCode: 'too_few_labels',
      reason: `${n} of ${gate.sampleSize} labels needed; label more samples before write-back can open`,
      figures,
    };
  }
  if (interval.lower < gate.threshold) {
    return {
      mode: 'shadow',
      reasonCode: 'below_threshold',
      reason: `accuracy ${pct(correct / n)} on ${n} labels: its 95% lower bound ${pct(interval.lower)} is below the threshold ${pct(gate.threshold)}`,
      figures,
    };
  }
  return {
    mode: 'open',
    reasonCode: 'passed',
    reason: `accuracy ${pct(correct / n)} on ${n} labels: its 95% lower bound ${pct(interval.lower)} reaches the threshold ${pct(gate.threshold)}`,
    figures,
  };
}

/** How many more all-correct labels would open the gate, from the current counts (null: never within `limit`). */
export function labelsToOpen(
  counts: { n: number; correct: number },
  gate: Pick<GateConfig, 'threshold' | 'sampleSize'>,
  limit = 100_000,
): number | null {
  for (let extra = 0; extra <= limit; extra++) {
    if (decideGate({ n: counts.n + extra, correct: counts.correct + extra }, gate).mode === 'open')
      return extra;
  }
  return null;
}

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  lower: number;
  upper: number;
}

/** Wilson score interval for a binomial proportion (successes out of n). n = 0 gives [0, 1]. */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n === 0) return { lower: 0, upper: 1 };
  if (successes < 0 || successes > n) throw new RangeError('successes must be between 0 and n');
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}
