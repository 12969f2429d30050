/**
 * The output contract of every flow, and its check against the target field before write-back.
 * A value a model produced that does not fit the field (a label outside the picklist, a number out
 * of range, text longer than the field holds, the wrong type) becomes a typed rejection that names
 * the record, the field, the value and what was expected — it never reaches a write.
 */
import { z } from 'zod';
import type { FieldSchema, FieldType, FieldValue } from '../crm/types.js';

export const fieldTypes = [
  'string',
  'text',
  'number',
  'integer',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'picklist',
  'multipicklist',
  'email',
  'phone',
  'url',
  'reference',
] as const satisfies readonly FieldType[];

export const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

/** One value a flow produced for one record. */
export const flowOutputSchema = z.object({
  /** The flow's output name ('score', 'score_reason', 'intent' …); config maps it to a CRM field. */
  name: z.string().min(1),
  value: fieldValueSchema,
  type: z.enum(fieldTypes),
  /** 0..1, when the model has one. */
  confidence: z.number().min(0).max(1).optional(),
  /** Why, in words a rep reads ("+18 three meetings in the last 30 days; …"). */
  reason: z.string().optional(),
  /** 'rules-<hash>', 'logreg-<n>', 'nb-intent-<hash>', 'llm:<model>' … */
  modelVersion: z.string().min(1),
});
export type FlowOutput = z.infer<typeof flowOutputSchema>;

/** What flows read: any CRM's record, by its own field names (a settings mapping picks the fields). */
export interface FlowRecord {
  id: string;
  fields: Record<string, FieldValue>;
}

/** Bounds a flow declares for its own outputs (a score is 0..100 whatever the field allows). */
export interface OutputBounds {
  min?: number;
  max?: number;
}

export type OutputCheck =
  | { ok: true; output: FlowOutput }
  | {
      ok: false;
      code: 'IR_FLOW_OUTPUT_INVALID';
      recordId: string;
      field: string;
      output: string;
      value: FieldValue;
      expected: string;
      message: string;
    };

const NUMERIC: ReadonlySet<FieldType> = new Set(['number', 'integer', 'currency', 'percent']);
const TEXTUAL: ReadonlySet<FieldType> = new Set(['string', 'text', 'email', 'phone', 'url', 'reference', 'picklist']);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Output types a field type accepts without changing the meaning of the value. */
function typeFits(out: FieldType, field: FieldType): boolean {
  if (out === field) return true;
  if (NUMERIC.has(out) && NUMERIC.has(field)) return out !== 'number' || field !== 'integer';
  if (out === 'integer' && (field === 'string' || field === 'text')) return true;
  if ((out === 'string' || out === 'text') && (field === 'string' || field === 'text')) return true;
  if (out === 'picklist' && (field === 'string' || field === 'text')) return true;
  if (out === 'date' && field === 'datetime') return true;
  return false;
}

function describe(field: FieldSchema, bounds?: OutputBounds): string {
  const opts = (field.options ?? []).map((o) => o.value);
  switch (field.type) {
    case 'picklist':
      return `one of [${opts.join(', ')}]`;
    case 'multipicklist':
      return `a list of values from [${opts.join(', ')}]`;
    case 'boolean':
      return 'true or false';
    case 'date':
      return 'a date YYYY-MM-DD';
    case 'datetime':
      return 'an ISO 8601 date-time';
    default:
      if (NUMERIC.has(field.type)) {
        const kind = field.type === 'integer' ? 'a whole number' : `a ${field.type}`;
        if (bounds?.min !== undefined && bounds.max !== undefined) return `${kind} from ${bounds.min} to ${bounds.max}`;
        if (bounds?.min !== undefined) return `${kind} ≥ ${bounds.min}`;
        if (bounds?.max !== undefined) return `${kind} ≤ ${bounds.max}`;
        return kind;
      }
      return field.maxLength !== undefined ? `text of at most ${field.maxLength} characters` : 'text';
  }
}

