/**
 * Drift and accuracy statistics: plain functions of plain numbers, no I/O. Each is checked against
 * hand-computed values in stats.test.ts.
 */

/** Proportion used in place of an empty bin, so ln(a/e) stays finite (the usual PSI convention). */
export const PSI_EPSILON = 1e-4;

export type Binning =
  /** Edges at the reference distribution's quantiles: every bin holds ~1/bins of the training data. */
  | { kind: 'quantile'; bins: number }
  /** Equal-width bins over [min, max]: the natural choice for 0–100 scores. */
  | { kind: 'fixed'; bins: number; min: number; max: number };

export const SCORE_BINNING: Binning = { kind: 'fixed', bins: 10, min: 0, max: 100 };
export const QUANTILE_BINNING: Binning = { kind: 'quantile', bins: 10 };

/** The q-quantile (0..1) of sorted values, linear interpolation between order statistics (type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Inner bin edges (bins − 1 of them). Value v falls in bin i when edges[i-1] < v <= edges[i];
 * below the first edge is bin 0, above the last is the last bin. Duplicate quantile edges (a
 * reference with many equal values) are merged, so a bin is never empty by construction.
 */
export function binEdges(reference: readonly number[], binning: Binning): number[] {
  if (binning.bins < 1) throw new RangeError('binning needs at least one bin');
  if (binning.kind === 'fixed') {
    const width = (binning.max - binning.min) / binning.bins;
    return Array.from({ length: binning.bins - 1 }, (_, i) => binning.min + width * (i + 1));
  }
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < binning.bins; i++) {
    const e = quantile(sorted, i / binning.bins);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** Index of the bin holding v, by binary search over the inner edges. */
export function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function histogram(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) if (Number.isFinite(v)) counts[binIndex(edges, v)]++;
  return counts;
}

export function proportions(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/** PSI = Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ) over bin proportions; empty bins count as `epsilon`. */
export function psiFromProportions(
  expected: readonly number[],
  actual: readonly number[],
  epsilon = PSI_EPSILON,
): number {
  if (expected.length !== actual.length)
    throw new RangeError('expected and actual need the same number of bins');
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], epsilon);
    const a = Math.max(actual[i], epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export interface PsiResult {
  psi: number;
  edges: number[];
  expected: number[];
  actual: number[];
  /** Raw counts per bin, for the terminal chart. */
  expectedCounts: number[];
  actualCounts: number[];
}

/** Population stability index of `actual` against `reference` (the training distribution). */
export function psi(
  reference: readonly number[],
  actual: readonly number[],
  binning: Binning = QUANTILE_BINNING,
  epsilon = PSI_EPSILON,
): PsiResult {
  if (reference.length === 0 || actual.length === 0)
    throw new RangeError('PSI needs a non-empty reference and sample');
  const edges = binEdges(reference, binning);
  const expectedCounts = histogram(reference, edges);
  const actualCounts = histogram(actual, edges);
  const expected = proportions(expectedCounts);
  const actualP = proportions(actualCounts);
  return {
    psi: psiFromProportions(expected, actualP, epsilon),
    edges,
    expected,
    actual: actualP,
    expectedCounts,
    actualCounts,
  };
}

/**
 * Kolmogorov's limiting distribution, Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}: the probability that
 * the scaled KS statistic exceeds λ under the null hypothesis.
 */
export function kolmogorovQ(lambda: number): number {
  if (lambda <= 0) return 1;
  // For small λ the alternating series converges slowly and Q is 1 to double precision.
  if (lambda < 0.18) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += (j % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

export interface KsResult {
  /** sup |F₁(x) − F₂(x)| over the pooled sample. */
  d: number;
  /** Asymptotic two-sided p-value. */
  pValue: number;
  n1: number;
  n2: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test. The p-value is the asymptotic one with the Stephens
 * small-sample correction λ = (√nₑ + 0.12 + 0.11/√nₑ)·D, nₑ = n₁n₂/(n₁+n₂) (Numerical Recipes §14.3).
 */
export function ksTest(sample1: readonly number[], sample2: readonly number[]): KsResult {
  const a = [...sample1].sort((x, y) => x - y);
  const b = [...sample2].sort((x, y) => x - y);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('KS needs two non-empty samples');
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const x = Math.min(a[i], b[j]);
    // Step past every tie at x in both samples before comparing the two empirical CDFs.
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / n1 - j / n2));
  }
  const ne = (n1 * n2) / (n1 + n2);
  const sqrtNe = Math.sqrt(ne);
  const pValue = kolmogorovQ((sqrtNe + 0.12 + 0.11 / sqrtNe) * d);
  return { d, pValue, n1, n2 };
}

