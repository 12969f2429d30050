/**
 * Choosing and building the scoring model, and turning a score into flow outputs.
 * `model: auto` trains only when the CRM's own history holds enough decided records (minConversions
 * converted, default 1,000) and says in words which model it chose and why. Training holds out a
 * share of the decided records (the newest when records carry a time, else by a hash of the record
 * id, so the split is stable across runs) and measures both the trained and the rules model on it:
 * AUC with its 95% interval, Brier score, a reliability table.
 */
import type { FieldValue } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import type { FlowOutput, FlowRecord } from '../types.js';
import type { BoostReport } from './boosted.js';
import { trainBoosted } from './boosted-train.js';
import { type FitReport, splitKey, trainLogistic } from './logistic-train.js';
import { type LiftRow, type ReliabilityBin, auc, aucDifference, aucInterval, brier, calibrationError, liftTable, logLoss, reliability, topDecilePrecision } from './metrics.js';
import { type ModelFamily, type TrainedModel, type TrainedModelJson, compileTrainedModel, predictProbability, scoreWithTrained } from './trained.js';
import { type RulesModel, type ScoreResult, buildRulesModel, scoreWithRules } from './rules.js';
import { type ScoringSettings, type ScoringSettingsInput, scoringSettingsSchema } from './settings.js';

export type ScoringModel = RulesModel | TrainedModel;

/** Each class needs this many decided records before a model is trained (cross-validation folds and the hold-out need both). */
export const MIN_PER_CLASS = 50;

export interface ModelMetrics {
  /** Decided records (converted or not) and those left out as undecided. */
  labelled: number;
  undecided: number;
  conversions: number;
  negatives: number;
  /** `time`: the hold-out is the newest records; `hash`: a stable hash of the record id. */
  split: 'time' | 'hash';
  /** With a time split: the time from which records were held out (ISO 8601). */
  holdoutFrom: string | null;
  trainRows: number;
  holdoutRows: number;
  holdoutAuc: number;
  /** DeLong 95% interval of the held-out AUC; the lower bound must clear the rules' AUC. */
  holdoutAucLower: number;
  holdoutAucUpper: number;
  /** The rules model on the same held-out records, for comparison. */
  rulesHoldoutAuc: number;
  brier: number;
  logLoss: number;
  /** Expected calibration error over the reliability table. */
  calibrationError: number;
  reliability: ReliabilityBin[];
  /** Share converted among the tenth of held-out records the trained model scores highest, and the same for the rules. */
  topDecilePrecision: number;
  rulesTopDecilePrecision: number;
  /** The trained model's held-out records by score decile: converted share and the share of all conversions captured. */
  lift: LiftRow[];
  /** The family judged against the rules (the figures above are its), and why it was preferred. */
  family: ModelFamily;
  familyWhy: string;
  /** Each family fitted on the training part, on the same hold-out. */
  families: FamilyResult[];
  /** The logistic fit on the training part (the one judged on the hold-out). */
  fit: FitReport;
  /** The fit on every decided record, served when the judged fit passed; null when it was not made. */
  refit: FitReport | null;
  /** The boosted trees fitted on the training part, and on every decided record when served; null when not fitted. */
  boost: BoostReport | null;
  boostRefit: BoostReport | null;
}

/** One family's figures on the hold-out. */
export interface FamilyResult {
  family: ModelFamily;
  version: string;
  auc: number;
  aucLower: number;
  aucUpper: number;
  /** How it was fitted, in words. */
  note: string;
}

/** Why a trained model was not served. */
export type ModelRejection = 'not converged' | 'not better than rules' | 'hold-out lacks a class';

export interface ModelChoice {
  model: ScoringModel;
  /** Why this model, in words ("rules: 312 converted leads, fewer than the 1,000 needed to train"). */
  explanation: string;
  conversions: number;
  /** Decided records by class, and those left out as undecided (null when the history was not read). */
  decided: { converted: number; notConverted: number; undecided: number } | null;
  metrics: ModelMetrics | null;
  /** Training scores (0–100) of the served model: the reference distribution for drift monitoring. */
  trainingScores: number[] | null;
  /** Set when a model was trained but not served; the explanation says why. */
  rejected: ModelRejection | null;
  /** The trained model that was judged, served or not (its fit report is in metrics). */
  candidate: TrainedModel | null;
}

