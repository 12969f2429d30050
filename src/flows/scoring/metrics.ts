/** How good a probability model is on held-out data: AUC, Brier score, log loss, reliability table. */

/** Area under the ROC curve by ranks (ties share their average rank). NaN when one class is absent. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSum += avg;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of probabilities: 0 is perfect, 0.25 is a coin. */
export function brier(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) s += (probs[i] - labels[i]) ** 2;
  return probs.length === 0 ? Number.NaN : s / probs.length;
}

export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, probs[i]));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return probs.length === 0 ? Number.NaN : s / probs.length;
}

export interface ReliabilityBin {
  /** Predicted-probability range [from, to). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Predicted vs observed conversion rate in equal-width probability bins (empty bins left out). */
export function reliability(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < probs.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(probs[i] * bins)));
    count[b]++;
    sumP[b] += probs[i];
    sumY[b] += labels[i];
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    out.push({ from: b / bins, to: (b + 1) / bins, count: count[b], meanPredicted: sumP[b] / count[b], observedRate: sumY[b] / count[b] });
  }
  return out;
}

/** Count-weighted mean |predicted − observed| over the reliability bins (expected calibration error). */
export function calibrationError(table: ReliabilityBin[]): number {
  const n = table.reduce((s, b) => s + b.count, 0);
  if (n === 0) return Number.NaN;
  return table.reduce((s, b) => s + b.count * Math.abs(b.meanPredicted - b.observedRate), 0) / n;
}

/** Average ranks (1-based; ties share their mean rank) of `xs`. */
function midranks(xs: number[]): Float64Array {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const r = new Float64Array(xs.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]] === xs[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

export interface AucInterval {
  auc: number;
  /** Standard error by DeLong's method. */
  se: number;
  /** 95% confidence interval, clipped to [0, 1]. */
  lower: number;
  upper: number;
}

/**
 * AUC with its 95% confidence interval by DeLong's method (DeLong, DeLong & Clarke-Pearson 1988,
 * "Comparing the areas under two or more correlated ROC curves", Biometrics 44:837; computed from
 * midranks as in Sun & Xu 2014). NaN everywhere when one class is absent.
 */
export function aucInterval(scores: ArrayLike<number>, labels: ArrayLike<number>): AucInterval {
  const pl = placements(scores, labels);
  if (!pl) return { auc: Number.NaN, se: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  const { auc: a, v10, v01 } = pl;
  const se = Math.sqrt(covariance(v10, a, v10, a) / v10.length + covariance(v01, a, v01, a) / v01.length);
  return { auc: a, se, lower: Math.max(0, a - 1.959964 * se), upper: Math.min(1, a + 1.959964 * se) };
}

/** DeLong's placement values: per positive, the share of negatives it outranks; per negative, the share of positives above it. */
function placements(scores: ArrayLike<number>, labels: ArrayLike<number>): { auc: number; v10: number[]; v01: number[] } | null {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? pos : neg).push(scores[i]);
  const m = pos.length;
  const n = neg.length;
  if (m === 0 || n === 0) return null;
  const all = midranks([...pos, ...neg]);
  const rp = midranks(pos);
  const rn = midranks(neg);
  const v10 = pos.map((_, i) => (all[i] - rp[i]) / n);
  const v01 = neg.map((_, j) => 1 - (all[m + j] - rn[j]) / m);
  return { auc: v10.reduce((s, v) => s + v, 0) / m, v10, v01 };
}

const covariance = (xs: number[], mx: number, ys: number[], my: number): number =>
  xs.length > 1 ? xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0) / (xs.length - 1) : 0;

export interface AucDifference {
  /** AUC of `a` minus AUC of `b` on the same records. */
  difference: number;
  se: number;
  /** 95% interval of the difference (DeLong's paired test: the two models' errors are correlated). */
  lower: number;
  upper: number;
}

/** The difference of two models' AUCs on the same records with its 95% interval (DeLong et al. 1988). NaN when one class is absent. */
export function aucDifference(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): AucDifference {
  const pa = placements(a, labels);
  const pb = placements(b, labels);
  if (!pa || !pb) return { difference: Number.NaN, se: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  const v = (x: number[], mx: number, y: number[], my: number, k: number) => covariance(x, mx, y, my) / k;
  const m = pa.v10.length;
  const n = pa.v01.length;
  const variance =
    v(pa.v10, pa.auc, pa.v10, pa.auc, m) + v(pb.v10, pb.auc, pb.v10, pb.auc, m) - 2 * v(pa.v10, pa.auc, pb.v10, pb.auc, m) +
    v(pa.v01, pa.auc, pa.v01, pa.auc, n) + v(pb.v01, pb.auc, pb.v01, pb.auc, n) - 2 * v(pa.v01, pa.auc, pb.v01, pb.auc, n);
  const se = Math.sqrt(Math.max(0, variance));
  const d = pa.auc - pb.auc;
  return { difference: d, se, lower: d - 1.959964 * se, upper: d + 1.959964 * se };
}

export interface LiftRow {
  /** 1 is the tenth scored highest. */
  decile: number;
  records: number;
  positives: number;
  /** Share of this decile's records that are positive. */
  precision: number;
  /** Share of all positives found in this decile and the ones above it. */
  captured: number;
  /** precision ÷ the overall positive rate: how much better than picking at random. */
  lift: number;
}

/**
 * The records ranked by score, highest first, cut into `bins` groups of (near) equal size: per
 * group how many are positive and the cumulative share of all positives captured so far. Ties are
 * kept in input order, so the table is the same for the same inputs. Empty groups (fewer records
 * than groups) are left out; no rows when there are no records.
 */
export function liftTable(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): LiftRow[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += labels[i] === 1 ? 1 : 0;
  const rate = n > 0 ? total / n : Number.NaN;
  const rows: LiftRow[] = [];
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.round((n * b) / bins);
    const to = Math.round((n * (b + 1)) / bins);
    if (to <= from) continue;
    let positives = 0;
    for (let k = from; k < to; k++) positives += labels[order[k]] === 1 ? 1 : 0;
    seen += positives;
    const precision = positives / (to - from);
    rows.push({
      decile: b + 1,
      records: to - from,
      positives,
      precision,
      captured: total > 0 ? seen / total : Number.NaN,
      lift: rate > 0 ? precision / rate : Number.NaN,
    });
  }
  return rows;
}

/** Share of positives among the tenth of records scored highest; NaN with no records. */
export function topDecilePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return liftTable(scores, labels, 10)[0]?.precision ?? Number.NaN;
}
