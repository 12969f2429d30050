/**
 * One flow from inrecord.yaml applied to records: dispatches on the flow's kind, resolves each
 * output's target field in the object schema, checks every value against its field, and returns
 * plain values for write-back (`outputs`, the shape writeback's RecordOutputs takes) beside every
 * rejection and skip, so nothing is dropped silently. No CRM calls: records, schema, history and
 * stamps come in as values; the store is read only for the scoring model.
 */
import type { FlowConfig } from '../config/index.js';
import { fieldIndexOf, resolveField as resolveCrmField } from '../crm/fields.js';
import type { FieldChange, FieldSchema, ObjectSchema } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import type { Sql } from '../store/types.js';
import { ENRICHMENT_OUTPUTS, type EnrichmentOutputName, type EnrichmentTarget, type EnrichmentSettings, createEnrichmentProvider, enrichRecord } from './enrichment/flow.js';
import type { EnrichmentProvider } from './enrichment/types.js';
import { type TextFlowContext, type TextFlowSettingsInput, intentOutput, summaryOutput, textFlowContext } from './intent/flow.js';
import { type DealRiskModel, buildDealRiskModel } from './scoring/deal-risk.js';
import type { ScoringModel } from './scoring/model.js';
import { scoringOutputs } from './scoring/model.js';
import { flowSettingsOf } from './outputs.js';
import { loadScoringModel } from './scoring/persist.js';
import { type FlowOutput, type FlowRecord, type MappedOutput, validateOutput } from './types.js';

/** One output not written, with the reason in words. */
export interface FlowRejection {
  recordId: string;
  output: string;
  field: string | null;
  code: string;
  message: string;
}

export interface FlowRecordResult {
  recordId: string;
  outputs: MappedOutput[];
  rejected: FlowRejection[];
  /** Outputs not produced for a reason that is not an error (fresh value kept, nothing to classify …). */
  skipped: { output: string; field: string | null; reason: string }[];
}

export interface RecordContext {
  /** Last change per field (enrichment refresh). */
  history?: Record<string, FieldChange | null>;
  /** When inrecord last wrote each field (the AI stamp), ISO 8601. */
  stampedAt?: Record<string, string | null>;
}

export interface FlowProcessor {
  flow: FlowConfig;
  /** Which model answers and why ("rules model: 312 converted …"). */
  explanation: string;
  modelVersion: string;
  /** The scoring model that answers (scoring flows). */
  scoringModel?: ScoringModel;
  process(record: FlowRecord, ctx?: RecordContext): Promise<FlowRecordResult>;
}

export interface ProcessorDeps {
  schema: ObjectSchema;
  now?: () => Date;
  /** The store holding trained scoring models; without it scoring uses the rules. */
  db?: Sql;
  /** Overrides (tests, the demo): a scoring model or an enrichment provider. */
  scoringModel?: ScoringModel;
  enrichmentProvider?: EnrichmentProvider;
}

/** The field an output is written to: by API name, else by a unique label. */
/** A mapped field by API name or label, resolved exactly as check and write-back resolve it. */
export function resolveField(schema: ObjectSchema, name: string): FieldSchema | null {
  const r = resolveCrmField(fieldIndexOf(schema), name);
  return r.ok ? r.field : null;
}

function emptyResult(recordId: string): FlowRecordResult {
  return { recordId, outputs: [], rejected: [], skipped: [] };
}

/** Validates produced outputs against their mapped fields and files each one. */
function file(flow: FlowConfig, schema: ObjectSchema, result: FlowRecordResult, produced: FlowOutput[], bounds: Record<string, { min?: number; max?: number }> = {}): void {
  for (const o of produced) {
    const target = flow.outputs[o.name];
    if (target === undefined) {
      result.skipped.push({ output: o.name, field: null, reason: 'not mapped to a field in the flow’s outputs' });
      continue;
    }
    const field = resolveField(schema, target);
    if (!field) {
      result.rejected.push({ recordId: result.recordId, output: o.name, field: target, code: 'IR_FIELD_NOT_FOUND', message: `record ${result.recordId}: field ${target} (output ${o.name}) does not exist on ${schema.object}; create it with \`inrecord check --fix\` or correct the mapping` });
      continue;
    }
    const c = validateOutput(result.recordId, o, field, bounds[o.name]);
    if (!c.ok) {
      result.rejected.push({ recordId: result.recordId, output: o.name, field: field.name, code: c.code, message: c.message });
      continue;
    }
    result.outputs.push({
      name: o.name,
      field: field.name,
      value: c.output.value,
      modelVersion: c.output.modelVersion,
      flow: flow.name,
      ...(c.output.confidence === undefined ? {} : { confidence: c.output.confidence }),
    });
  }
}

function textOf(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v;
  return null;
}

