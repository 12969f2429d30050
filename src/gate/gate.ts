/**
 * The validation gate's I/O: the API write-back and flows call. A new flow or model version runs in
 * shadow (what it would write goes to shadow_outputs, nothing to the CRM); a reviewer labels a
 * random sample; `evaluateGate` records each decision with its figures; `gateStatus` is what the
 * write path consults before writing.
 */
import { type GateConfig, defaultGate } from '../config/index.js';
import { InrecordError } from '../errors/index.js';
import type { Sql, Store } from '../store/index.js';
import { type GateFigures, type GateMode, type GateReasonCode, decideGate } from './decision.js';
import {
  type DecisionRow,
  type SampleWithOutput,
  countLabels,
  epochStart,
  insertDecision,
  insertSample,
  insertShadowOutputs,
  latestDecision,
  selectDecisions,
  selectSample,
  selectSamples,
  selectSamplesByIds,
  updateSampleLabel,
} from './queries.js';

/** The part of a flow's config the gate needs (a `FlowConfig` fits). */
export interface GatedFlow {
  name: string;
  gate: GateConfig;
}

/** The gate of a flow inrecord.yaml does not configure. */
export const DEFAULT_GATE: GateConfig = defaultGate('gated');

export interface GateStatus {
  flow: string;
  modelVersion: string;
  mode: GateMode;
  reasonCode: GateReasonCode;
  reason: string;
  figures: GateFigures | null;
  /** When and by whom the decision in force was made (null: from config, or none yet). */
  decidedAt: string | null;
  decidedBy: string | null;
}

function asFlow(flow: string | GatedFlow): GatedFlow {
  return typeof flow === 'string' ? { name: flow, gate: DEFAULT_GATE } : flow;
}

