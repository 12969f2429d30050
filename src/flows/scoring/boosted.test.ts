import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../random/index.js';
import type { FlowRecord } from '../types.js';
import { boostedContributions, scoreWithBoosted } from './boosted.js';
import { trainBoosted } from './boosted-train.js';
import { trainLogistic } from './logistic-train.js';
import { auc, aucDifference } from './metrics.js';
import { chooseModel, scoreRecord } from './model.js';
import type { ScoringSettingsInput } from './settings.js';
import { type TrainedModelJson, compileTrainedModel, predictProbability, strongestFactors } from './trained.js';

const now = new Date('2026-11-01T00:00:00Z');
const nowMs = now.getTime();

/**
 * Leads that convert when exactly one of two signals is present (a demo booked, or a trial started,
 * but not both: the two-signal leads are partners, who never buy) — an interaction no sum of
 * per-feature effects can express. Plus a category with one strong level, a noise number with
 * empty values, and 10% label noise.
 */
function interactionLeads(n: number, seed: number): { records: FlowRecord[]; labels: number[] } {
  const rnd = mulberry32(seed);
  const records: FlowRecord[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const demo = rnd() < 0.5;
    const trial = rnd() < 0.5;
    const region = ['north', 'south', 'east', 'west'][Math.floor(rnd() * 4)];
    const noise = rnd() < 0.2 ? null : Math.round(rnd() * 100);
    let y = demo !== trial ? 1 : 0;
    if (region === 'west' && rnd() < 0.3) y = 1;
    if (rnd() < 0.1) y = 1 - y;
    records.push({ id: `lead-${seed}-${i}`, fields: { demo, trial, region, noise, converted: y === 1 } });
    labels.push(y);
  }
  return { records, labels };
}

const settings: ScoringSettingsInput = {
  model: 'auto',
  minConversions: 100,
  label: { field: 'converted' },
  features: {
    demo: { field: 'demo', type: 'boolean', label: 'demo booked: {value}' },
    trial: { field: 'trial', type: 'boolean', label: 'trial started: {value}' },
    region: { field: 'region', type: 'category', label: 'region {value}' },
    noise: { field: 'noise', label: '{value} page views' },
  },
  rules: [{ feature: 'demo', equals: 1, points: 10 }],
};
const features = {
  demo: { field: 'demo', type: 'boolean' as const, label: 'demo booked: {value}' },
  trial: { field: 'trial', type: 'boolean' as const, label: 'trial started: {value}' },
  region: { field: 'region', type: 'category' as const, label: 'region {value}' },
  noise: { field: 'noise', type: 'number' as const, label: '{value} page views' },
};

