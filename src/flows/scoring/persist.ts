/** The scoring model's life in the store: train-and-save, and load the active version to score with. */
import { InrecordError } from '../../errors/index.js';
import type { Sql, Store } from '../../store/types.js';
import { type Logger, silentLogger } from '../../log/index.js';
import { activeModel, latestModel, saveModel } from '../queries.js';
import type { FlowRecord } from '../types.js';
import type { TrainedModelJson } from './trained.js';
import { type ModelChoice, type ScoringModel, chooseModel, restoreTrainedModel } from './model.js';
import { type ModelReport, modelReport } from './report.js';
import { buildRulesModel } from './rules.js';
import { flowSettingsOf } from '../outputs.js';
import type { ScoringSettings, ScoringSettingsInput } from './settings.js';

/** The scoring flow's settings, or IR_CONFIG_INVALID naming the flow, the setting and the fix. */
export function flowSettings(flow: string, input: unknown): ScoringSettings {
  return flowSettingsOf<ScoringSettings>({ name: flow, kind: 'scoring', settings: (input ?? {}) as Record<string, unknown> });
}

/**
 * Chooses the model from the CRM's history; a trained one is versioned and stored as the flow's
 * active model. A model trained but not served (did not converge, or not clearly better than the
 * rules) is stored inactive with its metrics and the reason, no version stays active — the flow
 * scores with its rules — and a warning is logged. The model report is stored with the version.
 */
export async function trainScoringModel(
  store: Pick<Store, 'transaction'>,
  flow: string,
  settings: unknown,
  history: FlowRecord[],
  now: Date,
  opts: { logger?: Logger } = {},
): Promise<ModelChoice & { report: ModelReport }> {
  const choice = chooseModel(flowSettings(flow, settings), history, now, { flow });
  const report = modelReport(flow, choice, now);
  const served = choice.model.kind === 'trained' ? choice.model : null;
  const stored = served ?? (choice.rejected ? choice.candidate : null);
  if (stored) {
    await saveModel(store, {
      version: stored.version,
      flow,
      kind: 'trained',
      features: stored.json.features,
      weights: stored.json,
      metrics: { ...choice.metrics, explanation: choice.explanation, ...(choice.rejected ? { rejected: choice.rejected } : {}), report },
      trainingScores: choice.trainingScores ?? [],
      explanation: choice.explanation,
      active: served !== null,
    });
  }
  if (choice.rejected) {
    const m = choice.metrics;
    (opts.logger ?? silentLogger).warn(
      {
        flow,
        rejected: choice.rejected,
        converged: m?.fit.converged,
        stopped: m?.fit.stopped,
        holdoutAuc: m?.holdoutAuc,
        holdoutAucLower: m?.holdoutAucLower,
        rulesHoldoutAuc: m?.rulesHoldoutAuc,
        holdoutRows: m?.holdoutRows,
      },
      `flow ${flow}: trained model not served: ${choice.explanation}`,
    );
  }
  return { ...choice, report };
}

/**
 * The report stored with the flow's most recent training that fitted a model (served or not);
 * null when none was stored. A training that kept the rules without fitting (too few decided
 * records, or `model: rules`) stores no version.
 */
export async function lastModelReport(db: Sql, flow: string): Promise<(ModelReport & { active: boolean }) | null> {
  const latest = await latestModel(db, flow);
  const report = latest?.metrics.report as ModelReport | undefined;
  return latest && report ? { ...report, active: latest.active } : null;
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
  const json = stored?.kind === 'trained' ? (stored.weights as TrainedModelJson) : null;
  // A fit that did not converge is never served, whatever the store says.
  if (stored && json && json.fit?.converged !== false) {
    return { model: restoreTrainedModel(json), explanation: stored.explanation ?? `trained model ${stored.version}` };
  }
  if (settings.model === 'trained') {
    throw new InrecordError('IR_MODEL_NOT_TRAINED', `flow ${flow}: model: trained is set but no servable trained model is stored`, {
      context: { flow },
      fix: `Train it with \`inrecord train ${flow}\` (its report says why a model was not served), or set model: auto or model: rules.`,
    });
  }
  // The last training's reason when it was not served ("rules model: the trained model's held-out AUC …").
  const latest = stored ? null : await latestModel(db, flow);
  if (latest?.explanation) return { model: rules, explanation: latest.explanation };
  return { model: rules, explanation: 'rules model: no trained model is stored yet for this flow (model: auto trains once the CRM holds minConversions converted records)' };
}
