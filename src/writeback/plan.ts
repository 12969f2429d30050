/**
 * The write plan: a pure function of (current record, field history, AI outputs, schema,
 * ownership rules, the time the AI read the record) → one decision per field with its reason.
 * Nothing here does I/O; apply.ts fetches the inputs and carries the plan out.
 */
import type { FieldRule } from '../config/index.js';
import type { CrmRecord, FieldChange, FieldSchema, FieldValue, ObjectKind, ObjectSchema } from '../crm/types.js';
import { coerceValue, describeExpected, normaliseLenient, valuesEqual } from './coerce.js';
import { DEFAULT_RULE, type FieldIndex, indexFields, resolveField, resolveRules } from './fields.js';
import { formatStamp } from './stamp.js';
import type { FieldDecision, FlowOutput, PlanAction, PlanCounts, RecordPlan } from './types.js';

/** Schema and rules of one object, resolved once and shared by every record's plan. */
export interface PlanContext {
  object: ObjectKind;
  index: FieldIndex;
  rules: Map<string, FieldRule>;
}

export function planContext(object: ObjectKind, schema: ObjectSchema, rules: Record<string, FieldRule> = {}): PlanContext {
  const index = indexFields(schema);
  return { object, index, rules: resolveRules(index, rules).byField };
}

