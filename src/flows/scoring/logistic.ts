/**
 * The trained model: L2-regularised logistic regression (solver.ts: Newton with a line search and a
 * convergence check; the penalty chosen by cross-validation), on standardised numeric features
 * (log1p for non-negative counts, mean-imputed with a missing indicator) and 0/1 columns for
 * booleans, missing flags and category levels (frequent levels, the rest as "other"), which are
 * penalised on their own scale. Constant columns are left out. Plain TypeScript, no native code.
 * The fitted model is plain JSON (stored in flow_models) and scores with one pass over the
 * features; each feature's contribution relative to the training average is the score reason.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, formatReason, phrase, readFeature } from './features.js';
import { type Factor, digest, type ScoreResult, topIndices } from './rules.js';
import type { FeatureSpec } from './settings.js';
import { type Design, type FitResult, type FitStop, fitLogistic, log1pExp } from './solver.js';

/** How one feature maps to columns of the model; plain JSON. */
export type FeatureEncoding =
  | {
      kind: 'numeric';
      feature: string;
      log: boolean;
      /** Value used when empty (mean of the transformed values). */
      impute: number;
      mean: number;
      sd: number;
      weight: number;
      /** Present when the training data had empty values. */
      missing: { mean: number; sd: number; weight: number } | null;
    }
  | {
      kind: 'category';
      feature: string;
      /** Level (lower-cased) → column; '(other)' and '(missing)' are levels too. */
      levels: { level: string; mean: number; sd: number; weight: number }[];
    };

export interface LogisticModelJson {
  kind: 'trained';
  /** Absent on models stored before a second family existed. */
  family?: 'logistic';
  version: string;
  features: Record<string, FeatureSpec>;
  intercept: number;
  encodings: FeatureEncoding[];
  reasons: number;
  /** How the fit went (models stored before this field existed have none). */
  fit?: { converged: boolean; stopped: FitStop; iterations: number; gradientNorm: number; lambda: number };
}

const OTHER = '(other)';
const MISSING = '(missing)';

interface FastEncoding {
  spec: FeatureSpec;
  name: string;
  numeric: boolean;
  log: boolean;
  impute: number;
  /** weight / sd */
  a: number;
  missA: number;
  levelA: Map<string, number>;
  otherA: number;
  missingA: number;
  /** Σ a·mean over the feature's columns: its contribution at the training average. */
  meanTerm: number;
}

/** A logistic model ready to score: the JSON plus precomputed per-feature terms. */
export interface LogisticModel {
  kind: 'trained';
  family: 'logistic';
  version: string;
  json: LogisticModelJson;
  fast: FastEncoding[];
  /** intercept − Σ meanTerm */
  offset: number;
  reasons: number;
  features: CompiledFeature[];
}

export function compileLogisticModel(json: LogisticModelJson): LogisticModel {
  const features = compileFeatures(json.features);
  const fast: FastEncoding[] = json.encodings.map((e) => {
    const spec = json.features[e.feature];
    if (e.kind === 'numeric') {
      const a = e.sd > 0 ? e.weight / e.sd : 0;
      const missA = e.missing && e.missing.sd > 0 ? e.missing.weight / e.missing.sd : 0;
      return {
        spec,
        name: e.feature,
        numeric: true,
        log: e.log,
        impute: e.impute,
        a,
        missA,
        levelA: new Map(),
        otherA: 0,
        missingA: 0,
        meanTerm: a * e.mean + (e.missing ? missA * e.missing.mean : 0),
      };
    }
    const levelA = new Map<string, number>();
    let meanTerm = 0;
    for (const l of e.levels) {
      const a = l.sd > 0 ? l.weight / l.sd : 0;
      levelA.set(l.level, a);
      meanTerm += a * l.mean;
    }
    return {
      spec,
      name: e.feature,
      numeric: false,
      log: false,
      impute: 0,
      a: 0,
      missA: 0,
      levelA,
      otherA: levelA.get(OTHER) ?? 0,
      missingA: levelA.get(MISSING) ?? 0,
      meanTerm,
    };
  });
  const offset = json.intercept - fast.reduce((s, f) => s + f.meanTerm, 0);
  return { kind: 'trained', family: 'logistic', version: json.version, json, fast, offset, reasons: json.reasons, features };
}

