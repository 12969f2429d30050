/**
 * Fitting the logistic model (logistic.ts): the training rows encoded into a sparse design matrix
 * (standardised numeric columns, 0/1 columns fitted on their own scale, constant columns left out),
 * the L2 penalty chosen by k-fold cross-validation unless settings fix it, the fit by solver.ts,
 * and the weights taken back to the stored form. Deterministic: the same records and settings give
 * the same model and version.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, readFeature } from './features.js';
import {
  type FeatureEncoding,
  type LogisticModelJson,
  type LogisticModel,
  MISSING_LEVEL,
  OTHER_LEVEL,
  compileLogisticModel,
} from './logistic.js';
import { digest } from './rules.js';
import type { FeatureSpec } from './settings.js';
import { type Design, type FitResult, fitLogistic, log1pExp } from './solver.js';

/** The penalty grid cross-validation chooses from when settings do not fix `l2`. */
export const L2_GRID = [0.1, 0.3, 1, 3, 10, 30, 100] as const;

export interface TrainOptions {
  /** L2 penalty strength; when absent it is chosen by k-fold cross-validation over L2_GRID. */
  l2?: number;
  reasons: number;
  /** Newton iterations at most per fit (default 50). */
  maxIterations?: number;
  /** Cross-validation folds (default 5). */
  folds?: number;
  /** A category level needs this many training rows to get its own column. */
  minLevelCount?: number;
  maxLevels?: number;
}

/** How a fit went (the solver's result without its weights): plain JSON, stored with the model and in its metrics. */
export interface FitReport extends Omit<FitResult, 'weights'> {
  lambda: number;
  lambdaChosenBy: 'settings' | 'cross-validation';
  /** Mean held-out log loss of each λ of the grid over the folds (cross-validation only). */
  crossValidation: { lambda: number; logLoss: number; converged: boolean }[];
  rows: number;
  /** Columns fitted, the intercept excluded. */
  columns: number;
  /** Columns with one value across the training rows, left out of the fit. */
  constantColumns: string[];
}

export interface TrainResult {
  /** Never to be served unless `fit.converged`. */
  model: LogisticModel;
  fit: FitReport;
}

interface ColumnPlan {
  encIndex: number;
  /** Which value of the encoding this column reads. */
  role: 'value' | 'missing' | 'level';
  level?: string;
  /** 0/1 columns (levels, missing flags, booleans) are fitted on their own scale: the penalty then
   * shrinks a rare level's effect toward the average instead of letting a handful of rows set it. */
  binary: boolean;
  name: string;
}

