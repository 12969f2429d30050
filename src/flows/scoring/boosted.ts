/**
 * The second trained family: gradient-boosted decision trees (small depth, shrinkage) on the
 * flow's features, scored in one pass per tree. Its reasons are path contributions (Saabas): along
 * a record's path through each tree, the change of the node's value at each split is credited to
 * the split's feature, so the features' contributions add up exactly to the record's log-odds less
 * the model's average (the sum of the trees' root values and the base rate). Plain JSON in the
 * store; training is in boosted-train.ts.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, formatReason, phrase, readFeature } from './features.js';
import { type Factor, type ScoreResult, topIndices } from './rules.js';
import type { FeatureSpec } from './settings.js';

/** How a feature enters the trees: numbers as they are read; categories as level ids. */
export interface BoostedColumn {
  feature: string;
  kind: 'number' | 'category';
  /** Category: the levels with their own id (lower-cased); any other level is id `levels.length` ("other"). */
  levels: string[];
}

/**
 * One node. A split sends a record left when its value is ≤ `threshold` (numbers) or its level id
 * is in `left` (categories); an empty value goes left when `missingLeft`. A leaf has no `column`.
 * `value` is the node's log-odds step (shrinkage applied): at a leaf what the tree adds.
 */
export interface BoostedNode {
  column?: number;
  threshold?: number;
  left?: number[];
  missingLeft?: boolean;
  /** Children, as indices into the tree's nodes. */
  yes?: number;
  no?: number;
  value: number;
}

/** How a boosted fit went: plain JSON, stored with the model and in its metrics. */
export interface BoostReport {
  trees: number;
  depth: number;
  learningRate: number;
  /** `early stopping`: the count that did best on rows held back from the fit; `settings`: given. */
  treesChosenBy: 'early stopping' | 'given';
  /** Held-back log loss at the chosen count (early stopping only). */
  validationLogLoss: number | null;
  rows: number;
}

export interface BoostedModelJson {
  kind: 'trained';
  family: 'boosted';
  version: string;
  features: Record<string, FeatureSpec>;
  /** Log-odds of the training conversion rate. */
  base: number;
  columns: BoostedColumn[];
  trees: BoostedNode[][];
  reasons: number;
  fit: BoostReport & { converged: true };
  /** Per feature, the mean |path contribution| (log-odds) over the training rows, largest first. */
  importance: { feature: string; meanAbs: number }[];
}

/** A boosted model ready to score: the JSON flattened into arrays. */
export interface BoostedModel {
  kind: 'trained';
  family: 'boosted';
  version: string;
  json: BoostedModelJson;
  reasons: number;
  features: CompiledFeature[];
  /** Per column: its feature, and for categories the level → id map. */
  specs: FeatureSpec[];
  levelIds: (Map<string, number> | null)[];
  /** base + Σ root values: the log-odds of a record no split moved. */
  offset: number;
  /** Flattened nodes of every tree; tree t starts at roots[t]. */
  roots: Int32Array;
  column: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  yes: Int32Array;
  no: Int32Array;
  value: Float64Array;
  /** Category splits: membership by level id (other = last), per node; null for numeric splits and leaves. */
  leftSet: (Uint8Array | null)[];
}

export function compileBoostedModel(json: BoostedModelJson): BoostedModel {
  const total = json.trees.reduce((s, t) => s + t.length, 0);
  const roots = new Int32Array(json.trees.length);
  const column = new Int32Array(total).fill(-1);
  const threshold = new Float64Array(total);
  const missingLeft = new Uint8Array(total);
  const yes = new Int32Array(total);
  const no = new Int32Array(total);
  const value = new Float64Array(total);
  const leftSet: (Uint8Array | null)[] = new Array(total).fill(null);
  let at = 0;
  let offset = json.base;
  json.trees.forEach((tree, t) => {
    roots[t] = at;
    offset += tree[0]?.value ?? 0;
    tree.forEach((node, k) => {
      const i = at + k;
      value[i] = node.value;
      if (node.column === undefined) return;
      column[i] = node.column;
      threshold[i] = node.threshold ?? 0;
      missingLeft[i] = node.missingLeft ? 1 : 0;
      yes[i] = at + (node.yes ?? 0);
      no[i] = at + (node.no ?? 0);
      const c = json.columns[node.column];
      if (c.kind === 'category') {
        const set = new Uint8Array(c.levels.length + 1);
        for (const id of node.left ?? []) set[id] = 1;
        leftSet[i] = set;
      }
    });
    at += tree.length;
  });
  const specs = json.columns.map((c) => json.features[c.feature]);
  const levelIds = json.columns.map((c) => (c.kind === 'category' ? new Map(c.levels.map((l, i) => [l, i])) : null));
  return {
    kind: 'trained',
    family: 'boosted',
    version: json.version,
    json,
    reasons: json.reasons,
    features: compileFeatures(json.features),
    specs,
    levelIds,
    offset,
    roots,
    column,
    threshold,
    missingLeft,
    yes,
    no,
    value,
    leftSet,
  };
}

