import { describe, expect, it } from 'vitest';
import { type TrainedModelJson, compileTrainedModel, strongestFactors } from './trained.js';
import { chooseModel } from './model.js';
import { type ModelSummary, describeModelChoice, modelReport, summariseModel } from './report.js';
import { EXAMPLE_SCORING_SETTINGS } from './settings.js';
import { syntheticLeads } from './synthetic.js';

const now = new Date('2026-11-28T09:00:00.000Z');

describe('strongest factors', () => {
  const json: TrainedModelJson = {
    kind: 'trained',
    version: 'lr-test',
    features: {
      visits: { field: 'Web_Visits__c', type: 'number', label: '{value} website visits' },
      engaged: {
        field: 'Last_Engaged__c',
        type: 'date',
        label: 'last engaged {value} days ago',
        missingLabel: 'never engaged',
      },
      source: { field: 'LeadSource', type: 'category', label: 'source {value}' },
      employees: { field: 'NumberOfEmployees', type: 'number' },
    },
    intercept: -1,
    encodings: [
      {
        kind: 'numeric',
        feature: 'visits',
        log: true,
        impute: 1,
        mean: 1,
        sd: 0.5,
        weight: 0.4,
        missing: null,
      },
      {
        kind: 'numeric',
        feature: 'engaged',
        log: false,
        impute: 30,
        mean: 30,
        sd: 20,
        weight: -1.2,
        missing: { mean: 0.1, sd: 1, weight: -0.9 },
      },
      {
        kind: 'category',
        feature: 'source',
        levels: [
          { level: 'web', mean: 0.3, sd: 1, weight: 0.7 },
          { level: '(other)', mean: 0.2, sd: 1, weight: -0.05 },
          { level: 'partner', mean: 0.1, sd: 0, weight: 3 }, // constant in training: not fitted
        ],
      },
      {
        kind: 'numeric',
        feature: 'employees',
        log: true,
        impute: 4,
        mean: 4,
        sd: 1.5,
        weight: 0,
        missing: null,
      },
    ],
    reasons: 3,
  };

  it('ranks by effect per standard deviation, gives each coefficient on the original scale, and names it in words', () => {
    const f = strongestFactors(compileTrainedModel(json), 10);
    expect(f.map((x) => [x.name, x.kind])).toEqual([
      ['last engaged n days ago', 'value'],
      ['never engaged', 'missing'],
      ['source web', 'level'],
      ['n website visits', 'value'],
      ['source other', 'level'],
    ]);
    expect(f[0].coefficient).toBeCloseTo(-1.2 / 20, 12);
    expect(f[0].effect).toBe(-1.2);
    expect(f[3]).toMatchObject({ log: true, effect: 0.4 });
    expect(f[3].coefficient).toBeCloseTo(0.8, 12);
    // a zero weight and a column constant in training are no factors
    expect(f.some((x) => x.feature === 'employees' || x.name === 'source partner')).toBe(false);
    expect(strongestFactors(compileTrainedModel(json), 2)).toHaveLength(2);
  });
});

describe('model report', () => {
  it('reports a trained choice: hold-out figures, lift over every held-out record, counts, penalty and fit', () => {
    const { records } = syntheticLeads(6000, 21, now);
    const choice = chooseModel({ ...EXAMPLE_SCORING_SETTINGS, minConversions: 200 }, records, now, {
      flow: 'lead-score',
    });
    const r = modelReport('lead-score', choice, now);
    const m = choice.metrics!;
    expect(r).toMatchObject({
      flow: 'lead-score',
      chosen: choice.model.kind,
      modelVersion: choice.model.version,
      why: choice.explanation,
      trainedAt: now.toISOString(),
    });
    expect(r.records).toEqual({
      converted: m.conversions,
      notConverted: m.negatives,
      undecided: m.undecided,
    });
    expect(r.holdout).toMatchObject({
      rows: m.holdoutRows,
      auc: m.holdoutAuc,
      aucLower: m.holdoutAucLower,
      rulesAuc: m.rulesHoldoutAuc,
      brier: m.brier,
    });
    expect(r.lift.reduce((s, l) => s + l.records, 0)).toBe(m.holdoutRows);
    expect(r.lift.at(-1)?.captured).toBe(1);
    expect(r.holdout?.topDecilePrecision).toBe(r.lift[0].precision);
    expect(r.penalty).toEqual({ l2: m.fit.lambda, chosenBy: 'cross-validation' });
    expect(r.fit?.iterations).toBe(m.fit.iterations);
    expect(r.strongest.length).toBeGreaterThan(0);
    // plain JSON: stored as it is
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('reports a rules choice made without training: the reason and the counts, no hold-out', () => {
    const { records } = syntheticLeads(600, 7, now);
    const choice = chooseModel(EXAMPLE_SCORING_SETTINGS, records, now, { flow: 'lead-score' });
    const r = modelReport('lead-score', choice, now);
    expect(r.chosen).toBe('rules');
    expect(r.holdout).toBeNull();
    expect(r.lift).toEqual([]);
    expect(r.strongest).toEqual([]);
    expect(r.records?.converted).toBe(choice.conversions);
    expect(summariseModel(r)).toMatchObject({
      chosen: 'rules',
      holdoutAuc: null,
      aucLower: null,
      rulesAuc: null,
    });
  });
});

describe('the model choice in one line', () => {
  const base: ModelSummary = {
    flow: 'lead-score',
    chosen: 'trained',
    modelVersion: 'lr-1',
    holdoutAuc: 0.8491,
    aucLower: 0.8322,
    aucUpper: 0.866,
    rulesAuc: 0.7664,
    rejected: null,
    why: '…',
  };
  it.each([
    [
      base,
      'flow lead-score: scoring with trained model lr-1: held-out AUC 0.849 (95% CI 0.832–0.866) vs rules 0.766',
    ],
    [
      {
        ...base,
        chosen: 'rules',
        modelVersion: 'rules-9',
        rejected: 'not better than rules',
        why: "rules model: the trained model's held-out AUC 0.700 does not clear the rules' AUC 0.710; keeping the rules",
      },
      "flow lead-score: scoring with rules model rules-9; the trained model's held-out AUC 0.700 does not clear the rules' AUC 0.710; keeping the rules",
    ],
    [
      {
        ...base,
        holdoutAuc: null,
        aucLower: null,
        aucUpper: null,
        rulesAuc: null,
        why: 'trained model lr-1',
      },
      'flow lead-score: scoring with trained model lr-1',
    ],
  ] as const)('%j', (summary, want) => {
    expect(describeModelChoice(summary as ModelSummary)).toBe(want);
  });
});