/** Stable hash of a string in [0, 1): the same record always lands on the same side of a split. */
export function splitKey(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

function meanSd(xs: Float64Array): { mean: number; sd: number } {
  let s = 0;
  for (const x of xs) s += x;
  const mean = xs.length > 0 ? s / xs.length : 0;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  const sd = xs.length > 1 ? Math.sqrt(v / xs.length) : 0;
  // A column whose values differ only by rounding is constant.
  return { mean, sd: sd > 1e-12 * (1 + Math.abs(mean)) ? sd : 0 };
}

interface PreparedDesign {
  design: Design;
  encodings: FeatureEncoding[];
  plan: ColumnPlan[];
  means: Float64Array;
  /** Centre and scale each fitted column was transformed with; scale 0 = left out (constant). */
  centre: Float64Array;
  scale: Float64Array;
  /** Design column of plan column j, or −1. */
  designCol: Int32Array;
}

/** Encodings from the training rows, and the sparse design matrix they give. */
function prepareDesign(
  compiled: CompiledFeature[],
  raw: FeatureValue[][],
  minLevel: number,
  maxLevels: number,
): PreparedDesign {
  const n = raw.length;
  const encodings: FeatureEncoding[] = [];
  const plan: ColumnPlan[] = [];
  compiled.forEach((f, fi) => {
    const vals = raw.map((row) => row[fi]);
    if (f.spec.type === 'category') {
      const counts = new Map<string, number>();
      for (const v of vals)
        if (v !== null) counts.set(String(v).toLowerCase(), (counts.get(String(v).toLowerCase()) ?? 0) + 1);
      const kept = [...counts.entries()]
        .filter(([, c]) => c >= minLevel)
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, maxLevels)
        .map(([l]) => l);
      const keptSet = new Set(kept);
      const levels = [...kept];
      if (vals.some((v) => v !== null && !keptSet.has(String(v).toLowerCase()))) levels.push(OTHER_LEVEL);
      if (vals.some((v) => v === null)) levels.push(MISSING_LEVEL);
      const ei = encodings.length;
      encodings.push({
        kind: 'category',
        feature: f.name,
        levels: levels.map((level) => ({ level, mean: 0, sd: 0, weight: 0 })),
      });
      for (const level of levels)
        plan.push({ encIndex: ei, role: 'level', level, binary: true, name: `${f.name}=${level}` });
      return;
    }
    const present = vals.filter((v): v is number => typeof v === 'number');
    const log = f.spec.type !== 'boolean' && present.length > 0 && present.every((v) => v >= 0);
    const t = present.map((v) => (log ? Math.log1p(v) : v));
    const impute = t.length > 0 ? t.reduce((s, x) => s + x, 0) / t.length : 0;
    const ei = encodings.length;
    const hasMissing = present.length < vals.length;
    encodings.push({
      kind: 'numeric',
      feature: f.name,
      log,
      impute,
      mean: 0,
      sd: 0,
      weight: 0,
      missing: hasMissing ? { mean: 0, sd: 0, weight: 0 } : null,
    });
    plan.push({ encIndex: ei, role: 'value', binary: f.spec.type === 'boolean', name: f.name });
    if (hasMissing) plan.push({ encIndex: ei, role: 'missing', binary: true, name: `${f.name} (missing)` });
  });

  // Raw column values (column-major), then each column's centre and scale.
  const p = plan.length;
  const cols = plan.map(() => new Float64Array(n));
  const encFeature = encodings.map((e) => compiled.findIndex((c) => c.name === e.feature));
  const levelSets = encodings.map((e) =>
    e.kind === 'category' ? new Set(e.levels.map((l) => l.level)) : null,
  );
  for (let j = 0; j < p; j++) {
    const c = plan[j];
    const e = encodings[c.encIndex];
    const col = cols[j];
    const fi = encFeature[c.encIndex];
    for (let i = 0; i < n; i++) {
      const v = raw[i][fi];
      if (e.kind === 'numeric') {
        if (c.role === 'missing') col[i] = v === null ? 1 : 0;
        else col[i] = typeof v === 'number' ? (e.log ? Math.log1p(Math.max(0, v)) : v) : e.impute;
      } else {
        const key = v === null ? MISSING_LEVEL : String(v).toLowerCase();
        const level = levelSets[c.encIndex]?.has(key) ? key : v === null ? MISSING_LEVEL : OTHER_LEVEL;
        col[i] = level === c.level ? 1 : 0;
      }
    }
  }
  const means = new Float64Array(p);
  const centre = new Float64Array(p);
  const scale = new Float64Array(p);
  const designCol = new Int32Array(p).fill(-1);
  let next = 1;
  for (let j = 0; j < p; j++) {
    const { mean, sd } = meanSd(cols[j]);
    means[j] = mean;
    if (sd === 0) continue; // constant: nothing to learn from it
    centre[j] = plan[j].binary ? 0 : mean;
    scale[j] = plan[j].binary ? 1 : sd;
    designCol[j] = next++;
  }
  // CSR rows: the intercept, then each fitted column's non-zero transformed value.
  const start = new Int32Array(n + 1);
  const colIdx: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    start[i] = colIdx.length;
    colIdx.push(0);
    vals.push(1);
    for (let j = 0; j < p; j++) {
      if (designCol[j] < 0) continue;
      const x = (cols[j][i] - centre[j]) / scale[j];
      if (x === 0) continue;
      colIdx.push(designCol[j]);
      vals.push(x);
    }
  }
  start[n] = colIdx.length;
  const design: Design = {
    rows: n,
    columns: next,
    start,
    col: Int32Array.from(colIdx),
    val: Float64Array.from(vals),
  };
  return { design, encodings, plan, means, centre, scale, designCol };
}