export async function createFlowProcessor(flow: FlowConfig, deps: ProcessorDeps): Promise<FlowProcessor> {
  const now = deps.now ?? (() => new Date());
  const { schema } = deps;
  switch (flow.kind) {
    case 'scoring': {
      let model: ScoringModel;
      let explanation: string;
      if (deps.scoringModel) {
        model = deps.scoringModel;
        explanation = `${model.kind} model ${model.version} (given)`;
      } else if (deps.db) {
        ({ model, explanation } = await loadScoringModel(deps.db, flow.name, flow.settings));
      } else {
        ({ model, explanation } = await loadScoringModel(noModels, flow.name, flow.settings));
      }
      return {
        flow,
        explanation,
        modelVersion: model.version,
        scoringModel: model,
        async process(record) {
          const result = emptyResult(record.id);
          file(flow, schema, result, scoringOutputs(model, record, now()), { score: { min: 0, max: 100 } });
          return result;
        },
      };
    }
    case 'intent':
    case 'summary': {
      const ctx: TextFlowContext = textFlowContext(flowSettingsOf<TextFlowSettingsInput>(flow));
      const outputName = flow.kind === 'intent' ? 'intent' : 'summary';
      return {
        flow,
        explanation: ctx.llm ? `${ctx.llm.version} (fallback: ${ctx.settings.llm?.fallback})` : flow.kind === 'intent' ? 'local naive Bayes intent classifier' : 'local extractive summariser',
        modelVersion: ctx.llm ? ctx.llm.version : flow.kind,
        async process(record) {
          const result = emptyResult(record.id);
          const target = flow.outputs[outputName];
          const field = target === undefined ? null : resolveField(schema, target);
          if (target === undefined || !field) {
            result.rejected.push({ recordId: record.id, output: outputName, field: target ?? null, code: 'IR_FIELD_NOT_FOUND', message: `record ${record.id}: output ${outputName} has no field${target ? ` (${target} does not exist on ${schema.object})` : ' in the flow’s outputs'}` });
            return result;
          }
          const text = textOf(record.fields[ctx.settings.textField]);
          if (text === null) {
            result.skipped.push({ output: outputName, field: field.name, reason: `no text in ${ctx.settings.textField}` });
            return result;
          }
          const r = flow.kind === 'intent' ? await intentOutput(ctx, record.id, text, field) : await summaryOutput(ctx, record.id, text, field);
          if (!r.ok) {
            if (r.error.retryable) throw r.error;
            result.rejected.push({ recordId: record.id, output: outputName, field: field.name, code: r.error.code, message: r.error.message });
            return result;
          }
          file(flow, schema, result, [r.output]);
          return result;
        },
      };
    }
    case 'enrichment': {
      const settings = flowSettingsOf<EnrichmentSettings>(flow);
      const provider = deps.enrichmentProvider ?? createEnrichmentProvider(settings);
      return {
        flow,
        explanation: `enrichment from ${provider.version}, refreshed every ${settings.refreshDays} days`,
        modelVersion: provider.version,
        async process(record, rctx = {}) {
          const result = emptyResult(record.id);
          const targets: EnrichmentTarget[] = [];
          for (const [output, target] of Object.entries(flow.outputs)) {
            if (!(ENRICHMENT_OUTPUTS as readonly string[]).includes(output)) {
              result.rejected.push({ recordId: record.id, output, field: target, code: 'IR_CONFIG_INVALID', message: `output ${output} is not an enrichment output (${ENRICHMENT_OUTPUTS.join(', ')})` });
              continue;
            }
            const field = resolveField(schema, target);
            if (!field) {
              result.rejected.push({ recordId: record.id, output, field: target, code: 'IR_FIELD_NOT_FOUND', message: `record ${record.id}: field ${target} (output ${output}) does not exist on ${schema.object}; create it with \`inrecord check --fix\` or correct the mapping` });
              continue;
            }
            targets.push({ output: output as EnrichmentOutputName, field, current: record.fields[field.name] ?? null, stampedAt: rctx.stampedAt?.[field.name] ?? null, lastChange: rctx.history?.[field.name] ?? null });
          }
          if (targets.length === 0) return result;
          const r = await enrichRecord(provider, settings, record, targets, now());
          if (r.error) {
            if (r.error.retryable) throw r.error;
            for (const t of targets) result.rejected.push({ recordId: record.id, output: t.output, field: t.field.name, code: r.error.code, message: r.error.message });
            return result;
          }
          for (const rej of r.rejected) result.rejected.push({ recordId: record.id, output: rej.output, field: rej.field, code: rej.code, message: rej.message });
          for (const d of r.decisions) {
            const t = targets.find((x) => x.field.name === d.field);
            if (!d.refresh) result.skipped.push({ output: t?.output ?? d.field, field: d.field, reason: d.message });
          }
          if (r.lookup === 'not_found') for (const t of targets) result.skipped.push({ output: t.output, field: t.field.name, reason: `not found: ${r.why}` });
          for (const f of r.noValue) result.skipped.push({ output: targets.find((t) => t.field.name === f)?.output ?? f, field: f, reason: 'the provider has no value' });
          file(flow, schema, result, r.outputs, { employee_count: { min: 0 }, funding_total: { min: 0 } });
          return result;
        },
      };
    }
    case 'deal-risk': {
      const model: DealRiskModel = buildDealRiskModel(flowSettingsOf(flow));
      return {
        flow,
        explanation: `deal-risk rules ${model.version}`,
        modelVersion: model.version,
        async process(record) {
          const result = emptyResult(record.id);
          file(flow, schema, result, model.score(record, now().getTime()), { risk_score: { min: 0, max: 100 } });
          return result;
        },
      };
    }
    default:
      throw new InrecordError('IR_NOT_IMPLEMENTED', `flow ${flow.name}: kind ${flow.kind} is not handled by the flows module`, { context: { flow: flow.name } });
  }
}

/** A store with no models, for scoring without a store: auto and rules both score with the rules. */
const noModels: Sql = {
  async query<T>() {
    return [] as T[];
  },
  async exec() {},
};
