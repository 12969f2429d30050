/**
 * The write plan: a pure function of (current record, field history, AI outputs, schema,
 * ownership rules, the time the AI read the record) → one decision per field with its reason.
 * Nothing here does I/O; apply.ts fetches the inputs and carries the plan out.
 */
import type { FieldRule, FirstWritePolicy } from '../config/index.js';
import type { CrmRecord, FieldChange, FieldSchema, FieldValue, ObjectKind, ObjectSchema } from '../crm/types.js';
import { coerceValue, describeExpected, normaliseLenient, sameNormalised } from './coerce.js';
import { DEFAULT_RULE, type FieldIndex, indexFields, resolveField, resolveRules } from './fields.js';
import { isBlank } from './recheck.js';
import { claimsAi, formatPersonStamp, formatStamp } from './stamp.js';
import type { ConflictInfo, FieldDecision, FlowOutput, PlanAction, PlanCounts, RecordOutputs, RecordPlan } from './types.js';

/**
 * CRMs keep change times at one-second precision (Pipedrive changelog "YYYY-MM-DD HH:MM:SS",
 * docs/reference/pipedrive.md), so an edit in the same second as the read may show as just before it.
 * Such an edit counts as after the read: a false conflict goes to review, a missed one loses an edit.
 */
export const CLOCK_MARGIN_MS = 1000;

/** Schema and rules of one object, resolved once and shared by every record's plan. */
export interface PlanContext {
  object: ObjectKind;
  index: FieldIndex;
  rules: Map<string, FieldRule>;
  /** Stamp texts by (flow, model, confidence, time): most records of a run share one. */
  stampTexts: Map<string, string>;
  /** Every form of a record id that names the same record (the CRM card's `ids.aliases`). */
  idAliases: (id: string) => string[];
}

export function planContext(object: ObjectKind, schema: ObjectSchema, rules: Record<string, FieldRule> = {}, idAliases: (id: string) => string[] = (id) => [id]): PlanContext {
  const index = indexFields(schema);
  return { object, index, rules: resolveRules(index, rules).byField, stampTexts: new Map(), idAliases };
}

