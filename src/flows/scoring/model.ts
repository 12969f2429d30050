/**
 * Choosing and building the scoring model, and turning a score into flow outputs.
 * `model: auto` trains only when the CRM's own history holds enough conversions (minConversions,
 * default 1,000) and says in words which model it chose and why. Training holds out a share of
 * the labelled records (by a hash of the record id, so the split is stable across runs) and
 * measures both the trained and the rules model on it: AUC, Brier score, a reliability table.
 */
import type { FieldValue } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import type { FlowOutput, FlowRecord } from '../types.js';
import { type ReliabilityBin, auc, brier, calibrationError, logLoss, reliability } from './metrics.js';
import { type TrainedModel, type TrainedModelJson, compileTrainedModel, predictProbability, scoreWithTrained, trainLogistic } from './logistic.js';
import { type RulesModel, type ScoreResult, buildRulesModel, scoreWithRules } from './rules.js';
import { type ScoringSettings, type ScoringSettingsInput, scoringSettingsSchema } from './settings.js';

export type ScoringModel = RulesModel | TrainedModel;

export interface ModelMetrics {
  trainRows: number;
  holdoutRows: number;
  conversions: number;
  holdoutAuc: number;
  /** The rules model on the same held-out records, for comparison. */
  rulesHoldoutAuc: number;
  brier: number;
  logLoss: number;
  /** Expected calibration error over the reliability table. */
  calibrationError: number;
  reliability: ReliabilityBin[];
}

export interface ModelChoice {
  model: ScoringModel;
  /** Why this model, in words ("rules: 312 converted leads, fewer than the 1,000 needed to train"). */
  explanation: string;
  conversions: number;
  metrics: ModelMetrics | null;
  /** Training-set scores (0–100): the reference distribution for drift monitoring. */
  trainingScores: number[] | null;
}

export function parseScoringSettings(input: unknown): ScoringSettings {
  return scoringSettingsSchema.parse(input);
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** 1 when the record converted, per the label settings; empty counts as not converted. */
export function labelOf(settings: ScoringSettings, record: FlowRecord): 0 | 1 {
  if (!settings.label) return 0;
  const v: FieldValue | undefined = record.fields[settings.label.field];
  if (v === null || v === undefined) return 0;
  const key = typeof v === 'string' ? v.trim().toLowerCase() : v;
  return settings.label.positive.some((p) => (typeof p === 'string' ? p.toLowerCase() === key : p === key || String(p) === key)) ? 1 : 0;
}

/** Stable hash of the record id in [0, 1): the same record is always on the same side of the split. */
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

/**
 * Picks the model for a flow from the CRM's labelled history. `history` is every record that can
 * carry the label (converted or not); with `model: rules` it is not read.
 */
export function chooseModel(settingsInput: ScoringSettingsInput | ScoringSettings, history: FlowRecord[], now: Date): ModelChoice {
  const settings = scoringSettingsSchema.parse(settingsInput);
  const rules = buildRulesModel(settings);
  const nowMs = now.getTime();
  if (settings.model === 'rules') {
    return { model: rules, explanation: 'rules model: chosen in settings (model: rules)', conversions: 0, metrics: null, trainingScores: null };
  }
  if (!settings.label) {
    if (settings.model === 'trained') throw new Error('model: trained needs settings.label (the field that says a record converted)');
    return {
      model: rules,
      explanation: 'rules model: no conversion label is configured (settings.label), so there is no history to learn from',
      conversions: 0,
      metrics: null,
      trainingScores: null,
    };
  }
  const labels = history.map((r) => labelOf(settings, r));
  const conversions = labels.reduce<number>((s, y) => s + y, 0);
  if (settings.model === 'auto' && conversions < settings.minConversions) {
    return {
      model: rules,
      explanation: `rules model: the CRM holds ${fmt(conversions)} converted record${conversions === 1 ? '' : 's'} (field ${settings.label.field}) out of ${fmt(history.length)}, fewer than the ${fmt(settings.minConversions)} needed to train a model that beats the rules (minConversions); it will train once there are enough`,
      conversions,
      metrics: null,
      trainingScores: null,
    };
  }
  if (conversions === 0 || conversions === history.length) {
    throw new InrecordError(
      'IR_MODEL_NOT_TRAINED',
      `cannot train: ${conversions === 0 ? 'no record is' : 'every record is'} converted by field ${settings.label.field} (${fmt(history.length)} records); check settings.label.positive`,
      { context: { field: settings.label.field } },
    );
  }
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  history.forEach((r, i) => {
    (splitKey(r.id) < settings.holdout ? testIdx : trainIdx).push(i);
  });
  const trainRecords = trainIdx.map((i) => history[i]);
  const trainLabels = trainIdx.map((i) => labels[i]);
  const model = trainLogistic(settings.features, trainRecords, trainLabels, nowMs, { l2: settings.l2, reasons: settings.reasons });
  const testLabels = testIdx.map((i) => labels[i]);
  const probs = testIdx.map((i) => predictProbability(model, history[i], nowMs));
  const rulesScores = testIdx.map((i) => scoreWithRules(rules, history[i], nowMs).score);
  const table = reliability(probs, testLabels);
  const metrics: ModelMetrics = {
    trainRows: trainIdx.length,
    holdoutRows: testIdx.length,
    conversions,
    holdoutAuc: auc(probs, testLabels),
    rulesHoldoutAuc: auc(rulesScores, testLabels),
    brier: brier(probs, testLabels),
    logLoss: logLoss(probs, testLabels),
    calibrationError: calibrationError(table),
    reliability: table,
  };
  const trainingScores = trainRecords.map((r) => Math.round(100 * predictProbability(model, r, nowMs)));
  // auto keeps the rules when the trained model does not rank held-out records better than they do.
  if (settings.model === 'auto' && !(metrics.holdoutAuc > metrics.rulesHoldoutAuc)) {
    return {
      model: rules,
      explanation: `rules model: a model trained on ${fmt(conversions)} converted records ranks held-out records worse than the rules (AUC ${metrics.holdoutAuc.toFixed(3)} vs ${metrics.rulesHoldoutAuc.toFixed(3)}); keeping the rules`,
      conversions,
      metrics,
      trainingScores: null,
    };
  }
  return {
    model,
    explanation: `trained model ${model.version}: ${fmt(conversions)} converted records out of ${fmt(history.length)}; held-out AUC ${metrics.holdoutAuc.toFixed(3)} (rules model ${metrics.rulesHoldoutAuc.toFixed(3)}), Brier ${metrics.brier.toFixed(3)} on ${fmt(testIdx.length)} records`,
    conversions,
    metrics,
    trainingScores,
  };
}

export function restoreTrainedModel(json: TrainedModelJson): TrainedModel {
  return compileTrainedModel(json);
}

export function scoreRecord(model: ScoringModel, record: FlowRecord, now: Date | number): ScoreResult {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  return model.kind === 'rules' ? scoreWithRules(model, record, nowMs) : scoreWithTrained(model, record, nowMs);
}

/** The scoring flow's outputs for one record: `score` (integer 0–100) and `score_reason` (text). */
export function scoringOutputs(model: ScoringModel, record: FlowRecord, now: Date | number): FlowOutput[] {
  const r = scoreRecord(model, record, now);
  const reason = r.reason === '' ? 'no signal moved the score from its base' : r.reason;
  return [
    { name: 'score', value: r.score, type: 'integer', reason, modelVersion: model.version },
    { name: 'score_reason', value: reason, type: 'text', modelVersion: model.version },
  ];
}