describe('boosted trees', () => {
  const train = interactionLeads(3000, 1);
  const test = interactionLeads(2000, 2);
  const { model, fit } = trainBoosted(features, train.records, train.labels, nowMs, { reasons: 3 });

  it('fit an interaction that logistic regression cannot', () => {
    const lr = trainLogistic(features, train.records, train.labels, nowMs, { reasons: 3, l2: 1 }).model;
    const boostedAuc = auc(test.records.map((r) => predictProbability(model, r, nowMs)), test.labels);
    const logisticAuc = auc(test.records.map((r) => predictProbability(lr, r, nowMs)), test.labels);
    expect(logisticAuc).toBeLessThan(0.65);
    expect(boostedAuc).toBeGreaterThan(0.85);
    expect(fit.treesChosenBy).toBe('early stopping');
    expect(fit.trees).toBeGreaterThan(1);
    expect(fit.trees).toBeLessThan(300);
  });

  it('are chosen over logistic regression by the hold-out only when clearly better, and say so', () => {
    const choice = chooseModel(settings, [...train.records, ...test.records], now);
    expect(choice.metrics?.family).toBe('boosted');
    expect(choice.metrics?.familyWhy).toMatch(/^boosted trees: boosted trees' held-out AUC 0\.\d{3} vs logistic 0\.\d{3}, difference \+0\.\d{3} \(95% CI \+0\.\d{3} to \+0\.\d{3}\), clearly above 0$/);
    expect(choice.metrics?.families.map((f) => f.family)).toEqual(['logistic', 'boosted']);
    expect(choice.model.kind === 'trained' && choice.model.family).toBe('boosted');
    expect(choice.explanation).toContain('(boosted trees)');
    // refitted on every decided record with the tree count the hold-out chose
    expect(choice.metrics?.boostRefit).toMatchObject({ trees: choice.metrics?.boost?.trees, treesChosenBy: 'given', rows: 5000 });

    // without an interaction to find, logistic regression stays: boosting is not clearly better
    const plain = chooseModel({ ...settings, features: { demo: settings.features.demo, noise: settings.features.noise } }, [...train.records, ...test.records], now);
    expect(plain.metrics?.family).toBe('logistic');
    expect(plain.metrics?.familyWhy).toMatch(/^logistic regression: .*not clearly above 0$/);
    // and with only logistic configured, no trees are fitted
    const only = chooseModel({ ...settings, families: ['logistic'] }, [...train.records, ...test.records], now);
    expect(only.metrics?.boost).toBeNull();
    expect(only.metrics?.families.map((f) => f.family)).toEqual(['logistic']);
  });

  it('explain each score: the features’ path contributions add up to its log-odds, and the reason names the ones that moved it', () => {
    for (const r of test.records.slice(0, 50)) {
      const c = boostedContributions(model, r, nowMs);
      const sum = Object.values(c.contributions).reduce((s, x) => s + x, 0);
      expect(c.offset + sum).toBeCloseTo(c.logOdds, 9);
      expect(1 / (1 + Math.exp(-c.logOdds))).toBeCloseTo(predictProbability(model, r, nowMs), 12);
    }
    // a lead with a demo and no trial converts; its reason credits those two signals
    const lead: FlowRecord = { id: 'x', fields: { demo: true, trial: false, region: 'north', noise: 10 } };
    const s = scoreWithBoosted(model, lead, nowMs);
    expect(s.score).toBeGreaterThan(70);
    expect(s.factors.slice(0, 2).map((f) => f.feature).sort()).toEqual(['demo', 'trial']);
    expect(s.factors[0].points).toBeGreaterThan(0);
    expect(s.reason).toMatch(/^\+\d+ (demo booked: yes|trial started: no); \+\d+ (demo booked: yes|trial started: no)/);
    // the partner (both signals) does not: its two signals pull the score down together
    const partner = scoreWithBoosted(model, { id: 'p', fields: { demo: true, trial: true, region: 'north', noise: 10 } }, nowMs);
    expect(partner.score).toBeLessThan(30);
    expect(partner.factors.filter((f) => f.feature === 'demo' || f.feature === 'trial').every((f) => f.points < 0)).toBe(true);
    // the strongest factors are the two interacting signals
    expect(strongestFactors(model, 2).map((f) => f.feature).sort()).toEqual(['demo', 'trial']);
    expect(strongestFactors(model, 2).every((f) => f.kind === 'contribution' && f.effect > 0)).toBe(true);
  });

  it('round-trip through plain JSON (the store) with the same scores and reasons', () => {
    const stored = JSON.parse(JSON.stringify(model.json)) as TrainedModelJson;
    const restored = compileTrainedModel(stored);
    expect(restored.family).toBe('boosted');
    expect(restored.version).toBe(model.version);
    const unseen: FlowRecord[] = [
      ...test.records.slice(0, 200),
      { id: 'empty', fields: {} },
      { id: 'new-level', fields: { demo: 'yes', trial: 'no', region: 'Atlantis', noise: '7' } },
    ];
    for (const r of unseen) expect(scoreRecord(restored, r, nowMs)).toEqual(scoreRecord(model, r, nowMs));
  });

  it('are deterministic: the same records give the same trees', () => {
    const again = trainBoosted(features, train.records, train.labels, nowMs, { reasons: 3 });
    expect(again.model.version).toBe(model.version);
    expect(again.model.json.trees).toEqual(model.json.trees);
  });
});

describe('AUC difference (paired DeLong)', () => {
  it('is zero with no spread for the same scores, and clearly positive for a model that ranks better', () => {
    const rnd = mulberry32(3);
    const labels = Array.from({ length: 600 }, () => (rnd() < 0.3 ? 1 : 0));
    const good = labels.map((y) => y + rnd() * 1.2);
    const poor = labels.map((y) => y * 0.2 + rnd());
    const same = aucDifference(good, good, labels);
    expect(same.difference).toBe(0);
    expect(same.se).toBeCloseTo(0, 12);
    const d = aucDifference(good, poor, labels);
    expect(d.difference).toBeCloseTo(auc(good, labels) - auc(poor, labels), 12);
    expect(d.lower).toBeGreaterThan(0);
    expect(d.upper).toBeGreaterThan(d.difference);
    const back = aucDifference(poor, good, labels);
    expect(back.difference).toBeCloseTo(-d.difference, 12);
    expect(back.se).toBeCloseTo(d.se, 12);
    expect(Number.isNaN(aucDifference([1, 2], [2, 1], [1, 1]).difference)).toBe(true);
  });
});
