/**
 * Prepares each configured flow for a run against one CRM — its target schema, its model (scoring
 * trains on the CRM's own history), its text or enrichment context — and turns CRM records into
 * the outputs write-back takes, mapped to the configured fields. Outputs that do not fit their
 * field are rejected here, named, and counted; they never reach a write.
 */
import type { FlowConfig } from '../config/index.js';
import type { CrmConnector, CrmRecord, FieldChange, FieldSchema, ObjectSchema } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import {
  type EnrichmentProvider,
  type EnrichmentSettings,
  type EnrichmentTarget,
  ENRICHMENT_OUTPUTS,
  type FlowRecord,
  type ScoringModel,
  type TextFlowContext,
  createEnrichmentProvider,
  enrichRecord,
  enrichmentSettingsSchema,
  flowSettings,
  labelOf,
  intentOutput,
  loadScoringModel,
  scoringOutputs,
  summaryOutput,
  textFlowContext,
  trainScoringModel,
  validateOutput,
} from '../flows/index.js';
import type { Store } from '../store/index.js';
import type { FlowOutput as WriteOutput, RecordOutputs } from '../writeback/index.js';
import { resolveField, indexFields } from '../writeback/index.js';

export interface Rejection {
  flow: string;
  recordId: string;
  field: string;
  code: string;
  message: string;
}

export interface PreparedFlow {
  flow: FlowConfig;
  schema: ObjectSchema;
  /** Output name → target field schema (resolved by name or label). */
  targets: Map<string, FieldSchema>;
  /** Fields the flow reads from each record. */
  reads: string[];
  explanation: string;
  scoring?: { model: ScoringModel; trainingScores: number[] | null; settings: ReturnType<typeof flowSettings> };
  text?: TextFlowContext;
  enrichment?: { settings: EnrichmentSettings; provider: EnrichmentProvider };
}

const uniq = (xs: (string | undefined | null)[]) => [...new Set(xs.filter((x): x is string => Boolean(x)))];

function resolveTargets(flow: FlowConfig, schema: ObjectSchema): Map<string, FieldSchema> {
  const idx = indexFields(schema);
  const targets = new Map<string, FieldSchema>();
  for (const [output, field] of Object.entries(flow.outputs)) {
    const r = resolveField(idx, field);
    if (r.ok) targets.set(output, r.field);
  }
  return targets;
}

/** Reads every record of the flow's object with the given fields (training history). */
async function readAll(connector: CrmConnector, flow: FlowConfig, fields: string[]): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const page of connector.readChanged(flow.object, null, fields)) for (const r of page) out.push({ id: r.id, fields: r.fields });
  return out;
}

export async function prepareFlow(deps: { store: Store; connector: CrmConnector; now: Date; train?: boolean }, flow: FlowConfig): Promise<PreparedFlow> {
  const p = await prepareFlowAsConfigured(deps, flow);
  // settings may name fields by label (Pipedrive custom fields have 40-hex keys): read by API name
  const idx = indexFields(p.schema);
  p.reads = uniq(p.reads.flatMap((f) => {
    const r = resolveField(idx, f);
    return r.ok ? [r.field.name] : [f];
  }));
  return p;
}

async function prepareFlowAsConfigured(deps: { store: Store; connector: CrmConnector; now: Date; train?: boolean }, flow: FlowConfig): Promise<PreparedFlow> {
  const schema = await deps.connector.describe(flow.object);
  const targets = resolveTargets(flow, schema);
  const outputFields = [...targets.values()].map((f) => f.name);
  switch (flow.kind) {
    case 'scoring': {
      const settings = flowSettings(flow.name, flow.settings);
      const reads = uniq([...Object.values(settings.features).map((f) => f.field), settings.label?.field, ...outputFields]);
      if (deps.train !== false && settings.model !== 'rules') {
        const history = await readAll(deps.connector, flow, reads);
        const choice = await trainScoringModel(deps.store, flow.name, flow.settings, history, deps.now);
        return { flow, schema, targets, reads, explanation: choice.explanation, scoring: { model: choice.model, trainingScores: choice.trainingScores, settings } };
      }
      const loaded = await loadScoringModel(deps.store, flow.name, flow.settings);
      return { flow, schema, targets, reads, explanation: loaded.explanation, scoring: { model: loaded.model, trainingScores: null, settings } };
    }
    case 'intent':
    case 'summary': {
      const text = textFlowContext(flow.settings as never);
      return { flow, schema, targets, reads: uniq([text.settings.textField, ...outputFields]), explanation: `${flow.kind}: ${text.settings.provider} model on field ${text.settings.textField}`, text };
    }
    case 'enrichment': {
      const settings = enrichmentSettingsSchema.parse(flow.settings);
      return {
        flow,
        schema,
        targets,
        reads: uniq([settings.keyField, ...outputFields]),
        explanation: `enrichment: ${settings.provider} provider by ${settings.lookup} (${settings.keyField}), refreshed after ${settings.refreshDays} days`,
        enrichment: { settings, provider: createEnrichmentProvider(settings) },
      };
    }
    default:
      throw new InrecordError('IR_CONFIG_INVALID', `flow ${flow.name}: kind ${flow.kind} is not run by this engine yet`, {
        fix: 'Remove the flow from inrecord.yaml, or use scoring, intent, summary or enrichment.',
      });
  }
}

