/**
 * Prepares each configured flow for a run against one CRM — its target schema, its processor (the
 * flows module's; scoring trains on the CRM's own history first) and the fields it reads — and
 * turns CRM records into the outputs write-back takes. Outputs that do not fit their field are
 * rejected by the flow, named, and counted; they never reach a write.
 */
import type { FieldRule, FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmRecord, FieldChange, ObjectSchema } from '../crm/types.js';
import {
  type FlowProcessor,
  type FlowRecord,
  type ModelReport,
  type ModelSummary,
  type ScoringModel,
  createFlowProcessor,
  flowSettings,
  isDecided,
  settingFields,
  summariseModel,
  trainScoringModel,
} from '../flows/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { indexFields, type RecordOutputs, resolveField, resolveRules } from '../writeback/index.js';

export interface Rejection {
  flow: string;
  recordId: string;
  output: string;
  field: string;
  code: string;
  message: string;
}

export interface PreparedFlow {
  flow: FlowConfig;
  schema: ObjectSchema;
  processor: FlowProcessor;
  /** Fields the flow reads from each record (API names). */
  reads: string[];
  explanation: string;
  /**
   * Scoring with a conversion label: records the label says are decided (converted, lost, closed)
   * are history, not leads to score.
   */
  decided?: (record: FlowRecord) => boolean;
  /** The trained scoring model, kept when the flow is prepared again for a changed schema. */
  scoringModel?: ScoringModel;
  /** Scoring: the model that answers and why (with the hold-out figures when it was trained now). */
  model?: ModelSummary;
  /** Scoring: the report of the training done when the flow was prepared. */
  modelReport?: ModelReport;
  /** Fields the flow names (settings, outputs) that the object did not have when it was prepared. */
  missing: string[];
  /** When the CRM was last asked for the fields afresh because some were missing (epoch ms). */
  freshAt?: number;
}

/** The fields of a schema, as a comparable key: a field created or removed changes it. */
export function schemaKey(schema: ObjectSchema): string {
  return schema.fields
    .map((f) => `${f.name}\u0000${f.label}\u0000${f.type}\u0000${f.writable ? 1 : 0}`)
    .sort()
    .join('\u0001');
}

/** How often a flow with missing fields asks the CRM afresh whether they exist now. */
export const MISSING_FIELDS_RECHECK_MS = 10_000;

/**
 * The flow prepared again when its object's fields changed since it was prepared — a field created
 * by `inrecord check --fix` while the daemon runs is then read and written without a restart (within
 * 10 s while the flow has fields missing; otherwise when the connector's field list next expires).
 * Keeps the trained model (no new training); the same prepared flow when nothing changed.
 */
export async function refreshPrepared(deps: { store: Store; connector: CrmConnector; now: Date; objects?: InrecordConfig['objects'] }, prepared: PreparedFlow): Promise<PreparedFlow> {
  const recheck = prepared.missing.length > 0 && Date.now() - (prepared.freshAt ?? 0) >= MISSING_FIELDS_RECHECK_MS;
  if (recheck) prepared.freshAt = Date.now();
  const schema = await deps.connector.describe(prepared.flow.object, recheck ? { fresh: true } : {});
  if (schema === prepared.schema || schemaKey(schema) === schemaKey(prepared.schema)) return prepared;
  const fresh = await prepareFlow({ ...deps, train: false, ...(prepared.scoringModel ? { scoringModel: prepared.scoringModel } : {}) }, prepared.flow);
  return { ...fresh, explanation: prepared.explanation, model: prepared.model, modelReport: prepared.modelReport, freshAt: prepared.freshAt };
}

const uniq = (xs: (string | undefined | null)[]) => [...new Set(xs.filter((x): x is string => Boolean(x)))];

/** Every field a flow's settings name, and its outputs. */
export function fieldsNamed(flow: FlowConfig): string[] {
  return uniq([...settingFields(flow.settings).map((f) => f.name), ...Object.values(flow.outputs)]);
}

/** Reads every record of the flow's object with the given fields (training history). */
async function readAll(connector: CrmConnector, flow: FlowConfig, fields: string[]): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  for await (const page of connector.readChanged(flow.object, null, fields)) for (const r of page) out.push({ id: r.id, fields: r.fields });
  return out;
}