function show(v: FieldValue): string {
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/**
 * Checks one output against the field it is written to: the output's type fits the field type,
 * the value has that type, picklist values are defined options (by value, exactly: a label or a
 * near miss is a model error, not something to guess at), numbers are finite and within `bounds`
 * and the field's scale, text fits `maxLength`. Null is accepted unless the field is required.
 */
export function validateOutput(
  recordId: string,
  output: FlowOutput,
  field: FieldSchema,
  bounds?: OutputBounds,
): OutputCheck {
  const parsed = flowOutputSchema.safeParse(output);
  const expected = describe(field, bounds);
  const reject = (why: string): OutputCheck => ({
    ok: false,
    code: 'IR_FLOW_OUTPUT_INVALID',
    recordId,
    field: field.name,
    output: output?.name ?? '?',
    value: (output?.value ?? null) as FieldValue,
    expected,
    message: `record ${recordId}, field ${field.name} (output ${output?.name ?? '?'}): ${why}; expected ${expected}. Not written.`,
  });
  if (!parsed.success) return reject(`the output is malformed (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const out = parsed.data;
  if (!field.writable) return reject('the field is read-only');
  if (!typeFits(out.type, field.type)) return reject(`a ${out.type} output cannot go into a ${field.type} field`);
  const v = out.value;
  if (v === null) return field.required ? reject('the field is required and the value is empty') : { ok: true, output: out };
  if (NUMERIC.has(field.type)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return reject(`value ${show(v)} is not a finite number`);
    if (field.type === 'integer' && !Number.isInteger(v)) return reject(`value ${show(v)} is not a whole number`);
    if (field.scale !== undefined && Math.abs(v * 10 ** field.scale - Math.round(v * 10 ** field.scale)) > 1e-6) {
      return reject(`value ${show(v)} has more than ${field.scale} decimal place(s)`);
    }
    if (bounds?.min !== undefined && v < bounds.min) return reject(`value ${show(v)} is below ${bounds.min}`);
    if (bounds?.max !== undefined && v > bounds.max) return reject(`value ${show(v)} is above ${bounds.max}`);
    return { ok: true, output: out };
  }
  if (field.type === 'boolean') return typeof v === 'boolean' ? { ok: true, output: out } : reject(`value ${show(v)} is not a boolean`);
  if (field.type === 'multipicklist') {
    if (!Array.isArray(v)) return reject(`value ${show(v)} is not a list`);
    const defined = new Set((field.options ?? []).map((o) => o.value));
    const unknown = v.filter((x) => !defined.has(x));
    if (unknown.length > 0) return reject(`${unknown.map((u) => JSON.stringify(u)).join(', ')} not defined option(s)`);
    return { ok: true, output: out };
  }
  if (typeof v !== 'string' && typeof v !== 'number') return reject(`value ${show(v)} is not text`);
  const s = String(v);
  if (field.type === 'picklist') {
    if (!(field.options ?? []).some((o) => o.value === s)) return reject(`value ${show(v)} is not a defined option`);
    return { ok: true, output: { ...out, value: s } };
  }
  if (field.type === 'date' && !DATE_RE.test(s)) return reject(`value ${show(v)} is not a date`);
  if (field.type === 'datetime' && Number.isNaN(Date.parse(s))) return reject(`value ${show(v)} is not a date-time`);
  if (!TEXTUAL.has(field.type) && field.type !== 'date' && field.type !== 'datetime') return reject(`value ${show(v)} does not fit`);
  if (field.maxLength !== undefined && s.length > field.maxLength) {
    return reject(`${s.length} characters, the field holds ${field.maxLength}`);
  }
  return { ok: true, output: out };
}

/** Plain values for write-back: each output with the field it goes to and the flow it came from. */
export interface MappedOutput {
  name: string;
  field: string;
  value: FieldValue;
  confidence?: number;
  modelVersion: string;
  flow: string;
}

/**
 * Joins outputs to the fields a flow's `outputs` config names; outputs without a mapping are
 * returned in `unmapped` (reported, not dropped silently).
 */
export function mapOutputs(
  flow: string,
  outputs: FlowOutput[],
  mapping: Record<string, string>,
): { mapped: MappedOutput[]; unmapped: string[] } {
  const mapped: MappedOutput[] = [];
  const unmapped: string[] = [];
  for (const o of outputs) {
    const field = mapping[o.name];
    if (field === undefined) {
      unmapped.push(o.name);
      continue;
    }
    mapped.push({
      name: o.name,
      field,
      value: o.value,
      modelVersion: o.modelVersion,
      flow,
      ...(o.confidence === undefined ? {} : { confidence: o.confidence }),
    });
  }
  return { mapped, unmapped };
}