export interface ProducedOutputs {
  outputs: RecordOutputs[];
  rejected: Rejection[];
}

/** The flow's outputs for a page of records, checked against their target fields. */
export async function produceOutputs(
  prepared: PreparedFlow,
  records: CrmRecord[],
  ctx: { now: Date; history?: (ids: string[], fields: string[]) => Promise<FieldChange[]> },
): Promise<ProducedOutputs> {
  const { flow, targets } = prepared;
  const rejected: Rejection[] = [];
  const result: RecordOutputs[] = [];
  const readAt = ctx.now.toISOString();
  const mapOut = (recordId: string, out: { name: string; value: unknown; confidence?: number; modelVersion: string }): WriteOutput | null => {
    const field = targets.get(out.name);
    if (!field) return null; // an output the config does not map is simply not written
    return { name: out.name, field: field.name, value: out.value as WriteOutput['value'], confidence: out.confidence, modelVersion: out.modelVersion, flow: flow.name };
  };
  const push = (recordId: string, outs: (WriteOutput | null)[]) => {
    const kept = outs.filter((o): o is WriteOutput => o !== null);
    if (kept.length > 0) result.push({ object: flow.object, recordId, readAt, outputs: kept });
  };

  if (prepared.scoring) {
    // rules are written in the words a person sees: picklist values (Pipedrive option ids) are read as their labels
    const labels = new Map(
      prepared.schema.fields
        .filter((f) => (f.type === 'picklist' || f.type === 'multipicklist') && f.options?.length)
        .map((f) => [f.name, new Map(f.options!.map((o) => [o.value, o.label]))]),
    );
    const labelCount = new Map<string, number>();
    for (const f of prepared.schema.fields) labelCount.set(f.label, (labelCount.get(f.label) ?? 0) + 1);
    const readable = (fields: CrmRecord['fields']): CrmRecord['fields'] => {
      const out = { ...fields };
      for (const [name, opts] of labels) {
        const v = out[name];
        if (typeof v === 'string') out[name] = opts.get(v) ?? v;
        else if (Array.isArray(v)) out[name] = v.map((x) => opts.get(x) ?? x);
      }
      // and a field may be named by its label in the settings, when the label is unique
      for (const f of prepared.schema.fields) {
        if (f.name in out && !(f.label in out) && labelCount.get(f.label) === 1) out[f.label] = out[f.name];
      }
      return out;
    };
    for (const raw of records) {
      const r = { ...raw, fields: readable(raw.fields) };
      // a record that already converted is history, not a lead to score (Salesforce also refuses
      // updates to converted leads)
      if (labelOf(prepared.scoring.settings, { id: r.id, fields: r.fields }) === 1) continue;
      const outs = scoringOutputs(prepared.scoring.model, { id: r.id, fields: r.fields }, ctx.now);
      const checked = outs.map((o) => {
        const field = targets.get(o.name);
        if (!field) return null;
        const c = validateOutput(r.id, o, field, o.name === 'score' ? { min: 0, max: 100 } : undefined);
        if (!c.ok) {
          rejected.push({ flow: flow.name, recordId: r.id, field: field.name, code: c.code, message: c.message });
          return null;
        }
        return mapOut(r.id, c.output);
      });
      push(r.id, checked);
    }
  } else if (prepared.text) {
    const text = prepared.text;
    const outName = flow.kind === 'intent' ? 'intent' : 'summary';
    const field = targets.get(outName);
    if (field) {
      for (const r of records) {
        const body = r.fields[text.settings.textField];
        if (typeof body !== 'string' || body.trim() === '') continue;
        const res = flow.kind === 'intent' ? await intentOutput(text, r.id, body, field) : await summaryOutput(text, r.id, body, field);
        if (!res.ok) rejected.push({ flow: flow.name, recordId: r.id, field: field.name, code: res.error.code, message: res.error.message });
        else push(r.id, [mapOut(r.id, res.output)]);
      }
    }
  } else if (prepared.enrichment) {
    const { settings, provider } = prepared.enrichment;
    const mapped = ENRICHMENT_OUTPUTS.filter((o) => targets.has(o));
    const fields = mapped.map((o) => targets.get(o)!.name);
    const history = ctx.history && fields.length > 0 ? await ctx.history(records.map((r) => r.id), fields) : [];
    for (const r of records) {
      const enrichTargets: EnrichmentTarget[] = mapped.map((o) => {
        const field = targets.get(o)!;
        const last = history.filter((h) => h.id === r.id && h.field === field.name).sort((a, b) => (a.at < b.at ? 1 : -1))[0] ?? null;
        return { output: o, field, current: r.fields[field.name] ?? null, stampedAt: last?.actor === 'integration' ? last.at : null, lastChange: last };
      });
      const res = await enrichRecord(provider, settings, { id: r.id, fields: r.fields }, enrichTargets, ctx.now);
      for (const x of res.rejected) rejected.push({ flow: flow.name, recordId: r.id, field: x.field, code: x.code, message: x.message });
      push(r.id, res.outputs.map((o) => mapOut(r.id, o)));
    }
  }
  return { outputs: result, rejected };
}