export interface PlanInput {
  recordId: string;
  /** The record as read now; null when the CRM no longer has it. */
  record: CrmRecord | null;
  /** The last change per field of this record (connector.history). */
  history: FieldChange[];
  outputs: FlowOutput[];
  /** When the AI read the record its outputs are based on (ISO 8601). */
  readAt: string;
  /** Per field, a read time that overrides readAt (apply: when inrecord last wrote that field). */
  fieldReadAt?: Record<string, string>;
  /** The time written into stamps. */
  now: string;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

export function planWrites(ctx: PlanContext, input: PlanInput): RecordPlan {
  const { object } = ctx;
  const { recordId, record } = input;
  const decisions: FieldDecision[] = [];
  const update: Record<string, FieldValue> = {};
  const seen = new Set<string>();
  const lastChange = new Map<string, FieldChange>();
  for (const h of input.history) {
    if (h.id !== recordId && h.id !== record?.id) continue;
    const prev = lastChange.get(h.field);
    if (!prev || Date.parse(h.at) >= Date.parse(prev.at)) lastChange.set(h.field, h);
  }
  const where = `${object} ${recordId}`;

  for (const out of input.outputs) {
    const base = {
      object,
      recordId,
      output: out.name,
      flow: out.flow,
      confidence: out.confidence,
      modelVersion: out.modelVersion,
    };
    const resolved = resolveField(ctx.index, out.field);
    if (!resolved.ok) {
      decisions.push({
        ...base,
        field: out.field,
        action: 'rejected',
        reason: resolved.reason === 'ambiguous-label' ? 'field-label-ambiguous' : 'field-not-found',
        code: 'IR_FIELD_NOT_FOUND',
        message:
          resolved.reason === 'ambiguous-label'
            ? `${where}: the label "${out.field}" names several fields (${resolved.candidates.join(', ')}); map the output by API name`
            : `${where}: field "${out.field}" does not exist on ${ctx.index.object}${resolved.candidates.length ? ` (did you mean ${resolved.candidates.join(', ')}?)` : ''}; create it with \`inrecord check --fix\` or correct the mapping`,
        before: null,
        after: null,
        owner: 'hybrid',
      });
      continue;
    }
    const field = resolved.field;
    const rule = ctx.rules.get(field.name) ?? DEFAULT_RULE;
    const before = record ? normaliseLenient(record.fields[field.name] ?? null, field) : null;
    const d = { ...base, field: field.name, owner: rule.owner, onConflict: rule.owner === 'hybrid' ? rule.onConflict : undefined, before };
    const reject = (reason: string, code: string, message: string, after: FieldValue = null): void => {
      decisions.push({ ...d, action: 'rejected', reason, code, message, after });
    };

    if (seen.has(field.name)) {
      reject('duplicate-output', 'IR_FLOW_OUTPUT_INVALID', `${where}: field "${field.name}" has more than one output in this run (${out.flow}/${out.name} ignored); map each field once`);
      continue;
    }
    seen.add(field.name);

    if (!record) {
      reject('record-not-found', 'IR_CRM_NOT_FOUND', `${where}: the record no longer exists in the CRM (deleted or merged); field "${field.name}" not written`);
      continue;
    }
    if (rule.owner === 'rep') {
      reject('owned-by-rep', 'IR_FIELD_OWNED_BY_REP', `${where}: field "${field.name}" is owned by rep and never written; change its owner or remove the mapping of ${out.flow}/${out.name}`);
      continue;
    }
    if (!field.writable) {
      reject('field-read-only', 'IR_FIELD_READ_ONLY', `${where}: field "${field.name}" is read-only in the CRM; map ${out.flow}/${out.name} to a writable field`);
      continue;
    }
    const c = coerceValue(out.value, field, { truncate: rule.truncate });
    if (!c.ok) {
      reject(
        c.code === 'IR_FIELD_TYPE_MISMATCH' ? 'type-mismatch' : 'value-invalid',
        c.code,
        `${where}: value ${show(out.value)} does not fit field "${field.name}" (${field.type}): ${c.reason}; expected ${describeExpected(field)}`,
      );
      continue;
    }
    const after = c.value;
    if (valuesEqual(before, after, field)) {
      decisions.push({ ...d, action: 'unchanged', reason: 'equal-after-normalisation', after });
      continue;
    }

    let reason = 'changed';
    if (rule.owner === 'hybrid') {
      const change = lastChange.get(field.name);
      const since = input.fieldReadAt?.[field.name] ?? input.readAt;
      if (change && change.actor === 'human' && Date.parse(change.at) > Date.parse(since)) {
        const conflict = { repValue: normaliseLenient(change.value, field), by: change.userId ?? null, at: change.at };
        const who = `${conflict.by ? `user ${conflict.by}` : 'a person'} at ${change.at}`;
        if (rule.onConflict === 'skip' || rule.onConflict === 'flag') {
          const action: PlanAction = rule.onConflict === 'skip' ? 'conflict_skipped' : 'flagged';
          decisions.push({
            ...d,
            action,
            reason: 'human-edit-since-read',
            message: `${where}: field "${field.name}" was edited by ${who}, after the AI read the record (${since}); the AI value ${show(after)} was ${action === 'flagged' ? 'sent to the review queue' : 'skipped'}`,
            after,
            conflict,
          });
          continue;
        }
        reason = 'conflict-overwritten';
        decisions.push({ ...d, action: 'write', reason, after, conflict, truncated: c.truncated });
        update[field.name] = after;
        pushStamp(ctx, field, rule, out, input, decisions, update, where);
        continue;
      }
    }
    decisions.push({ ...d, action: 'write', reason, after, ...(c.truncated ? { truncated: true } : {}) });
    update[field.name] = after;
    pushStamp(ctx, field, rule, out, input, decisions, update, where);
  }

  return { object, recordId, decisions, update: Object.keys(update).length > 0 ? update : null };
}

function pushStamp(
  ctx: PlanContext,
  field: FieldSchema,
  rule: FieldRule,
  out: FlowOutput,
  input: PlanInput,
  decisions: FieldDecision[],
  update: Record<string, FieldValue>,
  where: string,
): void {
  if (!rule.stamp) return;
  const base = { object: ctx.object, recordId: input.recordId, output: out.name, flow: out.flow, owner: 'ai' as const, stampFor: field.name };
  const r = resolveField(ctx.index, rule.stamp);
  if (!r.ok) {
    decisions.push({
      ...base,
      field: rule.stamp,
      action: 'rejected',
      reason: 'stamp-field-not-found',
      code: 'IR_FIELD_NOT_FOUND',
      message: `${where}: stamp field "${rule.stamp}" of "${field.name}" does not exist; create it with \`inrecord check --fix\``,
      before: null,
      after: null,
    });
    return;
  }
  const sf = r.field;
  const before = input.record ? normaliseLenient(input.record.fields[sf.name] ?? null, sf) : null;
  const text = formatStamp({ at: input.now, flow: out.flow, modelVersion: out.modelVersion, confidence: out.confidence });
  // Stamps are always cut to fit: a shortened provenance line is better than none.
  const c = coerceValue(text, { ...sf, type: sf.type === 'text' ? 'text' : 'string', required: false }, { truncate: true });
  if (!c.ok || !sf.writable || (sf.type !== 'string' && sf.type !== 'text')) {
    decisions.push({
      ...base,
      field: sf.name,
      action: 'rejected',
      reason: 'stamp-field-unfit',
      code: 'IR_FIELD_TYPE_MISMATCH',
      message: `${where}: stamp field "${sf.name}" must be a writable text field (it is ${sf.writable ? sf.type : 'read-only'}); point the stamp at a text field`,
      before,
      after: null,
    });
    return;
  }
  decisions.push({ ...base, field: sf.name, action: 'write', reason: 'stamp', before, after: c.value });
  update[sf.name] = c.value;
}

export function countActions(plans: Iterable<RecordPlan>): PlanCounts {
  const counts: PlanCounts = { write: 0, unchanged: 0, conflict_skipped: 0, flagged: 0, rejected: 0 };
  // Stamps ride along with their field and are not counted as fields of their own.
  for (const p of plans) for (const d of p.decisions) if (!d.stampFor) counts[d.action]++;
  return counts;
}
