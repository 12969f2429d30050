/** The scoring model's life in the store: train-and-save, and load the active version to score with. */
import { InrecordError } from '../../errors/index.js';
import type { Sql, Store } from '../../store/types.js';
import { activeModel, saveModel } from '../queries.js';
import type { FlowRecord } from '../types.js';
import type { TrainedModelJson } from './logistic.js';
import { type ModelChoice, type ScoringModel, chooseModel, restoreTrainedModel } from './model.js';
import { buildRulesModel } from './rules.js';
import { flowSettingsOf } from '../outputs.js';
import type { ScoringSettings, ScoringSettingsInput } from './settings.js';

/** The scoring flow's settings, or IR_CONFIG_INVALID naming the flow, the setting and the fix. */
export function flowSettings(flow: string, input: unknown): ScoringSettings {
  return flowSettingsOf<ScoringSettings>({ name: flow, kind: 'scoring', settings: (input ?? {}) as Record<string, unknown> });
}

/** Chooses the model from the CRM's history; a trained one is versioned and stored as the flow's active model. */
export async function trainScoringModel(
  store: Pick<Store, 'transaction'>,
  flow: string,
  settings: unknown,
  history: FlowRecord[],
  now: Date,
): Promise<ModelChoice> {
  const choice = chooseModel(flowSettings(flow, settings), history, now);
  if (choice.model.kind === 'trained') {
    await saveModel(store, {
      version: choice.model.version,
      flow,
      kind: 'trained',
      features: choice.model.json.features,
      weights: choice.model.json,
      metrics: { ...choice.metrics, explanation: choice.explanation },
      trainingScores: choice.trainingScores ?? [],
      explanation: choice.explanation,
    });
  }
  return choice;
}

/**
 * The model to score with now: the stored trained model when settings allow it, otherwise the
 * rules. `model: trained` with nothing stored is an error, not a silent switch to rules.
 */
export async function loadScoringModel(
  db: Sql,
  flow: string,
  settingsInput: unknown,
): Promise<{ model: ScoringModel; explanation: string }> {
  const settings = flowSettings(flow, settingsInput);
  const rules = buildRulesModel(settings);
  if (settings.model === 'rules') return { model: rules, explanation: 'rules model: chosen in settings (model: rules)' };
  const stored = await activeModel(db, flow);
  if (stored && stored.kind === 'trained') {
    return { model: restoreTrainedModel(stored.weights as TrainedModelJson), explanation: stored.explanation ?? `trained model ${stored.version}` };
  }
  if (settings.model === 'trained') {
    throw new InrecordError('IR_MODEL_NOT_TRAINED', `flow ${flow}: model: trained is set but no trained model is stored`, { context: { flow } });
  }
  return { model: rules, explanation: 'rules model: no trained model is stored yet for this flow (model: auto trains once the CRM holds minConversions converted records)' };
}
