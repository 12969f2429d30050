/**
 * The demo's steps behind one CRM's figures: identity validation on a sample, the gate opened on
 * simulated labels, a flow's runs summed up, its numbers against the later outcomes, what became
 * of rep edits, and the record pages that show a written record.
 */
import type { FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmName, CrmRecord, FieldValue } from '../crm/types.js';
import type { ModelSummary } from '../flows/index.js';
import { drawSample, evaluateGate, labelSample } from '../gate/index.js';
import { listSnapshot, sampleExternalViews, validateIdentities } from '../identity/index.js';
import type { FlowRunReport } from '../pipeline/index.js';
import type { Store } from '../store/index.js';
import { ledgerForRun, writtenRecordIds } from '../writeback/index.js';
import { type DemoTruth, type OutcomeJudge, outcomeAuc, rulesScores } from './labels.js';
import type { DemoCrmReport, DemoFlowReport } from './report.js';
import type { DemoSimulator } from './sims.js';

/** Identity validation: a sample of CRM records, presented as an outside system would, resolved back. */
export async function validateIdentity(
  connector: CrmConnector,
  size: number,
): Promise<NonNullable<DemoCrmReport['identity']>> {
  const snap = await listSnapshot(connector);
  const { report, results } = validateIdentities(snap, sampleExternalViews(snap, size, 7));
  const reasons: Record<string, number> = {};
  for (const r of results) {
    if (r.status === 'matched') continue;
    const why = shorten(r.reason.replace(/[\w.+-]+@[\w.-]+|\d+|"[^"]*"|\([^)]*\)/g, '…'), 90);
    reasons[why] = (reasons[why] ?? 0) + 1;
  }
  return {
    sampled: report.sampled,
    matched: report.matched + report.mismatches,
    correct: report.matched,
    wrong: report.mismatches,
    ambiguous: report.ambiguous,
    unmatched: report.misses,
    reasons,
  };
}

/**
 * Draws samples of the flow's shadow outputs and labels those whose record has a known outcome,
 * drawing again until the gate's sample size is labelled or no outputs are left; then the gate decides.
 */
export async function openGate(
  store: Store,
  crm: CrmName,
  modelVersion: string,
  flow: FlowConfig,
  judge: OutcomeJudge,
) {
  let labelled = 0;
  for (let round = 0; round < 50 && labelled < flow.gate.sampleSize; round++) {
    const samples = await drawSample(store, {
      flow: flow.name,
      modelVersion,
      size: flow.gate.sampleSize - labelled,
      drawnBy: 'demo (simulated reviewer)',
      seed: `${crm}-demo-${round}`,
    });
    if (samples.length === 0) break;
    for (const s of samples) {
      const label = judge.judge(s);
      if (label === null) continue;
      await labelSample(store, {
        sampleId: Number(s.id),
        label,
        by: 'demo (simulated from the later outcome)',
      });
      labelled++;
    }
  }
  return evaluateGate(store, { flow, modelVersion, by: 'demo' });
}

export function flowSummary(
  runs: FlowRunReport[],
  gate: Awaited<ReturnType<typeof evaluateGate>> | null,
  flow: FlowConfig,
  batch: number,
  labelsFrom: string,
  outcomes: DemoFlowReport['outcomes'],
): DemoFlowReport {
  const sum = (f: (r: FlowRunReport) => number) => runs.reduce((s, r) => s + f(r), 0);
  const a = (r: FlowRunReport) => r.apply?.fields;
  return {
    flow: flow.name,
    kind: flow.kind,
    explanation: runs[0].explanation,
    records: runs[0].records,
    shadowed: sum((r) => Object.values(r.gate.shadowed).reduce((x, y) => x + y, 0)),
    gate: {
      mode: gate?.mode ?? (flow.gate.mode === 'open' ? 'open' : 'shadow'),
      reason: gate?.reason ?? `gate mode ${flow.gate.mode} in config`,
      labelled: gate?.figures.n ?? 0,
      correct: gate?.figures.correct ?? 0,
      lowerBound: gate?.figures.lower ?? null,
      upperBound: gate?.figures.upper ?? null,
      threshold: flow.gate.threshold,
      sampleSize: flow.gate.sampleSize,
      simulatedLabels: true,
      labelsFrom,
    },
    written: sum((r) => a(r)?.written ?? 0),
    unchanged: sum((r) => a(r)?.unchanged ?? 0),
    rejected: sum((r) => (a(r)?.rejected ?? 0) + r.rejected.length),
    conflicts: sum((r) => (a(r)?.flagged ?? 0) + (a(r)?.conflict_skipped ?? 0)),
    failed: sum((r) => a(r)?.failed ?? 0),
    notApplied: sum((r) => a(r)?.not_applied ?? 0),
    writeCalls: sum((r) => r.apply?.writeBatches ?? 0),
    minimumWriteCalls: runs.reduce((s, r) => s + Math.ceil((r.apply?.recordsWritten ?? 0) / batch), 0),
    runIds: runs.map((r) => r.apply?.runId).filter((x): x is string => Boolean(x)),
    ...(outcomes ? { outcomes } : {}),
  };
}

/** A score or risk flow's numbers against the later outcomes; scoring adds the rules on the same records and the training hold-out. */
export function outcomeFigures(
  flow: FlowConfig,
  gt: DemoTruth,
  values: Map<string, number>,
  recs: CrmRecord[],
  model: ModelSummary | undefined,
): DemoFlowReport['outcomes'] {
  const later = gt.laterOutcomes?.[flow.object];
  const served = later ? outcomeAuc(values, later) : null;
  if (!later || !served) return undefined;
  const known = Object.keys(later).filter((id) => values.has(id));
  const rules =
    flow.kind === 'scoring' ? outcomeAuc(rulesScores(flow, recs, known, new Date()), later) : null;
  return {
    records: served.n,
    positives: served.positives,
    served: { model: model?.chosen ?? flow.kind, auc: served.auc, lower: served.lower, upper: served.upper },
    rules: rules ? { auc: rules.auc, lower: rules.lower, upper: rules.upper } : null,
    holdout: model
      ? {
          trainedAuc: model.holdoutAuc,
          trainedLower: model.aucLower,
          trainedUpper: model.aucUpper,
          rulesAuc: model.rulesAuc,
          chosen: model.chosen,
          why: model.why,
        }
      : null,
  };
}

/** What became of rep edits: the run's ledger outcome for the field, and the value in the CRM now. */
export async function fateOf(
  store: Store,
  connector: CrmConnector,
  flow: FlowConfig,
  field: string,
  runId: string,
  edits: Map<string, FieldValue>,
) {
  const ids = [...edits.keys()];
  const wanted = new Set(ids);
  const ledger = (await ledgerForRun(store, runId)).filter(
    (l) => l.field === field && wanted.has(l.record_id),
  );
  const outcome = new Map(ledger.map((l) => [l.record_id, l.outcome]));
  const now = await connector.read(flow.object, ids, [field]);
  const held = new Set(
    now.filter((r) => String(r.fields[field]) === String(edits.get(r.id))).map((r) => r.id),
  );
  let caught = 0;
  let writtenThenKept = 0;
  for (const id of ids) {
    const o = outcome.get(id);
    if (o === 'flagged' || o === 'conflict_skipped') caught++;
    else if (o === 'written' && held.has(id)) writtenThenKept++;
  }
  return { caught, writtenThenKept, kept: held.size, lost: ids.length - held.size };
}

export async function recordPages(
  sim: DemoSimulator,
  connector: CrmConnector,
  store: Store,
  config: InrecordConfig,
): Promise<string[]> {
  const flow = config.flows[0];
  if (!flow) return [];
  const ids = await writtenRecordIds(store, connector.crm, flow.object, 3);
  const pages = ids.map((id) => `${sim.url}/ui/${connector.objectName(flow.object)}/${id}`);
  const live = [];
  for (const p of pages) {
    const res = await fetch(p).catch(() => null);
    if (res?.ok) live.push(p);
  }
  return live;
}

/** `text` cut at a word boundary to at most `max` characters, marked with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(' ', max - 2);
  return `${text.slice(0, space > 0 ? space : max - 2).replace(/[;,:]$/, '')} …`;
}