export function parseScoringSettings(input: unknown): ScoringSettings {
  return scoringSettingsSchema.parse(input);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const f3 = (n: number) => n.toFixed(3);
const signed3 = (n: number) => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(3)}`;

const sameValue = (key: FieldValue, values: readonly (string | number | boolean)[]): boolean =>
  values.some((p) => (typeof p === 'string' ? typeof key === 'string' && p.trim().toLowerCase() === key : p === key || String(p) === key));

/**
 * 1 when the record converted, 0 when it was decided against (settings.label.negative, within
 * settings.label.decided when set), null while undecided (empty, 'open', …): undecided records are
 * neither trained on nor judged.
 */
export function labelOf(settings: ScoringSettings, record: FlowRecord): 0 | 1 | null {
  if (!settings.label) return null;
  const v: FieldValue | undefined = record.fields[settings.label.field];
  if (v === null || v === undefined || Array.isArray(v)) return null;
  const key = typeof v === 'string' ? v.trim().toLowerCase() : v;
  const decided = settings.label.decided;
  if (decided) {
    const d = record.fields[decided.field];
    if (d === null || d === undefined || Array.isArray(d)) return null;
    if (!sameValue(typeof d === 'string' ? d.trim().toLowerCase() : d, decided.values)) return null;
  }
  if (sameValue(key, settings.label.positive)) return 1;
  if (sameValue(key, settings.label.negative)) return 0;
  return null;
}

/**
 * Whether the label settings say the record is decided — converted, or decided against (lost,
 * closed, unqualified): such a record is history to learn from, never a lead to score. Without a
 * label nothing is decided. With a boolean label whose false also means "still open"
 * (IsConverted), `label.decided` must say which records are closed, or every false is decided.
 */
export function isDecided(settings: ScoringSettings, record: FlowRecord): boolean {
  return labelOf(settings, record) !== null;
}

/**
 * When a record came in (settings.holdoutBy: a created date, or epoch ms). Not the last-modified
 * time: writing scores back touches every open record, which would put them all in the hold-out.
 */
function recordTime(settings: ScoringSettings, record: FlowRecord): number {
  if (!settings.holdoutBy) return Number.NaN;
  const v = record.fields[settings.holdoutBy.field];
  if (typeof v === 'number') return v;
  return typeof v === 'string' ? Date.parse(v) : Number.NaN;
}

/**
 * Training and hold-out positions (into `records`): with settings.holdoutBy and a date on every
 * record, the newest `holdout` share is held out; otherwise a stable hash of the id decides.
 */
export function holdoutSplit(
  settings: ScoringSettings,
  records: FlowRecord[],
): { train: number[]; test: number[]; split: 'time' | 'hash'; holdoutFrom: string | null } {
  const times = records.map((r) => recordTime(settings, r));
  if (records.length > 0 && times.every(Number.isFinite)) {
    const order = records.map((_, i) => i).sort((a, b) => times[a] - times[b] || splitKey(records[a].id) - splitKey(records[b].id));
    const cut = Math.round(records.length * (1 - settings.holdout));
    const test = order.slice(cut);
    return { train: order.slice(0, cut), test, split: 'time', holdoutFrom: test.length > 0 ? new Date(times[test[0]]).toISOString() : null };
  }
  const train: number[] = [];
  const test: number[] = [];
  records.forEach((r, i) => {
    (splitKey(r.id) < settings.holdout ? test : train).push(i);
  });
  return { train, test, split: 'hash', holdoutFrom: null };
}

function describeFit(fit: FitReport): string {
  return `${fit.stopped} after ${fit.iterations} Newton step${fit.iterations === 1 ? '' : 's'}, gradient ${fit.gradientNorm.toExponential(1)}`;
}

/**
 * Picks the model for a flow from the CRM's labelled history. `history` is every record that can
 * carry the label; only decided ones are trained on. A trained model is served only when its fit
 * converged and the lower bound of its held-out AUC's 95% interval is above the rules' AUC on the
 * same records; it is then refitted on every decided record. Otherwise `model: auto` keeps the
 * rules (and says why) and `model: trained` is a typed error. With `model: rules` nothing is read.
 */
export function chooseModel(
  settingsInput: ScoringSettingsInput | ScoringSettings,
  history: FlowRecord[],
  now: Date,
  opts: { flow?: string; maxIterations?: number } = {},
): ModelChoice {
  const settings = scoringSettingsSchema.parse(settingsInput);
  const rules = buildRulesModel(settings);
  const nowMs = now.getTime();
  const flow = opts.flow ?? 'scoring';
  const keepRules = (
    explanation: string,
    conversions = 0,
    metrics: ModelMetrics | null = null,
    rejected: ModelRejection | null = null,
    candidate: TrainedModel | null = null,
    decided: ModelChoice['decided'] = null,
  ): ModelChoice => ({ model: rules, explanation, conversions, decided, metrics, trainingScores: null, rejected, candidate });
  if (settings.model === 'rules') return keepRules('rules model: chosen in settings (model: rules)');
  if (!settings.label) {
    if (settings.model === 'trained') {
      throw new InrecordError('IR_CONFIG_INVALID', `flow ${flow}: model: trained needs settings.label (the field that says a record converted)`, { context: { flow } });
    }
    return keepRules('rules model: no conversion label is configured (settings.label), so there is no history to learn from');
  }
  const field = settings.label.field;
  const all = history.map((r) => labelOf(settings, r));
  const decided = history.filter((_, i) => all[i] !== null);
  const labels = all.filter((y): y is 0 | 1 => y !== null);
  const undecided = history.length - decided.length;
  const conversions = labels.reduce<number>((s, y) => s + y, 0);
  const negatives = labels.length - conversions;
  const counts = { converted: conversions, notConverted: negatives, undecided };
  const openNote = undecided > 0 ? ` (${fmt(undecided)} more undecided, not counted)` : '';
  if (settings.model === 'auto' && conversions < settings.minConversions) {
    return keepRules(
      `rules model: the CRM holds ${fmt(conversions)} converted record${conversions === 1 ? '' : 's'} (field ${field}) out of ${fmt(decided.length)} decided${openNote}, fewer than the ${fmt(settings.minConversions)} needed to train a model that beats the rules (minConversions); it will train once there are enough`,
      conversions,
      null,
      null,
      null,
      counts,
    );
  }
  if (conversions < MIN_PER_CLASS || negatives < MIN_PER_CLASS) {
    const what = `${fmt(conversions)} converted and ${fmt(negatives)} not-converted decided records by field ${field}${openNote}; at least ${MIN_PER_CLASS} of each are needed to train`;
    if (settings.model === 'auto') return keepRules(`rules model: ${what}`, conversions, null, null, null, counts);
    throw new InrecordError('IR_MODEL_TOO_FEW_LABELS', `flow ${flow}: cannot train: ${what}`, { context: { flow, field } });
  }

  const { train, test, split, holdoutFrom } = holdoutSplit(settings, decided);
  const trainRecords = train.map((i) => decided[i]);
  const trainLabels = train.map((i) => labels[i]);
  const testLabels = test.map((i) => labels[i]);
  const { model: logistic, fit } = trainLogistic(settings.features, trainRecords, trainLabels, nowMs, {
    l2: settings.l2,
    reasons: settings.reasons,
    maxIterations: opts.maxIterations,
  });
  const logisticProbs = test.map((i) => predictProbability(logistic, decided[i], nowMs));
  const logisticCi = aucInterval(logisticProbs, testLabels);
  const families: FamilyResult[] = [
    { family: 'logistic', version: logistic.version, auc: logisticCi.auc, aucLower: logisticCi.lower, aucUpper: logisticCi.upper, note: `L2 ${fit.lambda} (${fit.lambdaChosenBy}); ${describeFit(fit)}` },
  ];
  let judged: TrainedModel = logistic;
  let probs = logisticProbs;
  let boost: BoostReport | null = null;
  let familyWhy = 'logistic regression: the only family configured (settings.families)';
  if (settings.families.includes('boosted')) {
    const boosted = trainBoosted(settings.features, trainRecords, trainLabels, nowMs, { reasons: settings.reasons });
    boost = boosted.fit;
    const boostedProbs = test.map((i) => predictProbability(boosted.model, decided[i], nowMs));
    const bci = aucInterval(boostedProbs, testLabels);
    families.push({
      family: 'boosted',
      version: boosted.model.version,
      auc: bci.auc,
      aucLower: bci.lower,
      aucUpper: bci.upper,
      note: `${boost.trees} trees of depth ${boost.depth}, learning rate ${boost.learningRate} (trees chosen by ${boost.treesChosenBy})`,
    });
    const d = aucDifference(boostedProbs, logisticProbs, testLabels);
    const vs = `boosted trees' held-out AUC ${f3(bci.auc)} vs logistic ${f3(logisticCi.auc)}, difference ${signed3(d.difference)} (95% CI ${signed3(d.lower)} to ${signed3(d.upper)})`;
    if (fit.converged && d.lower > 0) {
      judged = boosted.model;
      probs = boostedProbs;
      familyWhy = `boosted trees: ${vs}, clearly above 0`;
    } else familyWhy = `logistic regression: ${vs}${Number.isNaN(d.lower) ? '' : ', not clearly above 0'}`;
  }
  const rulesScores = test.map((i) => scoreWithRules(rules, decided[i], nowMs).score);
  const ci = aucInterval(probs, testLabels);
  const table = reliability(probs, testLabels);
  const metrics: ModelMetrics = {
    labelled: decided.length,
    undecided,
    conversions,
    negatives,
    split,
    holdoutFrom,
    trainRows: train.length,
    holdoutRows: test.length,
    holdoutAuc: ci.auc,
    holdoutAucLower: ci.lower,
    holdoutAucUpper: ci.upper,
    rulesHoldoutAuc: auc(rulesScores, testLabels),
    brier: brier(probs, testLabels),
    logLoss: logLoss(probs, testLabels),
    calibrationError: calibrationError(table),
    reliability: table,
    topDecilePrecision: topDecilePrecision(probs, testLabels),
    rulesTopDecilePrecision: topDecilePrecision(rulesScores, testLabels),
    lift: liftTable(probs, testLabels),
    family: judged.family,
    familyWhy,
    families,
    fit,
    refit: null,
    boost,
    boostRefit: null,
  };
  const heldOut = `${fmt(test.length)} ${split === 'time' ? 'newest ' : ''}held-out records`;
  const aucText = `held-out AUC ${f3(ci.auc)} (95% CI ${f3(ci.lower)}–${f3(ci.upper)})`;
  const reject = (reason: ModelRejection, why: string): ModelChoice => {
    if (settings.model === 'auto') return keepRules(`rules model: ${why}; keeping the rules`, conversions, metrics, reason, judged, counts);
    const code = reason === 'not converged' ? 'IR_MODEL_NOT_CONVERGED' : 'IR_MODEL_NOT_BETTER';
    throw new InrecordError(code, `flow ${flow}: model: trained: ${why}`, { context: { flow, field } });
  };
  if (!fit.converged) {
    return reject('not converged', `the model fitted on ${fmt(train.length)} records did not converge (${describeFit(fit)}), so it is not served`);
  }
  if (Number.isNaN(ci.auc) || Number.isNaN(metrics.rulesHoldoutAuc)) {
    const what = test.length === 0 ? 'empty' : `all ${testLabels[0] === 1 ? 'converted' : 'not converted'}`;
    return reject('hold-out lacks a class', `the ${heldOut} are ${what}, so the trained model cannot be judged against the rules`);
  }
  if (!(ci.lower > metrics.rulesHoldoutAuc)) {
    return reject('not better than rules', `the trained model's ${aucText} does not clear the rules' AUC ${f3(metrics.rulesHoldoutAuc)} on the ${heldOut}`);
  }
  // Judged good enough: refit on every decided record with the same penalty or tree count, and serve that.
  let model: TrainedModel;
  if (judged.family === 'boosted' && boost) {
    const refit = trainBoosted(settings.features, decided, labels, nowMs, { reasons: settings.reasons, trees: boost.trees });
    metrics.boostRefit = refit.fit;
    model = refit.model;
  } else {
    const refit = trainLogistic(settings.features, decided, labels, nowMs, {
      l2: fit.lambda,
      reasons: settings.reasons,
      maxIterations: opts.maxIterations,
    });
    metrics.refit = refit.fit;
    if (!refit.fit.converged) {
      return reject('not converged', `the refit on all ${fmt(decided.length)} decided records did not converge (${describeFit(refit.fit)}), so it is not served`);
    }
    model = refit.model;
  }
  const trainingScores = decided.map((r) => Math.round(100 * predictProbability(model, r, nowMs)));
  return {
    model,
    explanation: `trained model ${model.version} (${judged.family === 'boosted' ? 'boosted trees' : 'logistic regression'}): ${fmt(conversions)} converted and ${fmt(negatives)} not-converted records${openNote}; ${aucText} vs rules ${f3(metrics.rulesHoldoutAuc)}, Brier ${f3(metrics.brier)} on the ${heldOut}; ${judged.family === 'boosted' && boost ? `${boost.trees} trees of depth ${boost.depth}` : `L2 ${fit.lambda} (${fit.lambdaChosenBy})`}; refitted on all ${fmt(decided.length)} decided records`,
    conversions,
    decided: counts,
    metrics,
    trainingScores,
    rejected: null,
    candidate: judged,
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
