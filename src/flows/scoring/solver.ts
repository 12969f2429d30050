/**
 * The numerical core of the trained model: L2-penalised logistic regression by Newton's method
 * (IRLS) with a backtracking line search, on a sparse design matrix. Pure: plain arrays in, plain
 * arrays and a convergence report out. A fit that did not converge says so (`converged: false`
 * and why); callers never serve such a fit.
 *
 * Objective (maximised): Σᵢ [yᵢ ηᵢ − log(1 + e^ηᵢ)] − ½ λ Σⱼ≥₁ wⱼ², ηᵢ = Σⱼ xᵢⱼ wⱼ, column 0 the
 * unpenalised intercept. With λ > 0 it is strictly concave, so the optimum is unique even when
 * columns are collinear or a rare column separates the classes.
 */

/** Rows of the design matrix in compressed sparse row form; column 0 is the intercept (value 1). */
export interface Design {
  rows: number;
  /** Number of columns, the intercept included. */
  columns: number;
  /** Row i's entries are start[i] … start[i+1]−1, columns ascending. */
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

export interface FitOptions {
  /** L2 penalty strength λ (not applied to the intercept). */
  lambda: number;
  /** Newton iterations at most (default 50). */
  maxIterations?: number;
  /** Converged when max |gradient| ≤ this × (rows used) (default 1e-7) … */
  gradientTolerance?: number;
  /** … and the last Newton step moved no weight by more than this × (1 + max |w|) (default 1e-6). */
  stepTolerance?: number;
  /** Starting weights (warm start), length `columns`. */
  start?: Float64Array;
}

export type FitStop = 'converged' | 'iteration cap' | 'line search failed' | 'not finite';

export interface FitResult {
  /** Weights, index 0 the intercept. */
  weights: Float64Array;
  converged: boolean;
  stopped: FitStop;
  iterations: number;
  /** max |gradient of the penalised log-likelihood| at the returned weights. */
  gradientNorm: number;
  /** Penalised log-likelihood at the returned weights. */
  objective: number;
  /** |Δ objective| / (1 + |objective|) over the last iteration. */
  relativeChange: number;
}

/** log(1 + e^η) without overflow. */
export function log1pExp(eta: number): number {
  return eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function etaOf(d: Design, i: number, w: Float64Array): number {
  let eta = 0;
  for (let k = d.start[i]; k < d.start[i + 1]; k++) eta += d.val[k] * w[d.col[k]];
  return eta;
}

/** The penalised log-likelihood of `w` over the chosen rows (all rows when `rows` is null). */
export function penalisedLogLikelihood(
  d: Design,
  y: ArrayLike<number>,
  rows: Int32Array | null,
  w: Float64Array,
  lambda: number,
): number {
  let ll = 0;
  const count = rows ? rows.length : d.rows;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r] : r;
    const eta = etaOf(d, i, w);
    ll += y[i] * eta - log1pExp(eta);
  }
  let pen = 0;
  for (let j = 1; j < w.length; j++) pen += w[j] * w[j];
  return ll - 0.5 * lambda * pen;
}

/** Solves A x = b for symmetric positive definite A (row-major, size m) by Cholesky; A is overwritten. */
export function choleskySolve(A: Float64Array, b: Float64Array, m: number): Float64Array {
  for (let j = 0; j < m; j++) {
    let d = A[j * m + j];
    for (let k = 0; k < j; k++) d -= A[j * m + k] ** 2;
    if (d <= 0) d = 1e-12;
    const ljj = Math.sqrt(d);
    A[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let s = A[i * m + j];
      for (let k = 0; k < j; k++) s -= A[i * m + k] * A[j * m + k];
      A[i * m + j] = s / ljj;
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * m + k] * y[k];
    y[i] = s / A[i * m + i];
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < m; k++) s -= A[k * m + i] * x[k];
    x[i] = s / A[i * m + i];
  }
  return x;
}

