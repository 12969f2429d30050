/**
 * The trained model: L2-regularised logistic regression (solver.ts: Newton with a line search and a
 * convergence check; the penalty chosen by cross-validation), on standardised numeric features
 * (log1p for non-negative counts, mean-imputed with a missing indicator) and 0/1 columns for
 * booleans, missing flags and category levels (frequent levels, the rest as "other"), which are
 * penalised on their own scale. Constant columns are left out. Plain TypeScript, no native code.
 * The fitted model is plain JSON (stored in flow_models) and scores with one pass over the
 * features; each feature's contribution relative to the training average is the score reason.
 * Fitting it to labelled records: logistic-train.ts.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, formatReason, phrase, readFeature } from './features.js';
import { type Factor, type ScoreResult, topIndices } from './rules.js';
import type { FeatureSpec } from './settings.js';
import type { FitStop } from './solver.js';

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

/** The levels of a category encoding besides its frequent ones: the rest, and empty. */
export const OTHER_LEVEL = '(other)';
export const MISSING_LEVEL = '(missing)';

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
      otherA: levelA.get(OTHER_LEVEL) ?? 0,
      missingA: levelA.get(MISSING_LEVEL) ?? 0,
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
        l.level === MISSING_LEVEL
          ? (spec.missingLabel ?? `${e.feature} empty`)
          : phrase(spec.label, e.feature, l.level === OTHER_LEVEL ? 'other' : l.level, 'category');
      out.push({
        feature: e.feature,
        name,
        kind: l.level === MISSING_LEVEL ? 'missing' : 'level',
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