function figuresOf(row: DecisionRow): GateFigures {
  return {
    n: row.n,
    correct: row.correct,
    accuracy: row.accuracy,
    lower: row.lower_bound ?? 0,
    upper: row.upper_bound ?? 1,
    threshold: row.threshold,
    sampleSize: row.sample_size,
  };
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

/**
 * Whether the flow's model version may write to the CRM now. `gate.mode: shadow` and `open` are the
 * operator's explicit choice and hold as configured; `gated` (the default) follows the latest
 * recorded decision, and is shadow until one opens it. A flow given by name alone is `gated`.
 */
export async function gateStatus(
  store: Sql,
  flow: string | GatedFlow,
  modelVersion: string,
): Promise<GateStatus> {
  const f = asFlow(flow);
  const base = { flow: f.name, modelVersion, figures: null, decidedAt: null, decidedBy: null };
  if (f.gate.mode === 'shadow') {
    return {
      ...base,
      mode: 'shadow',
      reasonCode: 'config_shadow',
      reason: 'gate.mode is shadow in inrecord.yaml: outputs are recorded, never written',
    };
  }
  if (f.gate.mode === 'open') {
    return {
      ...base,
      mode: 'open',
      reasonCode: 'config_open',
      reason: 'gate.mode is open in inrecord.yaml: write-back is not gated',
    };
  }
  const row = await latestDecision(store, f.name, modelVersion);
  if (!row) {
    return {
      ...base,
      mode: 'shadow',
      reasonCode: 'no_decision',
      reason: `model version ${modelVersion} has no gate decision yet: it runs in shadow until a labelled sample of ${f.gate.sampleSize} passes`,
    };
  }
  const status: GateStatus = {
    flow: f.name,
    modelVersion,
    mode: row.mode,
    reasonCode: row.reason_code as GateReasonCode,
    reason: row.reason,
    figures: figuresOf(row),
    decidedAt: iso(row.decided_at),
    decidedBy: row.decided_by,
  };
  if (row.mode === 'open') {
    // A threshold or sample size raised in config since the decision closes the gate at once; a
    // lowered one opens nothing until an evaluation records it.
    const now = decideGate({ n: row.n, correct: row.correct }, f.gate);
    if (now.mode === 'shadow') {
      return {
        ...status,
        mode: 'shadow',
        reasonCode: now.reasonCode,
        reason: `gate config is stricter than when it opened: ${now.reason}`,
        figures: now.figures,
      };
    }
  }
  return status;
}

export interface ShadowOutput {
  crm: string;
  object: string;
  recordId: string;
  /** The flow's output name (`score`, `intent` …). */
  output: string;
  /** The CRM field it would be written to. */
  field?: string | null;
  value: unknown;
  /** The field's value in the CRM when the output was computed (what a reviewer compares against). */
  currentValue?: unknown;
  confidence?: number | null;
}

/** Records what a flow in shadow mode would have written. Returns the new shadow output ids. */
export async function recordShadowOutputs(
  store: Sql,
  args: { flow: string; modelVersion: string; runId?: string | null; outputs: ShadowOutput[] },
): Promise<number[]> {
  return insertShadowOutputs(
    store,
    args.outputs.map((o) => ({
      ...o,
      flow: args.flow,
      modelVersion: args.modelVersion,
      runId: args.runId ?? null,
    })),
  );
}

export type Sample = SampleWithOutput;

/**
 * Draws a random sample of not-yet-sampled shadow outputs for review. After a drift fallback only
 * outputs computed since then are eligible: the reviewer judges the model as it behaves now.
 */
export async function drawSample(
  store: Sql,
  args: { flow: string; modelVersion: string; size: number; drawnBy: string; seed?: string },
): Promise<Sample[]> {
  const since = await epochStart(store, args.flow, args.modelVersion);
  const drawn = await insertSample(store, {
    flow: args.flow,
    modelVersion: args.modelVersion,
    size: args.size,
    seed: args.seed ?? `${Date.now()}-${Math.random()}`,
    since,
    drawnBy: args.drawnBy,
  });
  return selectSamplesByIds(
    store,
    drawn.map((d) => Number(d.id)),
  );
}

export async function listSamples(
  store: Sql,
  args: { flow: string; modelVersion?: string; status?: 'unlabelled' | 'labelled' | 'all'; limit?: number },
): Promise<Sample[]> {
  return selectSamples(store, {
    flow: args.flow,
    modelVersion: args.modelVersion,
    status: args.status ?? 'unlabelled',
    limit: args.limit ?? 1000,
  });
}

export async function getSample(store: Sql, id: number): Promise<Sample> {
  const s = await selectSample(store, id);
  if (!s)
    throw new InrecordError('IR_GATE_SAMPLE_NOT_FOUND', `gate sample ${id} does not exist`, {
      context: { sampleId: id },
    });
  return s;
}

/** Labels one sample; labelling again replaces the label (and who and when). */
export async function labelSample(
  store: Sql,
  args: { sampleId: number; label: 'correct' | 'incorrect'; by: string; note?: string },
): Promise<Sample> {
  const row = await updateSampleLabel(store, {
    id: args.sampleId,
    label: args.label,
    by: args.by,
    note: args.note ?? null,
  });
  if (!row)
    throw new InrecordError('IR_GATE_SAMPLE_NOT_FOUND', `gate sample ${args.sampleId} does not exist`, {
      context: { sampleId: args.sampleId },
    });
  return getSample(store, args.sampleId);
}

export interface GateDecisionRecord extends GateStatus {
  id: number;
  figures: GateFigures;
}

function recordOf(row: DecisionRow): GateDecisionRecord {
  return {
    id: Number(row.id),
    flow: row.flow,
    modelVersion: row.model_version,
    mode: row.mode,
    reasonCode: row.reason_code as GateReasonCode,
    reason: row.reason,
    figures: figuresOf(row),
    decidedAt: iso(row.decided_at),
    decidedBy: row.decided_by,
  };
}

/**
 * Counts the labels of the current sampling epoch, decides, and records the decision with its
 * figures (n, correct, accuracy, Wilson bounds, threshold, sample size, time, who). Every
 * evaluation is recorded, so the history shows how the gate came to open or stay closed.
 */
export async function evaluateGate(
  store: Store,
  args: { flow: string | GatedFlow; modelVersion: string; by: string },
): Promise<GateDecisionRecord> {
  const f = asFlow(args.flow);
  return store.transaction(async (tx) => {
    const since = await epochStart(tx, f.name, args.modelVersion);
    const counts = await countLabels(tx, f.name, args.modelVersion, since);
    const verdict = decideGate(counts, f.gate);
    const row = await insertDecision(tx, {
      flow: f.name,
      model_version: args.modelVersion,
      mode: verdict.mode,
      reason_code: verdict.reasonCode,
      reason: verdict.reason,
      n: verdict.figures.n,
      correct: verdict.figures.correct,
      accuracy: verdict.figures.accuracy,
      lower_bound: verdict.figures.lower,
      upper_bound: verdict.figures.upper,
      threshold: verdict.figures.threshold,
      sample_size: verdict.figures.sampleSize,
      figures: { ...verdict.figures, epochSince: since ? iso(since) : null },
      decided_by: args.by,
    });
    return recordOf(row);
  });
}

/**
 * Sends an open flow back to shadow after a drift alert (when `gate.shadowOnDrift`). Starts a new
 * sampling epoch: the gate reopens only on labels drawn after this. Returns null when nothing
 * changed (the flow was not open, or the config does not ask for it).
 */
export async function fallBackToShadow(
  store: Sql,
  args: {
    flow: string | GatedFlow;
    modelVersion: string;
    by: string;
    reason: string;
    figures: Record<string, unknown>;
  },
): Promise<GateDecisionRecord | null> {
  const f = asFlow(args.flow);
  if (f.gate.mode !== 'gated' || !f.gate.shadowOnDrift) return null;
  const current = await latestDecision(store, f.name, args.modelVersion);
  if (!current || current.mode !== 'open') return null;
  const row = await insertDecision(store, {
    flow: f.name,
    model_version: args.modelVersion,
    mode: 'shadow',
    reason_code: 'drift',
    reason: args.reason,
    n: 0,
    correct: 0,
    accuracy: null,
    lower_bound: 0,
    upper_bound: 1,
    threshold: f.gate.threshold,
    sample_size: f.gate.sampleSize,
    figures: args.figures,
    decided_by: args.by,
  });
  return recordOf(row);
}

/** The recorded gate decisions of a flow, newest first, with their figures. */
export async function decisionHistory(
  store: Sql,
  flow: string,
  modelVersion: string | null = null,
  limit = 50,
): Promise<GateDecisionRecord[]> {
  const rows = await selectDecisions(store, flow, modelVersion, limit);
  return rows.map(recordOf);
}