/** Gradient of the penalised log-likelihood and the Hessian of its negative (positive definite for λ > 0). */
function gradientHessian(
  d: Design,
  y: ArrayLike<number>,
  rows: Int32Array | null,
  w: Float64Array,
  lambda: number,
): { g: Float64Array; H: Float64Array } {
  const m = d.columns;
  const g = new Float64Array(m);
  const H = new Float64Array(m * m);
  const count = rows ? rows.length : d.rows;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r] : r;
    const from = d.start[i];
    const to = d.start[i + 1];
    let eta = 0;
    for (let k = from; k < to; k++) eta += d.val[k] * w[d.col[k]];
    const p = sigmoid(eta);
    const res = y[i] - p;
    const s = p * (1 - p);
    for (let k = from; k < to; k++) {
      const a = d.col[k];
      const xa = d.val[k];
      g[a] += res * xa;
      const sxa = s * xa;
      const rowA = a * m;
      for (let k2 = from; k2 <= k; k2++) H[rowA + d.col[k2]] += sxa * d.val[k2];
    }
  }
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) H[b * m + a] = H[a * m + b];
  for (let j = 1; j < m; j++) {
    g[j] -= lambda * w[j];
    H[j * m + j] += lambda;
  }
  // The intercept is unpenalised; a tiny ridge keeps the system solvable when every row is alike.
  H[0] += 1e-9;
  return { g, H };
}

const maxAbs = (xs: Float64Array): number => {
  let m = 0;
  for (const x of xs) m = Math.max(m, Math.abs(x));
  return m;
};

/**
 * Maximises the penalised log-likelihood by Newton steps, each halved until the objective rises
 * enough (Armijo), and stops when the gradient is ~0 and the last step was negligible, or at the
 * iteration cap, or when no step improves the objective. Deterministic.
 */
export function fitLogistic(
  d: Design,
  y: ArrayLike<number>,
  rows: Int32Array | null,
  opts: FitOptions,
): FitResult {
  const m = d.columns;
  const count = rows ? rows.length : d.rows;
  const maxIt = opts.maxIterations ?? 50;
  const gTol = (opts.gradientTolerance ?? 1e-7) * Math.max(1, count);
  const xTol = opts.stepTolerance ?? 1e-6;
  const w = new Float64Array(m);
  if (opts.start) w.set(opts.start);
  else {
    let pos = 0;
    for (let r = 0; r < count; r++) pos += y[rows ? rows[r] : r];
    const rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / Math.max(1, count)));
    w[0] = Math.log(rate / (1 - rate));
  }
  let f = penalisedLogLikelihood(d, y, rows, w, opts.lambda);
  let relativeChange = Number.POSITIVE_INFINITY;
  let gradientNorm = Number.POSITIVE_INFINITY;
  const done = (stopped: FitStop, iterations: number): FitResult => ({
    weights: w,
    converged: stopped === 'converged',
    stopped,
    iterations,
    gradientNorm,
    objective: f,
    relativeChange,
  });
  for (let it = 0; it <= maxIt; it++) {
    const { g, H } = gradientHessian(d, y, rows, w, opts.lambda);
    gradientNorm = maxAbs(g);
    if (!Number.isFinite(gradientNorm) || !Number.isFinite(f)) return done('not finite', it);
    const step = choleskySolve(H, g, m);
    const stepNorm = maxAbs(step);
    if (gradientNorm <= gTol && stepNorm <= xTol * (1 + maxAbs(w))) return done('converged', it);
    if (it === maxIt) return done('iteration cap', it);
    let slope = 0;
    for (let j = 0; j < m; j++) slope += g[j] * step[j];
    // Backtracking: halve the step until the objective rises by at least 1e-4 of the predicted gain.
    let t = 1;
    let accepted = false;
    const trial = new Float64Array(m);
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let j = 0; j < m; j++) trial[j] = w[j] + t * step[j];
      const ft = penalisedLogLikelihood(d, y, rows, trial, opts.lambda);
      if (Number.isFinite(ft) && ft >= f + 1e-4 * t * slope) {
        relativeChange = Math.abs(ft - f) / (1 + Math.abs(f));
        w.set(trial);
        f = ft;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      // No step improves the objective: at the optimum to machine precision, or stuck.
      const atOptimum = gradientNorm <= gTol && stepNorm <= 1e-3 * (1 + maxAbs(w));
      return done(atOptimum ? 'converged' : 'line search failed', it);
    }
  }
  return done('iteration cap', maxIt);
}
