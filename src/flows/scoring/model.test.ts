import { describe, expect, it } from 'vitest';
import { choleskySolve } from './logistic.js';
import { chooseModel, scoreRecord, scoringOutputs, splitKey } from './model.js';
import { buildRulesModel, rulePoints } from './rules.js';
import { EXAMPLE_SCORING_SETTINGS, scoringSettingsSchema } from './settings.js';
import { syntheticLeads } from './synthetic.js';

const now = new Date('2026-11-28T09:00:00.000Z');
const settings = scoringSettingsSchema.parse(EXAMPLE_SCORING_SETTINGS);

describe('rules', () => {
  const model = buildRulesModel(settings);
  const rule = (feature: string, i = 0) => model.rules.filter((r) => r.rule.feature === feature)[i];
  it.each([
    ['meetings_30d', 0, 3, 18],
    ['meetings_30d', 0, 10, 24], // capped at max
    ['meetings_30d', 0, null, 0],
    ['last_email_open', 0, 0, 8],
    ['last_email_open', 0, 14, 4], // one half-life
    ['last_email_open', 1, 75, -6],
    ['last_email_open', 1, null, -6], // orMissing
    ['last_email_open', 1, 10, 0],
    ['seniority', 0, 'vp', 9], // case-insensitive
    ['seniority', 0, 'Manager', 0],
  ] as const)('%s rule %i on %j gives %d points', (feature, i, v, want) => {
    expect(rulePoints(rule(feature, i), v)).toBeCloseTo(want, 6);
  });

  it('score is base plus points, clamped, with a reason that reads well', () => {
    const r = scoreRecord(
      model,
      {
        id: 'L1',
        fields: { meetings_30d: 3, seniority: 'VP', last_email_open: null, email_opens_30d: 0, days_in_stage: 10, employees: 50 },
      },
      now,
    );
    expect(r.score).toBe(20 + 18 + 9 - 6);
    expect(r.reason).toBe('+18 three meetings in the last 30 days; +9 VP title; −6 no email opens in 60 days');
  });

  it('clamps to 0..100', () => {
    const r = scoreRecord(model, { id: 'L2', fields: { meetings_30d: 50, email_opens_30d: 50, last_email_open: now.toISOString(), product_active_users: 40, seniority: 'VP', employees: 900 } }, now);
    expect(r.score).toBe(94);
    const low = scoreRecord(model, { id: 'L3', fields: { days_in_stage: 200, last_email_open: null } }, now);
    expect(low.score).toBe(6);
  });

  it('rejects a rule on an unknown feature', () => {
    const bad = scoringSettingsSchema.safeParse({ ...EXAMPLE_SCORING_SETTINGS, rules: [{ feature: 'nope', points: 1 }] });
    expect(bad.success).toBe(false);
  });
});

describe('model choice', () => {
  it('auto picks rules on a small CRM and says why', () => {
    const { records } = syntheticLeads(600, 7, now);
    const choice = chooseModel(settings, records, now);
    expect(choice.model.kind).toBe('rules');
    expect(choice.conversions).toBeLessThan(1000);
    expect(choice.explanation).toMatch(/^rules model: the CRM holds \d+ converted records \(field converted\) out of 600, fewer than the 1,000 needed to train/);
  });

  it('auto trains with enough conversions; the trained model beats the rules on held-out AUC', () => {
    const { records } = syntheticLeads(8000, 11, now);
    const choice = chooseModel({ ...EXAMPLE_SCORING_SETTINGS, minConversions: 1000 }, records, now);
    expect(choice.model.kind).toBe('trained');
    const m = choice.metrics;
    if (!m) throw new Error('no metrics');
    expect(m.conversions).toBeGreaterThanOrEqual(1000);
    expect(m.holdoutAuc).toBeGreaterThan(m.rulesHoldoutAuc);
    expect(m.holdoutAuc).toBeGreaterThan(0.7);
    expect(m.calibrationError).toBeLessThan(0.05);
    expect(choice.explanation).toContain('held-out AUC');
    expect(choice.trainingScores?.length).toBe(m.trainRows);
    const out = scoringOutputs(choice.model, records[0], now);
    expect(out[0]).toMatchObject({ name: 'score', type: 'integer', modelVersion: choice.model.version });
    expect(Number.isInteger(out[0].value)).toBe(true);
    expect(out[1].value).toMatch(/^[+−]\d+ /);
  });

  it('training is deterministic', () => {
    const { records } = syntheticLeads(3000, 3, now);
    const a = chooseModel({ ...EXAMPLE_SCORING_SETTINGS, model: 'trained' }, records, now);
    const b = chooseModel({ ...EXAMPLE_SCORING_SETTINGS, model: 'trained' }, records, now);
    expect(a.model.version).toBe(b.model.version);
  });

  it('splitKey spreads ids evenly', () => {
    let held = 0;
    for (let i = 0; i < 10000; i++) if (splitKey(`id-${i}`) < 0.2) held++;
    expect(held).toBeGreaterThan(1800);
    expect(held).toBeLessThan(2200);
  });

  it('cholesky solves a small system', () => {
    const x = choleskySolve(new Float64Array([4, 2, 2, 3]), new Float64Array([6, 5]), 2);
    expect(x[0]).toBeCloseTo(1, 10);
    expect(x[1]).toBeCloseTo(1, 10);
  });
});

describe('model choice guards', () => {
  it('auto never picks a trained model that ranks held-out records worse than the rules', () => {
    const { records } = syntheticLeads(4000, 5, now);
    // A rule on the label itself ranks perfectly: no trained model can beat it.
    const settings = {
      ...EXAMPLE_SCORING_SETTINGS,
      minConversions: 100,
      features: { ...EXAMPLE_SCORING_SETTINGS.features, conv: { field: 'converted', type: 'boolean' as const } },
      rules: [{ feature: 'conv', equals: 1, points: 50 }],
    };
    const choice = chooseModel(settings, records, now);
    expect(choice.metrics?.rulesHoldoutAuc).toBe(1);
    expect(choice.model.kind).toBe('rules');
    expect(choice.explanation).toMatch(/ranks held-out records worse than the rules .*keeping the rules/);
  });

  it('model: trained with no conversions is a typed error naming the label field', () => {
    const { records } = syntheticLeads(200, 5, now);
    const none = records.map((r) => ({ ...r, fields: { ...r.fields, converted: false } }));
    expect(() => chooseModel({ ...EXAMPLE_SCORING_SETTINGS, model: 'trained' }, none, now)).toThrow(/no record is converted by field converted/);
  });
});
