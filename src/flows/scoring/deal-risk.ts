/**
 * Deal risk: the rules engine of scoring pointed at deals (close date pushed, days in stage, days
 * since the last activity, a close date in the past …). Outputs a 0–100 risk score, a level
 * (high / medium / low, mapped onto the field's options) and an insight note for the deal's
 * timeline that lists the factors, so the rep reads why the deal looks at risk.
 */
import { z } from 'zod';
import type { FlowOutput, FlowRecord } from '../types.js';
import { buildRulesModel, scoreWithRules } from './rules.js';
import { type ScoringSettingsInput, featureSpecSchema, ruleSchema, scoringSettingsSchema } from './settings.js';

export const dealRiskSettingsSchema = z
  .object({
    features: z.record(z.string(), featureSpecSchema),
    rules: z.array(ruleSchema).default([]),
    base: z.number().default(10),
    /** Risk at or above `high` is high, at or above `medium` is medium. */
    thresholds: z.object({ high: z.number().default(60), medium: z.number().default(30) }).strict().default({}),
    reasons: z.number().int().min(1).max(10).default(3),
    /** The option each level is written as, when option values differ. */
    levelMap: z.record(z.enum(['high', 'medium', 'low']), z.string()).default({}),
  })
  .strict();
export type DealRiskSettingsInput = z.input<typeof dealRiskSettingsSchema>;

export const EXAMPLE_DEAL_RISK_SETTINGS: DealRiskSettingsInput = {
  features: {
    pushes: { field: 'close_date_pushes', label: 'close date pushed {value} times' },
    stage_age: { field: 'stage_entered_at', type: 'date', label: '{value} days in the current stage' },
    last_activity: { field: 'last_activity_at', type: 'date', label: 'no activity for {value} days', missingLabel: 'no activity on record' },
    close_in: { field: 'close_date', type: 'date', label: 'close date passed {value} days ago' },
  },
  rules: [
    { feature: 'pushes', gte: 1, points: 12, per: 1, max: 36 },
    { feature: 'stage_age', gte: 45, points: 15 },
    { feature: 'last_activity', gte: 21, orMissing: true, points: 20 },
    // A date feature reads as days since; a close date in the future reads as 0.
    { feature: 'close_in', gte: 1, points: 25 },
  ],
};

export interface DealRiskModel {
  version: string;
  score(record: FlowRecord, nowMs: number): FlowOutput[];
}

export function buildDealRiskModel(input: unknown): DealRiskModel {
  const s = dealRiskSettingsSchema.parse(input);
  const asScoring: ScoringSettingsInput = { model: 'rules', features: s.features, rules: s.rules, base: s.base, reasons: s.reasons };
  const rules = buildRulesModel(scoringSettingsSchema.parse(asScoring));
  const version = `deal-risk-${rules.version.slice('rules-'.length)}`;
  return {
    version,
    score(record, nowMs) {
      const r = scoreWithRules(rules, record, nowMs);
      const level = r.score >= s.thresholds.high ? 'high' : r.score >= s.thresholds.medium ? 'medium' : 'low';
      const why = r.reason === '' ? 'no risk signal' : r.reason;
      return [
        { name: 'risk_score', value: r.score, type: 'integer', reason: why, modelVersion: version },
        { name: 'risk_level', value: s.levelMap[level] ?? level, type: 'picklist', reason: why, modelVersion: version },
        { name: 'risk_note', value: `Deal risk ${level} (${r.score}/100): ${why}.`, type: 'text', modelVersion: version },
      ];
    },
  };
}
