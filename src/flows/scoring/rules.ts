/**
 * The rules model: declarative points per signal, with time decay, summed from a base and clamped
 * to 0..100. Every point that moved the score is a factor of the reason, so a rep sees exactly why.
 */
import type { FlowRecord } from '../types.js';
import { type CompiledFeature, compileFeatures, type FeatureValue, formatReason, phrase, readFeature } from './features.js';
import type { ScoringRule, ScoringSettings } from './settings.js';

export interface Factor {
  feature: string;
  /** Signed points, rounded for display. */
  points: number;
  /** Unrounded contribution, for ordering. */
  exact: number;
  text: string;
}

export interface ScoreResult {
  score: number;
  /** Top factors, largest absolute contribution first. */
  factors: Factor[];
  reason: string;
}

interface CompiledRule {
  rule: ScoringRule;
  featureIndex: number;
  equals: Set<string> | null;
}

export interface RulesModel {
  kind: 'rules';
  version: string;
  features: CompiledFeature[];
  rules: CompiledRule[];
  base: number;
  reasons: number;
}

/** A short stable digest of the settings, so a changed rule set is a new model version. */
export function digest(value: unknown): string {
  const s = JSON.stringify(value);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function buildRulesModel(settings: ScoringSettings): RulesModel {
  const features = compileFeatures(settings.features);
  const index = new Map(features.map((f, i) => [f.name, i]));
  const rules = settings.rules.map((rule) => ({
    rule,
    featureIndex: index.get(rule.feature) ?? -1,
    equals:
      rule.equals === undefined
        ? null
        : new Set((Array.isArray(rule.equals) ? rule.equals : [rule.equals]).map((e) => String(e).toLowerCase())),
  }));
  return {
    kind: 'rules',
    version: `rules-${digest({ f: settings.features, r: settings.rules, b: settings.base })}`,
    features,
    rules,
    base: settings.base,
    reasons: settings.reasons,
  };
}

/** Points one rule gives for one value (0 when it does not fire). */
export function rulePoints(c: CompiledRule, v: FeatureValue): number {
  const r = c.rule;
  if (r.missing) return v === null ? r.points : 0;
  if (v === null) return r.orMissing ? r.points : 0;
  if (c.equals !== null) {
    const key = typeof v === 'number' ? String(v) : v.toLowerCase();
    if (!c.equals.has(key)) return 0;
  }
  if (r.gte !== undefined || r.lte !== undefined) {
    if (typeof v !== 'number') return 0;
    if (r.gte !== undefined && v < r.gte) return 0;
    if (r.lte !== undefined && v > r.lte) return 0;
  }
  let pts = r.points;
  if (r.per !== undefined) pts = typeof v === 'number' ? (r.points * v) / r.per : 0;
  if (r.halfLifeDays !== undefined) pts = typeof v === 'number' ? pts * 0.5 ** (v / r.halfLifeDays) : 0;
  if (r.max !== undefined && Math.abs(pts) > r.max) pts = Math.sign(pts) * r.max;
  return pts;
}

export function scoreWithRules(model: RulesModel, record: FlowRecord, nowMs: number): ScoreResult {
  const values = new Array<FeatureValue | undefined>(model.features.length);
  let total = model.base;
  const firedRule: number[] = [];
  const firedPts: number[] = [];
  for (let r = 0; r < model.rules.length; r++) {
    const c = model.rules[r];
    let v = values[c.featureIndex];
    if (v === undefined) {
      v = readFeature(model.features[c.featureIndex].spec, record.fields, nowMs);
      values[c.featureIndex] = v;
    }
    const pts = rulePoints(c, v);
    if (pts === 0) continue;
    total += pts;
    firedRule.push(r);
    firedPts.push(pts);
  }
  // Only the top factors are worded (wording is the costly part of scoring).
  const factors: Factor[] = [];
  for (const j of topIndices(firedPts, model.reasons)) {
    const points = Math.round(firedPts[j]);
    if (points === 0) break;
    const c = model.rules[firedRule[j]];
    const spec = model.features[c.featureIndex].spec;
    const v = values[c.featureIndex] ?? null;
    const text = v === null && c.rule.label === undefined && spec.missingLabel !== undefined ? spec.missingLabel : phrase(c.rule.label ?? spec.label, c.rule.feature, v, spec.type);
    factors.push({ feature: c.rule.feature, points, exact: firedPts[j], text });
  }
  const score = Math.max(0, Math.min(100, Math.round(total)));
  return { score, factors, reason: formatReason(factors) };
}

/** Indices of the `k` largest |values|, largest first (k is small: a linear scan per pick). */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let pick = 0; pick < k; pick++) {
    let best = -1;
    for (let i = 0; i < values.length; i++) {
      if (out.includes(i)) continue;
      if (best === -1 || Math.abs(values[i]) > Math.abs(values[best])) best = i;
    }
    if (best === -1) break;
    out.push(best);
  }
  return out;
}

/** The largest contributions that round to at least one point. */
export function topFactors(all: Factor[], n: number): Factor[] {
  return all
    .filter((f) => f.points !== 0)
    .sort((a, b) => Math.abs(b.exact) - Math.abs(a.exact))
    .slice(0, n);
}