/** Mean held-out log loss of each λ over k folds; folds by a hash of the record id, so reproducible. */
function crossValidate(
  d: Design,
  y: ArrayLike<number>,
  ids: string[],
  k: number,
  maxIterations: number | undefined,
): { lambda: number; table: FitReport['crossValidation'] } {
  const fold = ids.map((id) => Math.min(k - 1, Math.floor(splitKey(`${id}#fold`) * k)));
  const grid = [...L2_GRID].sort((a, b) => b - a); // strong to weak penalty, each fit warm-started from the last
  const loss = new Float64Array(grid.length);
  const ok = grid.map(() => true);
  let counted = 0;
  for (let f = 0; f < k; f++) {
    const train = Int32Array.from(fold.flatMap((x, i) => (x === f ? [] : [i])));
    const test = fold.flatMap((x, i) => (x === f ? [i] : []));
    if (test.length === 0 || train.length === 0) continue;
    counted += test.length;
    let warm: Float64Array | undefined;
    grid.forEach((lambda, g) => {
      const fit = fitLogistic(d, y, train, { lambda, maxIterations, start: warm });
      warm = fit.weights;
      if (!fit.converged) ok[g] = false;
      for (const i of test) {
        let eta = 0;
        for (let q = d.start[i]; q < d.start[i + 1]; q++) eta += d.val[q] * fit.weights[d.col[q]];
        loss[g] += log1pExp(eta) - y[i] * eta;
      }
    });
  }
  const table = grid
    .map((lambda, g) => ({ lambda, logLoss: loss[g] / Math.max(1, counted), converged: ok[g] }))
    .reverse();
  // The lowest held-out loss among penalties whose every fold converged; ties go to the stronger penalty.
  let best: (typeof table)[number] | null = null;
  for (const row of table)
    if (row.converged && (best === null || row.logLoss <= best.logLoss + 1e-12)) best = row;
  return { lambda: best?.lambda ?? grid[0], table };
}

/**
 * Fits the model to labelled records (label 1 = converted, 0 = decided against). Deterministic:
 * the same records and settings give the same weights and version. The result carries the fit's
 * convergence report; a model whose fit did not converge must not be served.
 */
export function trainLogistic(
  features: Record<string, FeatureSpec>,
  records: FlowRecord[],
  labels: ArrayLike<number>,
  nowMs: number,
  opts: TrainOptions,
): TrainResult {
  const compiled = compileFeatures(features);
  const n = records.length;
  const raw = records.map((r) => compiled.map((f) => readFeature(f.spec, r.fields, nowMs)));
  const minLevel = opts.minLevelCount ?? Math.max(10, Math.ceil(n * 0.005));
  const prep = prepareDesign(compiled, raw, minLevel, opts.maxLevels ?? 30);
  const { design, encodings, plan, means, centre, scale, designCol } = prep;

  const cv =
    opts.l2 === undefined
      ? crossValidate(
          design,
          labels,
          records.map((r) => r.id),
          opts.folds ?? 5,
          opts.maxIterations,
        )
      : null;
  const lambda = opts.l2 ?? cv?.lambda ?? 1;
  const fit = fitLogistic(design, labels, null, { lambda, maxIterations: opts.maxIterations });
  const w = fit.weights;

  // Back to the stored form: per column its training mean, the scale it was fitted on and its
  // weight; the intercept absorbs the centring of the columns fitted uncentred (0/1 columns).
  let intercept = w[0];
  plan.forEach((c, j) => {
    const e = encodings[c.encIndex];
    const dc = designCol[j];
    const weight = dc > 0 ? w[dc] : 0;
    const sd = dc > 0 ? scale[j] : 0;
    if (dc > 0) intercept += (weight / sd) * (means[j] - centre[j]);
    if (e.kind === 'numeric') {
      if (c.role === 'missing' && e.missing) e.missing = { mean: means[j], sd, weight };
      else {
        e.mean = means[j];
        e.sd = sd;
        e.weight = weight;
      }
    } else {
      const l = e.levels.find((x) => x.level === c.level);
      if (l) Object.assign(l, { mean: means[j], sd, weight });
    }
  });
  const report: FitReport = {
    converged: fit.converged,
    stopped: fit.stopped,
    iterations: fit.iterations,
    gradientNorm: fit.gradientNorm,
    objective: fit.objective,
    relativeChange: fit.relativeChange,
    lambda,
    lambdaChosenBy: cv ? 'cross-validation' : 'settings',
    crossValidation: cv?.table ?? [],
    rows: n,
    columns: design.columns - 1,
    constantColumns: plan.filter((_, j) => designCol[j] < 0).map((c) => c.name),
  };
  const json: LogisticModelJson = {
    kind: 'trained',
    family: 'logistic',
    version: '',
    features,
    intercept,
    encodings,
    reasons: opts.reasons,
    fit: {
      converged: fit.converged,
      stopped: fit.stopped,
      iterations: fit.iterations,
      gradientNorm: fit.gradientNorm,
      lambda,
    },
  };
  json.version = `lr-${digest({ i: json.intercept, e: encodings })}`;
  return { model: compileLogisticModel(json), fit: report };
}