function activeTerm(f: FastEncoding, v: FeatureValue): number {
  if (f.numeric) {
    if (v === null || typeof v !== 'number') return f.a * f.impute + f.missA;
    return f.a * (f.log ? Math.log1p(Math.max(0, v)) : v);
  }
  if (v === null) return f.missingA;
  const a = f.levelA.get(typeof v === 'string' ? v.toLowerCase() : String(v));
  return a ?? f.otherA;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Probability of conversion, no reasons (training metrics, drift reference). */
export function predictLogistic(model: LogisticModel, record: FlowRecord, nowMs: number): number {
  let eta = model.offset;
  for (const f of model.fast) eta += activeTerm(f, readFeature(f.spec, record.fields, nowMs));
  return sigmoid(eta);
}

export function scoreWithLogistic(model: LogisticModel, record: FlowRecord, nowMs: number): ScoreResult & { probability: number } {
  const n = model.fast.length;
  const values = new Array<FeatureValue>(n);
  const contrib = new Float64Array(n);
  let eta = model.offset;
  for (let i = 0; i < n; i++) {
    const f = model.fast[i];
    const v = readFeature(f.spec, record.fields, nowMs);
    values[i] = v;
    const t = activeTerm(f, v);
    eta += t;
    contrib[i] = t - f.meanTerm;
  }
  const p = sigmoid(eta);
  // Points this factor adds over a record that is average on it: the score with and without it.
  // Only the top factors are worded (wording is the costly part of scoring).
  const exact = new Float64Array(n);
  for (let i = 0; i < n; i++) exact[i] = 100 * (p - sigmoid(eta - contrib[i]));
  const factors: Factor[] = [];
  for (const i of topIndices(exact, model.reasons)) {
    const points = Math.round(exact[i]);
    if (points === 0) break;
    const f = model.fast[i];
    const v = values[i];
    const text = v === null && f.spec.missingLabel !== undefined ? f.spec.missingLabel : phrase(f.spec.label, f.name, v, f.spec.type);
    factors.push({ feature: f.name, points, exact: exact[i], text });
  }
  const top = factors;
  return { score: Math.round(100 * p), probability: p, factors: top, reason: formatReason(top) };
}

// ── training ────────────────────────────────────────────────────────────────────────────────────

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
      if (vals.some((v) => v !== null && !keptSet.has(String(v).toLowerCase()))) levels.push(OTHER);
      if (vals.some((v) => v === null)) levels.push(MISSING);
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
        const key = v === null ? MISSING : String(v).toLowerCase();
        const level = levelSets[c.encIndex]?.has(key) ? key : v === null ? MISSING : OTHER;
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

/** One column of a trained model, in words, with its weight on the value's own scale (boosted trees: one feature and its mean contribution). */
export interface ModelFactor {
  feature: string;
  /** Readable: the feature's label with "n" for the value ("n website visits"), a level ("source Web"), or its missing wording. */
  name: string;
  /** `value`: per unit of the value (of log(1 + value) when `log`); `level` / `missing`: when the record has it; `contribution`: boosted trees' mean |path contribution| in log-odds. */
  kind: 'value' | 'level' | 'missing' | 'contribution';
  log: boolean;
  /** Change in log-odds per unit on the original scale (per level or when empty for 0/1 columns). */
  coefficient: number;
  /** Change in log-odds for one standard deviation of the value (0/1 columns: for having it); the ranking key. */
  effect: number;
}

const readableName = (spec: FeatureSpec, name: string): string =>
  spec.label ? spec.label.replaceAll('{value}', 'n').replace(/\s+/g, ' ').trim() : name.replaceAll('_', ' ');

/**
 * The model's columns with the largest effects, strongest first. Effects are compared per standard
 * deviation (a count of visits and an employee count have different units); each factor also
 * carries its coefficient on the value's original scale.
 */
export function strongestLogisticFactors(model: LogisticModel, n = 5): ModelFactor[] {
  const out: ModelFactor[] = [];
  for (const e of model.json.encodings) {
    const spec = model.json.features[e.feature];
    if (e.kind === 'numeric') {
      if (e.sd > 0 && e.weight !== 0)
        out.push({
          feature: e.feature,
          name: readableName(spec, e.feature),
          kind: 'value',
          log: e.log,
          coefficient: e.weight / e.sd,
          effect: e.weight,
        });
      if (e.missing && e.missing.sd > 0 && e.missing.weight !== 0) {
        out.push({
          feature: e.feature,
          name: spec.missingLabel ?? `${e.feature} empty`,
          kind: 'missing',
          log: false,
          coefficient: e.missing.weight / e.missing.sd,
          effect: e.missing.weight,
        });
      }
      continue;
    }
    for (const l of e.levels) {
      if (!(l.sd > 0) || l.weight === 0) continue;
      const name =
        l.level === MISSING
          ? (spec.missingLabel ?? `${e.feature} empty`)
          : phrase(spec.label, e.feature, l.level === OTHER ? 'other' : l.level, 'category');
      out.push({
        feature: e.feature,
        name,
        kind: l.level === MISSING ? 'missing' : 'level',
        log: false,
        coefficient: l.weight / l.sd,
        effect: l.weight,
      });
    }
  }
  return out
    .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect) || a.name.localeCompare(b.name))
    .slice(0, n);
}
