/**
 * A trained scoring model of either family — L2 logistic regression (logistic.ts) or boosted trees
 * (boosted.ts) — behind one set of functions: restore from JSON, probability, score with reasons,
 * strongest factors. Stored models without a family are logistic.
 */
import type { FlowRecord } from '../types.js';
import { type BoostedModel, type BoostedModelJson, compileBoostedModel, predictBoosted, scoreWithBoosted } from './boosted.js';
import { type LogisticModel, type LogisticModelJson, type ModelFactor, compileLogisticModel, predictLogistic, scoreWithLogistic, strongestLogisticFactors } from './logistic.js';
import type { ScoreResult } from './rules.js';

export type TrainedModel = LogisticModel | BoostedModel;
export type TrainedModelJson = LogisticModelJson | BoostedModelJson;
export type ModelFamily = TrainedModel['family'];

export function compileTrainedModel(json: TrainedModelJson): TrainedModel {
  return json.family === 'boosted' ? compileBoostedModel(json) : compileLogisticModel(json);
}

/** Probability of conversion, no reasons (training metrics, drift reference). */
export function predictProbability(model: TrainedModel, record: FlowRecord, nowMs: number): number {
  return model.family === 'boosted' ? predictBoosted(model, record, nowMs) : predictLogistic(model, record, nowMs);
}

export function scoreWithTrained(model: TrainedModel, record: FlowRecord, nowMs: number): ScoreResult & { probability: number } {
  return model.family === 'boosted' ? scoreWithBoosted(model, record, nowMs) : scoreWithLogistic(model, record, nowMs);
}

/**
 * The model's strongest factors. Logistic: the columns with the largest effect per standard
 * deviation. Boosted: the features with the largest mean |path contribution| over the training
 * rows (`kind: 'contribution'`, the mean in `effect` and `coefficient`).
 */
export function strongestFactors(model: TrainedModel, n = 5): ModelFactor[] {
  if (model.family === 'logistic') return strongestLogisticFactors(model, n);
  return model.json.importance.slice(0, n).map((x) => {
    const spec = model.json.features[x.feature];
    const name = spec?.label ? spec.label.replaceAll('{value}', 'n').replace(/\s+/g, ' ').trim() : x.feature.replaceAll('_', ' ');
    return { feature: x.feature, name, kind: 'contribution' as const, log: false, coefficient: x.meanAbs, effect: x.meanAbs };
  });
}
