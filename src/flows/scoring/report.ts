/**
 * The model report of one training: which model the flow serves and why, how the trained model did
 * on the hold-out against the rules (AUC and its interval, Brier score, top-decile precision, lift
 * table), its strongest factors, the records it learnt from and how its fit went. Plain JSON: it is
 * stored with the model version and printed by `inrecord train`.
 */
import type { ModelFactor } from './logistic.js';
import type { LiftRow } from './metrics.js';
import type { FamilyResult, ModelChoice, ModelRejection } from './model.js';
import { type ModelFamily, strongestFactors } from './trained.js';

export interface ModelReport {
  flow: string;
  /** The model the flow scores with. */
  chosen: 'trained' | 'rules';
  /** Version of the model the flow scores with. */
  modelVersion: string;
  /** The trained model judged on the hold-out (served or not); null when none was trained. */
  candidateVersion: string | null;
  /** Why this model, in words. */
  why: string;
  /** The trained family judged against the rules (logistic regression or boosted trees), and why it was preferred; null when none was trained. */
  family: ModelFamily | null;
  familyWhy: string | null;
  /** Every family fitted, on the same hold-out. */
  families: FamilyResult[];
  /** Set when a model was trained and not served. */
  rejected: ModelRejection | null;
  /** Decided records by class, and those left out as undecided; null when the history was not read. */
  records: { converted: number; notConverted: number; undecided: number } | null;
  holdout: {
    split: 'time' | 'hash';
    from: string | null;
    rows: number;
    auc: number;
    /** DeLong 95% interval of the AUC. */
    aucLower: number;
    aucUpper: number;
    rulesAuc: number;
    brier: number;
    topDecilePrecision: number;
    rulesTopDecilePrecision: number;
  } | null;
  /** The trained model's hold-out by score decile (highest first). */
  lift: LiftRow[];
  /** The largest effects of the served trained model, else of the candidate. */
  strongest: ModelFactor[];
  penalty: { l2: number; chosenBy: 'settings' | 'cross-validation' } | null;
  /** The boosted trees fitted (served or not); null when that family was not fitted. */
  boost: { trees: number; depth: number; learningRate: number; chosenBy: 'early stopping' | 'given' } | null;
  fit: { converged: boolean; stopped: string; iterations: number; refitIterations: number | null } | null;
  trainedAt: string;
}

/** The report of a model choice (plain values in, plain JSON out). */
export function modelReport(flow: string, choice: ModelChoice, trainedAt: Date): ModelReport {
  const m = choice.metrics;
  const trained = choice.model.kind === 'trained' ? choice.model : choice.candidate;
  return {
    flow,
    chosen: choice.model.kind,
    modelVersion: choice.model.version,
    candidateVersion: choice.candidate?.version ?? null,
    why: choice.explanation,
    family: m?.family ?? null,
    familyWhy: m?.familyWhy ?? null,
    families: m?.families ?? [],
    rejected: choice.rejected,
    records: choice.decided,
    holdout: m
      ? {
          split: m.split,
          from: m.holdoutFrom,
          rows: m.holdoutRows,
          auc: m.holdoutAuc,
          aucLower: m.holdoutAucLower,
          aucUpper: m.holdoutAucUpper,
          rulesAuc: m.rulesHoldoutAuc,
          brier: m.brier,
          topDecilePrecision: m.topDecilePrecision,
          rulesTopDecilePrecision: m.rulesTopDecilePrecision,
        }
      : null,
    lift: m?.lift ?? [],
    strongest: trained ? strongestFactors(trained, 5) : [],
    penalty: m ? { l2: m.fit.lambda, chosenBy: m.fit.lambdaChosenBy } : null,
    boost: m?.boost ? { trees: m.boost.trees, depth: m.boost.depth, learningRate: m.boost.learningRate, chosenBy: m.boost.treesChosenBy } : null,
    fit: m
      ? {
          converged: m.fit.converged && (m.refit?.converged ?? true),
          stopped: m.fit.stopped,
          iterations: m.fit.iterations,
          refitIterations: m.refit?.iterations ?? null,
        }
      : null,
    trainedAt: trainedAt.toISOString(),
  };
}

/** The report of a flow prepared without training now (model: rules): the model it scores with and why. */
export function reportWithoutTraining(m: ModelSummary, at: Date): ModelReport {
  return {
    flow: m.flow,
    chosen: m.chosen,
    modelVersion: m.modelVersion,
    candidateVersion: null,
    why: m.why,
    family: null,
    familyWhy: null,
    families: [],
    rejected: m.rejected,
    records: null,
    holdout: null,
    lift: [],
    strongest: [],
    penalty: null,
    boost: null,
    fit: null,
    trainedAt: at.toISOString(),
  };
}

/** The model choice in one line's worth of fields: the daemon's start log and `plan --json`. */
export interface ModelSummary {
  flow: string;
  chosen: 'trained' | 'rules';
  modelVersion: string;
  holdoutAuc: number | null;
  aucLower: number | null;
  aucUpper: number | null;
  rulesAuc: number | null;
  rejected: ModelRejection | null;
  why: string;
}

export function summariseModel(r: ModelReport): ModelSummary {
  const h = r.holdout;
  const num = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);
  return {
    flow: r.flow,
    chosen: r.chosen,
    modelVersion: r.modelVersion,
    holdoutAuc: num(h?.auc),
    aucLower: num(h?.aucLower),
    aucUpper: num(h?.aucUpper),
    rulesAuc: num(h?.rulesAuc),
    rejected: r.rejected,
    why: r.why,
  };
}

const f3 = (x: number | null) => (x === null ? '–' : x.toFixed(3));

/** The model choice in one sentence: "flow lead-scoring: trained model lr-… served: held-out AUC …". */
export function describeModelChoice(m: ModelSummary): string {
  if (m.chosen === 'trained') {
    const auc =
      m.holdoutAuc === null
        ? ''
        : `: held-out AUC ${f3(m.holdoutAuc)} (95% CI ${f3(m.aucLower)}–${f3(m.aucUpper)}) vs rules ${f3(m.rulesAuc)}`;
    return `flow ${m.flow}: scoring with trained model ${m.modelVersion}${auc}`;
  }
  return `flow ${m.flow}: scoring with rules model ${m.modelVersion}; ${m.why.replace(/^rules model: /, '')}`;
}
