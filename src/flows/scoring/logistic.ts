/**
 * The trained model: L2-regularised logistic regression fitted by Newton's method, on standardised
 * numeric features (log1p for non-negative counts, mean-imputed with a missing indicator) and
 * one-hot categoricals (frequent levels, the rest as "other"). Plain TypeScript, no native code.
 * The fitted model is plain JSON (stored in flow_models) and scores with one pass over the
 * features; each feature's contribution relative to the training average is the score reason.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, formatReason, phrase, readFeature } from './features.js';
import { type Factor, digest, type ScoreResult, topIndices } from './rules.js';
import type { FeatureSpec } from './settings.js';

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

export interface TrainedModelJson {
  kind: 'trained';
  version: string;
  features: Record<string, FeatureSpec>;
  intercept: number;
  encodings: FeatureEncoding[];
  reasons: number;
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

/** A trained model ready to score: the JSON plus precomputed per-feature terms. */
export interface TrainedModel {
  kind: 'trained';
  version: string;
  json: TrainedModelJson;
  fast: FastEncoding[];
  /** intercept − Σ meanTerm */
  offset: number;
  reasons: number;
  features: CompiledFeature[];
}

export function compileTrainedModel(json: TrainedModelJson): TrainedModel {
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
  return { kind: 'trained', version: json.version, json, fast, offset, reasons: json.reasons, features };
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
export function predictProbability(model: TrainedModel, record: FlowRecord, nowMs: number): number {
  let eta = model.offset;
  for (const f of model.fast) eta += activeTerm(f, readFeature(f.spec, record.fields, nowMs));
  return sigmoid(eta);
}

export function scoreWithTrained(model: TrainedModel, record: FlowRecord, nowMs: number): ScoreResult & { probability: number } {
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

export interface TrainOptions {
  l2: number;
  reasons: number;
  maxIterations?: number;
  /** A category level needs this many training rows to get its own column. */
  minLevelCount?: number;
  maxLevels?: number;
}

interface ColumnPlan {
  encIndex: number;
  /** Which value of the encoding this column reads. */
  role: 'value' | 'missing' | 'level';
  level?: string;
}

function meanSd(xs: Float64Array): { mean: number; sd: number } {
  let s = 0;
  for (const x of xs) s += x;
  const mean = xs.length > 0 ? s / xs.length : 0;
  let v = 0;
  for (const x of xs) v += (x - mean) ** 2;
  return { mean, sd: xs.length > 1 ? Math.sqrt(v / xs.length) : 0 };
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

/**
 * Fits the model to labelled records (label 1 = converted). Deterministic: the same records and
 * settings give the same weights and version.
 */
export function trainLogistic(
  features: Record<string, FeatureSpec>,
  records: FlowRecord[],
  labels: ArrayLike<number>,
  nowMs: number,
  opts: TrainOptions,
): TrainedModel {
  const compiled = compileFeatures(features);
  const n = records.length;
  const raw = records.map((r) => compiled.map((f) => readFeature(f.spec, r.fields, nowMs)));
  const minLevel = opts.minLevelCount ?? Math.max(10, Math.ceil(n * 0.005));
  const maxLevels = opts.maxLevels ?? 30;

  // Encodings and the columns they need, from the training data only.
  const encodings: FeatureEncoding[] = [];
  const plan: ColumnPlan[] = [];
  compiled.forEach((f, fi) => {
    const vals = raw.map((row) => row[fi]);
    if (f.spec.type === 'category') {
      const counts = new Map<string, number>();
      for (const v of vals) if (v !== null) counts.set(String(v).toLowerCase(), (counts.get(String(v).toLowerCase()) ?? 0) + 1);
      const kept = [...counts.entries()].filter(([, c]) => c >= minLevel).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxLevels).map(([l]) => l);
      const keptSet = new Set(kept);
      const levels = [...kept];
      if (vals.some((v) => v !== null && !keptSet.has(String(v).toLowerCase()))) levels.push(OTHER);
      if (vals.some((v) => v === null)) levels.push(MISSING);
      const ei = encodings.length;
      encodings.push({ kind: 'category', feature: f.name, levels: levels.map((level) => ({ level, mean: 0, sd: 0, weight: 0 })) });
      for (const level of levels) plan.push({ encIndex: ei, role: 'level', level });
      return;
    }
    const present = vals.filter((v): v is number => typeof v === 'number');
    const log = f.spec.type !== 'boolean' && present.length > 0 && present.every((v) => v >= 0);
    const t = present.map((v) => (log ? Math.log1p(v) : v));
    const impute = t.length > 0 ? t.reduce((s, x) => s + x, 0) / t.length : 0;
    const ei = encodings.length;
    const hasMissing = present.length < vals.length;
    encodings.push({ kind: 'numeric', feature: f.name, log, impute, mean: 0, sd: 0, weight: 0, missing: hasMissing ? { mean: 0, sd: 0, weight: 0 } : null });
    plan.push({ encIndex: ei, role: 'value' });
    if (hasMissing) plan.push({ encIndex: ei, role: 'missing' });
  });

  // Design matrix of raw column values, then standardised in place.
  const p = plan.length;
  const X = new Float64Array(n * p);
  const encFeature = encodings.map((e) => compiled.findIndex((c) => c.name === e.feature));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const c = plan[j];
      const e = encodings[c.encIndex];
      const v = raw[i][encFeature[c.encIndex]];
      let x = 0;
      if (e.kind === 'numeric') {
        if (c.role === 'missing') x = v === null ? 1 : 0;
        else x = typeof v === 'number' ? (e.log ? Math.log1p(Math.max(0, v)) : v) : e.impute;
      } else {
        const key = v === null ? MISSING : String(v).toLowerCase();
        const known = e.levels.some((l) => l.level === key);
        x = (known ? key : v === null ? MISSING : OTHER) === c.level ? 1 : 0;
      }
      X[i * p + j] = x;
    }
  }
  const means = new Float64Array(p);
  const sds = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = X[i * p + j];
    const { mean, sd } = meanSd(col);
    means[j] = mean;
    sds[j] = sd;
    for (let i = 0; i < n; i++) X[i * p + j] = sd > 0 ? (X[i * p + j] - mean) / sd : 0;
  }

  // Newton–Raphson on the penalised log-likelihood; index 0 of the system is the intercept.
  const m = p + 1;
  const w = new Float64Array(m);
  let prior = 0;
  for (let i = 0; i < n; i++) prior += labels[i];
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, prior / Math.max(1, n)));
  w[0] = Math.log(rate / (1 - rate));
  const maxIt = opts.maxIterations ?? 30;
  for (let it = 0; it < maxIt; it++) {
    const H = new Float64Array(m * m);
    const g = new Float64Array(m);
    const xi = new Float64Array(m);
    xi[0] = 1;
    for (let i = 0; i < n; i++) {
      let eta = w[0];
      for (let j = 0; j < p; j++) {
        xi[j + 1] = X[i * p + j];
        eta += w[j + 1] * xi[j + 1];
      }
      const pr = sigmoid(eta);
      const r = labels[i] - pr;
      const s = pr * (1 - pr);
      for (let a = 0; a < m; a++) {
        const xa = xi[a];
        if (xa === 0) continue;
        g[a] += r * xa;
        const sxa = s * xa;
        for (let b = 0; b <= a; b++) H[a * m + b] += sxa * xi[b];
      }
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) H[b * m + a] = H[a * m + b];
    for (let j = 1; j < m; j++) {
      g[j] -= opts.l2 * w[j];
      H[j * m + j] += opts.l2;
    }
    H[0] += 1e-9;
    const step = choleskySolve(H, g, m);
    let biggest = 0;
    for (let j = 0; j < m; j++) {
      w[j] += step[j];
      biggest = Math.max(biggest, Math.abs(step[j]));
    }
    if (biggest < 1e-7) break;
  }

  plan.forEach((c, j) => {
    const e = encodings[c.encIndex];
    const weight = sds[j] > 0 ? w[j + 1] : 0;
    if (e.kind === 'numeric') {
      if (c.role === 'missing' && e.missing) e.missing = { mean: means[j], sd: sds[j], weight };
      else {
        e.mean = means[j];
        e.sd = sds[j];
        e.weight = weight;
      }
    } else {
      const l = e.levels.find((x) => x.level === c.level);
      if (l) Object.assign(l, { mean: means[j], sd: sds[j], weight });
    }
  });
  const json: TrainedModelJson = { kind: 'trained', version: '', features, intercept: w[0], encodings, reasons: opts.reasons };
  json.version = `lr-${digest({ i: json.intercept, e: encodings })}`;
  return compileTrainedModel(json);
}