/** A feature value as the trees read it: a number, a level id, or NaN when empty. */
export function encodeValue(kind: BoostedColumn['kind'], ids: Map<string, number> | null, v: FeatureValue): number {
  if (v === null) return Number.NaN;
  if (kind === 'number') return typeof v === 'number' ? v : Number.NaN;
  const key = typeof v === 'string' ? v.toLowerCase() : String(v);
  const id = ids?.get(key);
  return id ?? (ids?.size ?? 0);
}

function encodeRecord(model: BoostedModel, record: FlowRecord, nowMs: number, values?: FeatureValue[]): Float64Array {
  const n = model.specs.length;
  const x = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    const v = readFeature(model.specs[c], record.fields, nowMs);
    if (values) values[c] = v;
    x[c] = encodeValue(model.json.columns[c].kind, model.levelIds[c], v);
  }
  return x;
}

/** Feature values as read (in the model's column order) encoded for the trees. */
export function encodeValues(model: BoostedModel, values: FeatureValue[]): Float64Array {
  return Float64Array.from(values, (v, c) => encodeValue(model.json.columns[c].kind, model.levelIds[c], v));
}

/** Whether node `i` sends the encoded record left. */
function goesLeft(m: BoostedModel, i: number, x: Float64Array): boolean {
  const v = x[m.column[i]];
  if (Number.isNaN(v)) return m.missingLeft[i] === 1;
  const set = m.leftSet[i];
  return set === null ? v <= m.threshold[i] : set[v] === 1;
}

/** The log-odds of an encoded record; with `contrib`, each column's path contribution is added to it. */
export function boostedLogOdds(m: BoostedModel, x: Float64Array, contrib?: Float64Array): number {
  let eta = m.offset;
  for (let t = 0; t < m.roots.length; t++) {
    let i = m.roots[t];
    while (m.column[i] >= 0) {
      const next = goesLeft(m, i, x) ? m.yes[i] : m.no[i];
      if (contrib) contrib[m.column[i]] += m.value[next] - m.value[i];
      eta += m.value[next] - m.value[i];
      i = next;
    }
  }
  return eta;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function predictBoosted(model: BoostedModel, record: FlowRecord, nowMs: number): number {
  return sigmoid(boostedLogOdds(model, encodeRecord(model, record, nowMs)));
}

export function scoreWithBoosted(model: BoostedModel, record: FlowRecord, nowMs: number): ScoreResult & { probability: number } {
  const n = model.specs.length;
  const values = new Array<FeatureValue>(n);
  const x = encodeRecord(model, record, nowMs, values);
  const contrib = new Float64Array(n);
  const eta = boostedLogOdds(model, x, contrib);
  const p = sigmoid(eta);
  // Points a feature adds over a record it did not move: the score with and without its contribution.
  const exact = new Float64Array(n);
  for (let i = 0; i < n; i++) exact[i] = contrib[i] === 0 ? 0 : 100 * (p - sigmoid(eta - contrib[i]));
  const factors: Factor[] = [];
  for (const i of topIndices(exact, model.reasons)) {
    const points = Math.round(exact[i]);
    if (points === 0) break;
    const spec = model.specs[i];
    const name = model.json.columns[i].feature;
    const v = values[i];
    const text = v === null && spec.missingLabel !== undefined ? spec.missingLabel : phrase(spec.label, name, v, spec.type);
    factors.push({ feature: name, points, exact: exact[i], text });
  }
  return { score: Math.round(100 * p), probability: p, factors, reason: formatReason(factors) };
}

/** Each feature's path contribution (log-odds) for one record, by feature name; they sum to its log-odds less the model's offset. */
export function boostedContributions(model: BoostedModel, record: FlowRecord, nowMs: number): { offset: number; logOdds: number; contributions: Record<string, number> } {
  const x = encodeRecord(model, record, nowMs);
  const contrib = new Float64Array(model.specs.length);
  const logOdds = boostedLogOdds(model, x, contrib);
  const contributions: Record<string, number> = {};
  model.json.columns.forEach((c, i) => {
    contributions[c.feature] = (contributions[c.feature] ?? 0) + contrib[i];
  });
  return { offset: model.offset, logOdds, contributions };
}