export async function prepareFlow(
  deps: {
    store: Store;
    connector: CrmConnector;
    now: Date;
    train?: boolean;
    /** Every record of the flow's object, already read with the flow's fields: trained on instead of read again. */
    history?: FlowRecord[];
    /** A model trained before: used as it is. */
    scoringModel?: ScoringModel;
    /** Ownership rules (inrecord.yaml `objects`): the stamp fields of the flow's outputs are read with the record. */
    objects?: InrecordConfig['objects'];
    /** Where a trained model that is not served is reported. */
    logger?: Logger;
  },
  flow: FlowConfig,
): Promise<PreparedFlow> {
  const schema = await deps.connector.describe(flow.object);
  // settings may name fields by label (Pipedrive custom fields have 40-hex keys): read by API name
  const idx = indexFields(schema);
  const missing: string[] = [];
  // a field the object does not have (yet: `check --fix` creates it) is not asked for: the CRM
  // would refuse the whole read
  const reads = fieldsNamed(flow).flatMap((f) => {
    const r = resolveField(idx, f);
    if (!r.ok) missing.push(f);
    return r.ok ? [r.field.name] : [];
  });
  // the stamps beside the outputs: write-back plans on the record as read here, stamps included
  const rules = resolveRules(idx, (deps.objects?.[flow.object]?.fields ?? {}) as Record<string, FieldRule>).byField;
  for (const target of Object.values(flow.outputs)) {
    const t = resolveField(idx, target);
    const stamp = t.ok ? rules.get(t.field.name)?.stamp : undefined;
    const s = stamp ? resolveField(idx, stamp) : null;
    if (s?.ok && !reads.includes(s.field.name)) reads.push(s.field.name);
  }
  const now = () => deps.now;
  if (flow.kind === 'scoring') {
    const settings = flowSettings(flow.name, flow.settings);
    const decided = settings.label ? (r: FlowRecord) => isDecided(settings, r) : undefined;
    // `keep`: the model was given or trained now, and is kept when the flow is prepared again
    const served = (processor: FlowProcessor, explanation: string, keep: boolean, modelReport?: ModelReport): PreparedFlow => {
      const model = processor.scoringModel as ScoringModel;
      const summary: ModelSummary = modelReport
        ? summariseModel(modelReport)
        : { flow: flow.name, chosen: model.kind, modelVersion: model.version, holdoutAuc: null, aucLower: null, aucUpper: null, rulesAuc: null, rejected: null, why: explanation };
      return { flow, schema, processor, reads, missing, explanation, decided, model: summary, ...(keep ? { scoringModel: model } : {}), ...(modelReport ? { modelReport } : {}) };
    };
    if (deps.scoringModel) {
      const processor = await createFlowProcessor(flow, { schema, db: deps.store, now, scoringModel: deps.scoringModel });
      return served(processor, processor.explanation, true);
    }
    if (deps.train !== false && settings.model !== 'rules') {
      const history = (deps.history ?? (await readAll(deps.connector, flow, reads))).map((r) => ({ ...r, fields: readableFields(schema, r.fields) }));
      const choice = await trainScoringModel(deps.store, flow.name, flow.settings, history, deps.now, { logger: deps.logger });
      const processor = await createFlowProcessor(flow, { schema, db: deps.store, now, scoringModel: choice.model });
      return served(processor, choice.explanation, true, choice.report);
    }
    const processor = await createFlowProcessor(flow, { schema, db: deps.store, now });
    return served(processor, processor.explanation, false);
  }
  const processor = await createFlowProcessor(flow, { schema, db: deps.store, now });
  return { flow, schema, processor, reads, missing, explanation: processor.explanation };
}

/**
 * A record as the words a person sees: picklist values (Pipedrive option ids) read as their labels,
 * and each field also under its label when the label is unique — settings and rules are written
 * by people, in labels.
 */
export function readableFields(schema: ObjectSchema, fields: CrmRecord['fields']): CrmRecord['fields'] {
  const out = { ...fields };
  const labelCount = new Map<string, number>();
  for (const f of schema.fields) labelCount.set(f.label, (labelCount.get(f.label) ?? 0) + 1);
  for (const f of schema.fields) {
    if (!(f.name in out)) continue;
    if ((f.type === 'picklist' || f.type === 'multipicklist') && f.options?.length) {
      const label = (x: string) => f.options!.find((o) => o.value === x)?.label ?? x;
      const v = out[f.name];
      if (typeof v === 'string') out[f.name] = label(v);
      else if (Array.isArray(v)) out[f.name] = v.map(label);
    }
    if (!(f.label in out) && labelCount.get(f.label) === 1) out[f.label] = out[f.name];
  }
  return out;
}

export interface ProducedOutputs {
  outputs: RecordOutputs[];
  rejected: Rejection[];
}

/** The flow's outputs for a page of records, checked against their target fields by the flow. */
export async function produceOutputs(
  prepared: PreparedFlow,
  records: CrmRecord[],
  ctx: { now: Date; history?: (ids: string[], fields: string[]) => Promise<FieldChange[]>; /** When the records were read, if not now (ISO 8601). */ readAt?: string },
): Promise<ProducedOutputs> {
  const { flow } = prepared;
  const rejected: Rejection[] = [];
  const outputs: RecordOutputs[] = [];
  const readAt = ctx.readAt ?? ctx.now.toISOString();
  // enrichment refreshes by age and never over a fresher human value: it needs each field's last change
  const targetFields = Object.values(flow.outputs).map((f) => {
    const r = resolveField(indexFields(prepared.schema), f);
    return r.ok ? r.field.name : f;
  });
  const history = flow.kind === 'enrichment' && ctx.history ? await ctx.history(records.map((r) => r.id), targetFields) : [];
  for (const raw of records) {
    // the flow reads the record in people's words; write-back compares against the raw values
    const record: FlowRecord = { id: raw.id, fields: flow.kind === 'scoring' ? readableFields(prepared.schema, raw.fields) : raw.fields };
    // decided (converted, lost, closed): history, not a lead (Salesforce refuses updates to converted leads)
    if (prepared.decided?.(record)) continue;
    const mine = history.filter((h) => h.id === raw.id);
    const last = (field: string) => mine.filter((h) => h.field === field).sort((a, b) => (a.at < b.at ? 1 : -1))[0] ?? null;
    const res = await prepared.processor.process(record, {
      history: Object.fromEntries(targetFields.map((f) => [f, last(f)])),
      stampedAt: Object.fromEntries(targetFields.map((f) => [f, last(f)?.actor === 'integration' ? last(f)!.at : null])),
    });
    for (const r of res.rejected) rejected.push({ flow: flow.name, recordId: raw.id, output: r.output, field: r.field ?? r.output, code: r.code, message: r.message });
    if (res.outputs.length > 0 || res.rejected.length > 0) {
      outputs.push({
        object: flow.object,
        recordId: raw.id,
        readAt,
        record: raw,
        outputs: res.outputs,
        ...(res.rejected.length > 0
          ? { rejected: res.rejected.map((r) => ({ output: r.output, field: r.field, flow: flow.name, code: r.code, message: r.message })) }
          : {}),
      });
    }
  }
  return { outputs, rejected };
}