export interface PlanInput {
  recordId: string;
  /** The record as read now; null when the CRM no longer has it. */
  record: CrmRecord | null;
  /**
   * The last change per field of this record (connector.history). null: not read yet — the plan
   * then decides as if no person had touched a hybrid field, and apply reads the history and plans
   * again right before the write.
   */
  history: FieldChange[] | null;
  outputs: FlowOutput[];
  /** When the AI read the record its outputs are based on (ISO 8601). */
  readAt: string;
  /**
   * Per field, when inrecord last wrote it: a person's edit since then is a conflict even if readAt
   * is later. A hybrid field absent here has never been written by inrecord (its first write).
   */
  fieldReadAt?: Record<string, string>;
  /** The time written into stamps. */
  now: string;
  /** Outputs the flow refused before write-back: they become rejected decisions. */
  rejected?: RecordOutputs['rejected'];
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

interface DecisionBase {
  object: ObjectKind;
  recordId: string;
  output: string;
  flow: string;
  confidence?: number;
  modelVersion?: string;
  field: string;
  label?: string;
  owner: FieldDecision['owner'];
  onConflict?: FieldDecision['onConflict'];
  before: FieldValue;
}

/** One literal per decision: object spread is a slow path in V8 and this runs for every field of every record. */
function decide(b: DecisionBase, action: PlanAction, reason: string, after: FieldValue, message?: string, code?: string): FieldDecision {
  const d: FieldDecision = {
    object: b.object,
    recordId: b.recordId,
    field: b.field,
    output: b.output,
    flow: b.flow,
    action,
    reason,
    before: b.before,
    after,
    owner: b.owner,
  };
  if (b.label !== undefined && b.label !== b.field) d.label = b.label;
  if (b.onConflict !== undefined) d.onConflict = b.onConflict;
  if (b.confidence !== undefined) d.confidence = b.confidence;
  if (b.modelVersion !== undefined) d.modelVersion = b.modelVersion;
  if (message !== undefined) d.message = message;
  if (code !== undefined) d.code = code;
  return d;
}

/** A field as people know it: the label beside a key that is not readable (Pipedrive's 40-hex keys). */
export function fieldDisplay(f: { name: string; label: string }): string {
  return f.label && f.label !== f.name ? `"${f.label}" (${f.name})` : `"${f.name}"`;
}

function rejected(b: DecisionBase, reason: string, code: string, message: string): FieldDecision {
  return decide(b, 'rejected', reason, null, message, code);
}

/** A value that stays in a hybrid field as a person's, and why. */
export interface PersonHold {
  reason: 'human-value-before-first-write' | 'untracked-value-before-first-write';
  conflict: ConflictInfo;
}

/**
 * Whose is the value a hybrid field holds before inrecord's first write to it? A person's when the
 * field history says a person made the last change; when the CRM keeps no history of the field,
 * a person's too unless the rule says `firstWrite: overwrite`. An empty value, or one last set by
 * an integration (inrecord included), an import or the CRM's own automation, may be written: null.
 */
export function holdBeforeFirstWrite(before: FieldValue, change: FieldChange | undefined, firstWrite: FirstWritePolicy): PersonHold | null {
  if (isBlank(before)) return null;
  if (change) return change.actor === 'human' ? { reason: 'human-value-before-first-write', conflict: { repValue: before, by: change.userId ?? null, at: change.at } } : null;
  return firstWrite === 'overwrite' ? null : { reason: 'untracked-value-before-first-write', conflict: { repValue: before, by: null, at: null } };
}

export function planWrites(ctx: PlanContext, input: PlanInput): RecordPlan {
  const { object } = ctx;
  const { recordId, record } = input;
  const decisions: FieldDecision[] = [];
  const update: Record<string, FieldValue> = {};
  let writes = 0;
  const seen = new Set<string>();
  let lastChange: Map<string, FieldChange> | null = null;
  if (input.history !== null && input.history.length > 0) {
    lastChange = new Map();
    for (const h of input.history) {
      // apply passes this record's history only; a stray entry of another record is ignored
      if (h.id !== recordId && h.id !== record?.id && !ctx.idAliases(h.id).includes(recordId)) continue;
      const prev = lastChange.get(h.field);
      if (!prev || Date.parse(h.at) >= Date.parse(prev.at)) lastChange.set(h.field, h);
    }
  }
  const where = `${object} ${recordId}`;
  // person stamps wait for the end: an AI stamp another field writes to the same stamp field wins
  const personStamps: { field: FieldSchema; stamp: string; out: FlowOutput; conflict: ConflictInfo }[] = [];
  for (const r of input.rejected ?? []) {
    decisions.push(rejected({ object, recordId, output: r.output, flow: r.flow, field: r.field ?? r.output, before: null, owner: 'hybrid' }, 'flow-rejected', r.code, r.message));
  }

  for (const out of input.outputs) {
    const resolved = resolveField(ctx.index, out.field);
    if (!resolved.ok) {
      decisions.push(
        rejected(
          { object, recordId, output: out.name, flow: out.flow, confidence: out.confidence, modelVersion: out.modelVersion, field: out.field, before: null, owner: 'hybrid' },
          resolved.reason === 'ambiguous-label' ? 'field-label-ambiguous' : 'field-not-found',
          'IR_FIELD_NOT_FOUND',
          resolved.reason === 'ambiguous-label'
            ? `${where}: the label "${out.field}" names several fields (${resolved.candidates.join(', ')}); map the output by API name`
            : `${where}: field "${out.field}" does not exist on ${ctx.index.object}${resolved.candidates.length ? ` (did you mean ${resolved.candidates.join(', ')}?)` : ''}; create it with \`inrecord check --fix\` or correct the mapping`,
        ),
      );
      continue;
    }
    const field = resolved.field;
    const rule = ctx.rules.get(field.name) ?? DEFAULT_RULE;
    const before = record ? normaliseLenient(record.fields[field.name] ?? null, field) : null;
    const d: DecisionBase = {
      object,
      recordId,
      output: out.name,
      flow: out.flow,
      confidence: out.confidence,
      modelVersion: out.modelVersion,
      field: field.name,
      label: field.label,
      owner: rule.owner,
      onConflict: rule.owner === 'hybrid' ? rule.onConflict : undefined,
      before,
    };

    if (seen.has(field.name)) {
      decisions.push(rejected(d, 'duplicate-output', 'IR_FLOW_OUTPUT_INVALID', `${where}: field ${fieldDisplay(field)} has more than one output in this run (${out.flow}/${out.name} ignored); map each field once`));
      continue;
    }
    seen.add(field.name);
    if (!record) {
      decisions.push(rejected(d, 'record-not-found', 'IR_CRM_NOT_FOUND', `${where}: the record no longer exists in the CRM (deleted or merged); field ${fieldDisplay(field)} not written`));
      continue;
    }
    if (rule.owner === 'rep') {
      decisions.push(rejected(d, 'owned-by-rep', 'IR_FIELD_OWNED_BY_REP', `${where}: field ${fieldDisplay(field)} is owned by rep and never written; change its owner or remove the mapping of ${out.flow}/${out.name}`));
      continue;
    }
    if (!field.writable) {
      decisions.push(rejected(d, 'field-read-only', 'IR_FIELD_READ_ONLY', `${where}: field ${fieldDisplay(field)} is read-only in the CRM; map ${out.flow}/${out.name} to a writable field`));
      continue;
    }
    const c = coerceValue(out.value, field, { truncate: rule.truncate });
    if (!c.ok) {
      decisions.push(
        rejected(
          d,
          c.code === 'IR_FIELD_TYPE_MISMATCH' ? 'type-mismatch' : 'value-invalid',
          c.code,
          `${where}: value ${show(out.value)} does not fit field ${fieldDisplay(field)} (${field.type}): ${c.reason}; expected ${describeExpected(field)}`,
        ),
      );
      continue;
    }
    const after = c.value;
    if (sameNormalised(before, after, field)) {
      decisions.push(decide(d, 'unchanged', 'equal-after-normalisation', after));
      continue;
    }

    let reason = 'changed';
    let conflict: FieldDecision['conflict'];
    const change = rule.owner === 'hybrid' ? lastChange?.get(field.name) : undefined;
    if (change && change.actor === 'human') {
      // a person's edit after inrecord last wrote the field counts even when this run read the record
      // later: the next AI run must not overwrite it (the earlier of the two times)
      const last = input.fieldReadAt?.[field.name];
      const since = last !== undefined && Date.parse(last) < Date.parse(input.readAt) ? last : input.readAt;
      if (Date.parse(change.at) > Date.parse(since) - CLOCK_MARGIN_MS) {
        conflict = { repValue: normaliseLenient(change.value, field), by: change.userId ?? null, at: change.at };
        if (rule.onConflict !== 'overwrite') {
          const action: PlanAction = rule.onConflict === 'skip' ? 'conflict_skipped' : 'flagged';
          const who = `${conflict.by ? `user ${conflict.by}` : 'a person'} at ${change.at}`;
          const decision = decide(
            d,
            action,
            'human-edit-since-read',
            after,
            `${where}: field ${fieldDisplay(field)} was edited by ${who}, after the AI read the record (${since}); the AI value ${show(after)} was ${action === 'flagged' ? 'sent to the review queue' : 'skipped'}`,
          );
          decision.conflict = conflict;
          decisions.push(decision);
          if (rule.stamp) personStamps.push({ field, stamp: rule.stamp, out, conflict });
          continue;
        }
        reason = 'conflict-overwritten';
      }
    }
    // Before inrecord's first write to a hybrid field, the value already there may be a person's.
    // Decided only once the history is read (apply plans again with it right before the write).
    const hold = rule.owner === 'hybrid' && !conflict && input.history !== null && input.fieldReadAt?.[field.name] === undefined ? holdBeforeFirstWrite(before, change, rule.firstWrite) : null;
    if (hold) {
      conflict = hold.conflict;
      if (rule.onConflict !== 'overwrite') {
        const action: PlanAction = rule.onConflict === 'skip' ? 'conflict_skipped' : 'flagged';
        const fate = `the AI value ${show(after)} was ${action === 'flagged' ? 'sent to the review queue' : 'skipped'}`;
        const message =
          hold.reason === 'human-value-before-first-write'
            ? `${where}: field ${fieldDisplay(field)} holds ${show(before)}, set by ${conflict.by ? `user ${conflict.by}` : 'a person'} at ${conflict.at} before inrecord first wrote the field; ${fate}`
            : `${where}: field ${fieldDisplay(field)} holds ${show(before)} from before inrecord first wrote the field, and the CRM keeps no history of who set it, so it is kept as a person's value; ${fate}. Set firstWrite: overwrite on the field if such values may be replaced`;
        const decision = decide(d, action, hold.reason, after, message);
        decision.conflict = conflict;
        decisions.push(decision);
        if (rule.stamp) personStamps.push({ field, stamp: rule.stamp, out, conflict });
        continue;
      }
      reason = 'conflict-overwritten';
    }
    const decision = decide(d, 'write', reason, after);
    if (conflict) decision.conflict = conflict;
    if (c.truncated) decision.truncated = true;
    decisions.push(decision);
    update[field.name] = after;
    writes++;
    if (rule.stamp) pushStamp(ctx, field, rule.stamp, out, input, decisions, update, where);
  }
  for (const p of personStamps) if (pushPersonStamp(ctx, p.field, p.stamp, p.out, p.conflict, input, decisions, update)) writes++;

  return { object, recordId, decisions, update: writes > 0 ? update : null };
}

/**
 * A person's value stays and the field's stamp still says the AI wrote it (an earlier AI write the
 * person has since replaced): the stamp is rewritten as a person stamp, once — a stamp that does
 * not claim AI is left as it is. True when a stamp write was planned.
 */
function pushPersonStamp(
  ctx: PlanContext,
  field: FieldSchema,
  stamp: string,
  out: FlowOutput,
  conflict: ConflictInfo,
  input: PlanInput,
  decisions: FieldDecision[],
  update: Record<string, FieldValue>,
): boolean {
  const r = resolveField(ctx.index, stamp);
  // a missing or unfit stamp field is reported with the field's AI writes (and by `check`)
  if (!r.ok || !r.field.writable || (r.field.type !== 'string' && r.field.type !== 'text') || !input.record) return false;
  const sf = r.field;
  if (sf.name in update) return false;
  const before = normaliseLenient(input.record.fields[sf.name] ?? null, sf);
  if (typeof before !== 'string' || !claimsAi(before)) return false;
  let text = formatPersonStamp({ by: conflict.by, at: conflict.at });
  if (sf.maxLength !== undefined && text.length > sf.maxLength) text = text.slice(0, sf.maxLength);
  const d = decide({ object: ctx.object, recordId: input.recordId, output: out.name, flow: out.flow, owner: 'ai', field: sf.name, label: sf.label, before }, 'write', 'stamp-person-value', text);
  d.stampFor = field.name;
  decisions.push(d);
  update[sf.name] = text;
  return true;
}

function pushStamp(
  ctx: PlanContext,
  field: FieldSchema,
  stamp: string,
  out: FlowOutput,
  input: PlanInput,
  decisions: FieldDecision[],
  update: Record<string, FieldValue>,
  where: string,
): void {
  const base: DecisionBase = { object: ctx.object, recordId: input.recordId, output: out.name, flow: out.flow, owner: 'ai', field: stamp, before: null };
  const r = resolveField(ctx.index, stamp);
  if (!r.ok) {
    const d = rejected(base, 'stamp-field-not-found', 'IR_FIELD_NOT_FOUND', `${where}: stamp field "${stamp}" of ${fieldDisplay(field)} does not exist; create it with \`inrecord check --fix\``);
    d.stampFor = field.name;
    decisions.push(d);
    return;
  }
  const sf = r.field;
  base.field = sf.name;
  base.label = sf.label;
  base.before = input.record ? normaliseLenient(input.record.fields[sf.name] ?? null, sf) : null;
  if (!sf.writable || (sf.type !== 'string' && sf.type !== 'text')) {
    const d = rejected(base, 'stamp-field-unfit', 'IR_FIELD_TYPE_MISMATCH', `${where}: stamp field ${fieldDisplay(sf)} must be a writable text field (it is ${sf.writable ? sf.type : 'read-only'}); point the stamp at a text field`);
    d.stampFor = field.name;
    decisions.push(d);
    return;
  }
  const key = `${out.flow}|${out.modelVersion ?? ''}|${out.confidence ?? ''}|${input.now}`;
  let text = ctx.stampTexts.get(key);
  if (text === undefined) {
    text = formatStamp({ at: input.now, flow: out.flow, modelVersion: out.modelVersion, confidence: out.confidence });
    // Stamps are always cut to fit: a shortened provenance line is better than none.
    if (sf.maxLength !== undefined && text.length > sf.maxLength) text = text.slice(0, sf.maxLength);
    if (ctx.stampTexts.size > 10_000) ctx.stampTexts.clear();
    ctx.stampTexts.set(key, text);
  }
  const d = decide(base, 'write', 'stamp', text);
  d.stampFor = field.name;
  decisions.push(d);
  update[sf.name] = text;
}

export function countActions(plans: Iterable<RecordPlan>): PlanCounts {
  const counts: PlanCounts = { write: 0, unchanged: 0, conflict_skipped: 0, flagged: 0, rejected: 0 };
  // Stamps ride along with their field and are not counted as fields of their own.
  for (const p of plans) for (const d of p.decisions) if (!d.stampFor) counts[d.action]++;
  return counts;
}
