/**
 * `inrecord check`, the pure part: the config's mapping against the live schema. One problem per
 * fault, naming the object, the field and the fix; missing custom and stamp fields carry the spec
 * `check --fix` creates them with. The I/O around it (describe, createField) is in checkLive().
 */
import type { FieldRule, FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector, FieldSchema, FieldSpec, FieldType, ObjectKind, ObjectSchema } from '../crm/types.js';
import type { ErrorCode } from '../errors/index.js';
import { coerceValue, describeExpected } from './coerce.js';
import { type FieldIndex, indexFields, resolveField } from './fields.js';

/** What a flow output produces, as far as the mapping is concerned. */
export type OutputType = 'number' | 'integer' | 'text' | 'boolean' | 'date' | 'datetime' | 'category' | 'categories' | 'any';

export interface CheckProblem {
  severity: 'error' | 'warning';
  code: ErrorCode;
  object: ObjectKind;
  /** The field as the config names it (API name or label). */
  field: string;
  /** The CRM's API name, when it differs (Pipedrive custom fields: a 40-hex key). */
  apiName?: string;
  flow?: string;
  output?: string;
  message: string;
  fix: string;
  /** Set when `check --fix` can create the missing field. */
  create?: FieldSpec;
}

/**
 * Output types of the built-in flow kinds. The flows module may pass its own (`outputTypes`); an
 * output not listed is 'any' and is checked value by value at write time.
 */
const KNOWN_OUTPUTS: Record<string, Record<string, OutputType>> = {
  // src/flows: scoring/model.ts, scoring/deal-risk.ts, intent/flow.ts
  scoring: { score: 'integer', score_reason: 'text' },
  'deal-risk': { risk_score: 'integer', risk_level: 'category', risk_note: 'text' },
  intent: { intent: 'category' },
  summary: { summary: 'text' },
  enrichment: {},
  usage: {},
};

export function defaultOutputType(flow: FlowConfig, output: string): OutputType {
  return KNOWN_OUTPUTS[flow.kind]?.[output] ?? 'any';
}

const ACCEPTS: Record<OutputType, FieldType[]> = {
  number: ['number', 'integer', 'currency', 'percent', 'string', 'text'],
  integer: ['number', 'integer', 'currency', 'percent', 'string', 'text'],
  text: ['string', 'text'],
  boolean: ['boolean', 'string', 'text'],
  date: ['date', 'datetime', 'string', 'text'],
  datetime: ['datetime', 'string', 'text'],
  category: ['picklist', 'multipicklist', 'string', 'text'],
  categories: ['multipicklist'],
  any: [
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
  ],
};

export function fieldAccepts(output: OutputType, field: FieldType): boolean {
  return ACCEPTS[output].includes(field);
}

/** The category values a flow declares in its settings (intent classes, grades …), when it does. */
export function declaredValues(flow: FlowConfig): string[] | null {
  for (const key of ['values', 'labels', 'categories', 'classes', 'grades']) {
    const v = flow.settings[key];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  }
  return null;
}

/** 'lead_score' → 'Lead score': a label that resolves back to the name (fields.ts folds labels). */
function humanise(name: string): string {
  return name.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function specFor(name: string, type: OutputType, flow: FlowConfig): FieldSpec | undefined {
  const label = humanise(name);
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return undefined;
  switch (type) {
    case 'number':
    case 'integer':
    case 'boolean':
    case 'date':
    case 'datetime':
      return { name, label, type };
    case 'text':
      return { name, label, type: 'text', maxLength: 32_000 };
    case 'category':
    case 'categories': {
      const values = declaredValues(flow);
      if (!values) return type === 'category' ? { name, label, type: 'string', maxLength: 255 } : undefined;
      return { name, label, type: type === 'category' ? 'picklist' : 'multipicklist', options: values.map((v) => ({ value: v, label: v })) };
    }
    default:
      return undefined;
  }
}

export interface CheckOptions {
  /** Output types from the flows module; defaults to the built-in table. */
  outputTypes?: (flow: FlowConfig, output: string) => OutputType;
}

/** Every problem of the config's mapping against the described schemas. Pure. */
export function checkMapping(
  config: Pick<InrecordConfig, 'flows' | 'objects'>,
  schemas: Partial<Record<ObjectKind, ObjectSchema>>,
  opts: CheckOptions = {},
): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const typeOf = opts.outputTypes ?? defaultOutputType;
  const indexes = new Map<ObjectKind, FieldIndex>();
  const idx = (kind: ObjectKind): FieldIndex | null => {
    const s = schemas[kind];
    if (!s) return null;
    let i = indexes.get(kind);
    if (!i) {
      i = indexFields(s);
      indexes.set(kind, i);
    }
    return i;
  };
  const err = (p: Omit<CheckProblem, 'severity'>) => problems.push({ severity: 'error', ...p });
  const warn = (p: Omit<CheckProblem, 'severity'>) => problems.push({ severity: 'warning', ...p });

  // rules per object, by resolved field name
  const rulesByKind = new Map<ObjectKind, Map<string, FieldRule>>();
  const ruleKeys = new Map<string, string>();
  for (const [kind, objRules] of Object.entries(config.objects) as [ObjectKind, { fields: Record<string, FieldRule> }][]) {
    const i = idx(kind);
    const byField = new Map<string, FieldRule>();
    rulesByKind.set(kind, byField);
    if (!i) continue;
    for (const [key, rule] of Object.entries(objRules.fields)) {
      const r = resolveField(i, key);
      const mappedHere = config.flows.some((fl) => fl.object === kind && Object.values(fl.outputs).includes(key));
      if (!r.ok && r.reason === 'not-found' && mappedHere) {
        // The flow's mapping reports the missing field (with what --fix creates); its stamp is checked here.
        if (rule.stamp) checkStamp(kind, i, key, { name: key, label: key } as FieldSchema, rule.stamp, err);
        continue;
      }
      if (!r.ok) {
        err({
          code: 'IR_FIELD_NOT_FOUND',
          object: kind,
          field: key,
          message: `objects.${kind}.fields.${key}: ${r.reason === 'ambiguous-label' ? `the label names several fields (${r.candidates.join(', ')})` : `no field "${key}" on ${i.object}${r.candidates.length ? ` (did you mean ${r.candidates.join(', ')}?)` : ''}`}`,
          fix: r.reason === 'ambiguous-label' ? 'Use the API name instead of the label.' : 'Correct the field name, or map a flow output to it and run `inrecord check --fix` to create it.',
        });
        continue;
      }
      byField.set(r.field.name, rule);
      ruleKeys.set(`${kind}.${r.field.name}`, key);
      if (rule.truncate && !['string', 'text'].includes(r.field.type)) {
        warn({ code: 'IR_CONFIG_INVALID', object: kind, field: key, message: `objects.${kind}.fields.${key}: truncate applies to text fields only; "${r.field.name}" is ${r.field.type}`, fix: 'Remove truncate from this rule.' });
      }
      if (rule.stamp) checkStamp(kind, i, key, r.field, rule.stamp, err);
    }
  }

  const mappedBy = new Map<string, string>();
  for (const flow of config.flows) {
    const kind = flow.object;
    const i = idx(kind);
    if (!i) {
      err({ code: 'IR_CRM_UNSUPPORTED', object: kind, field: '*', flow: flow.name, message: `flow ${flow.name}: the CRM has no ${kind} object`, fix: `Point the flow at an object this CRM has.` });
      continue;
    }
    for (const [output, target] of Object.entries(flow.outputs)) {
      const where = `flow ${flow.name} output ${output} → ${kind}.${target}`;
      const type = typeOf(flow, output);
      const r = resolveField(i, target);
      if (!r.ok) {
        const create = r.reason === 'not-found' ? specFor(target, type, flow) : undefined;
        err({
          code: 'IR_FIELD_NOT_FOUND',
          object: kind,
          field: target,
          flow: flow.name,
          output,
          message:
            r.reason === 'ambiguous-label'
              ? `${where}: the label names several fields (${r.candidates.join(', ')})`
              : `${where}: no field "${target}" on ${i.object}${r.candidates.length ? ` (did you mean ${r.candidates.join(', ')}?)` : ''}`,
          fix:
            r.reason === 'ambiguous-label'
              ? 'Map the output by API name.'
              : create
                ? `Run \`inrecord check --fix\` to create it as ${create.type}, or correct the name.`
                : 'Create the field in the CRM or correct the name in the mapping.',
          create,
        });
        continue;
      }
      const f = r.field;
      const key = `${kind}.${f.name}`;
      const other = mappedBy.get(key);
      if (other) {
        err({ code: 'IR_CONFIG_INVALID', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the field is also written by ${other}; two outputs would overwrite each other`, fix: 'Map each field from one flow output only.' });
      }
      mappedBy.set(key, `${flow.name}/${output}`);
      const rule = rulesByKind.get(kind)?.get(f.name);
      if (rule?.owner === 'rep') {
        err({ code: 'IR_FIELD_OWNED_BY_REP', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the field is owned by rep and is never written`, fix: `Map the output to another field, or set objects.${kind}.fields.${ruleKeys.get(`${kind}.${f.name}`) ?? target}.owner to ai or hybrid.` });
        continue;
      }
      if (!f.writable) {
        err({ code: 'IR_FIELD_READ_ONLY', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the field is read-only (${f.crmType})`, fix: 'Map the output to a writable field.' });
        continue;
      }
      if (!fieldAccepts(type, f.type)) {
        err({ code: 'IR_FIELD_TYPE_MISMATCH', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the output is ${type}, the field is ${f.type} (${f.crmType}) and expects ${describeExpected(f)}`, fix: `Map the output to a ${ACCEPTS[type].slice(0, 3).join(' / ')} field, or change the flow's output.` });
        continue;
      }
      if ((f.type === 'picklist' || f.type === 'multipicklist') && (f.options ?? []).length === 0) {
        err({ code: 'IR_FIELD_VALUE_INVALID', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the picklist has no options, so no value can be written`, fix: 'Add the options to the field in the CRM.' });
        continue;
      }
      const values = type === 'category' || type === 'categories' ? declaredValues(flow) : null;
      if (values && (f.type === 'picklist' || f.type === 'multipicklist')) {
        const bad = values.filter((v) => !coerceValue(v, { ...f, type: 'picklist', required: false }).ok);
        if (bad.length > 0) {
          err({ code: 'IR_FIELD_VALUE_INVALID', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the flow's values ${bad.map((b) => `"${b}"`).join(', ')} are not options of the field (${describeExpected(f)})`, fix: 'Add the options to the field in the CRM, or change the flow’s values to existing options.' });
        }
      }
      if (!rule) {
        warn({ code: 'IR_CONFIG_INVALID', object: kind, field: target, ...(f.name !== target ? { apiName: f.name } : {}), flow: flow.name, output, message: `${where}: the field has no ownership rule; it is treated as hybrid with onConflict: flag`, fix: `Declare objects.${kind}.fields.${ruleKeys.get(`${kind}.${f.name}`) ?? target}: { owner: ai | hybrid | rep }.` });
      }
    }
  }
  return problems;
}

function checkStamp(kind: ObjectKind, i: FieldIndex, key: string, field: FieldSchema, stamp: string, err: (p: Omit<CheckProblem, 'severity'>) => void): void {
  const r = resolveField(i, stamp);
  if (!r.ok) {
    const ok = /^[A-Za-z][A-Za-z0-9_]*$/.test(stamp);
    err({
      code: 'IR_FIELD_NOT_FOUND',
      object: kind,
      field: stamp,
      message: `objects.${kind}.fields.${key}.stamp: no stamp field "${stamp}" on ${i.object}`,
      fix: ok ? 'Run `inrecord check --fix` to create it as a text field.' : 'Create the stamp field in the CRM or correct its name.',
      // The label folds back to the configured name (Pipedrive addresses custom fields by label).
      create: ok ? { name: stamp, label: humanise(stamp), type: 'string', maxLength: 255 } : undefined,
    });
    return;
  }
  if (!r.field.writable || (r.field.type !== 'string' && r.field.type !== 'text')) {
    err({ code: 'IR_FIELD_TYPE_MISMATCH', object: kind, field: stamp, message: `objects.${kind}.fields.${key}.stamp: "${r.field.name}" is ${r.field.writable ? r.field.type : 'read-only'}; a stamp needs a writable text field`, fix: 'Point the stamp at a writable text field.' });
  }
}

export interface CheckReport {
  ok: boolean;
  problems: CheckProblem[];
  /** Fields `--fix` created, exactly as the CRM described them back. */
  created: { object: ObjectKind; field: FieldSchema }[];
  /** Fields `--fix` tried and could not create, with why. */
  notCreated: { object: ObjectKind; spec: FieldSpec; code: string; message: string }[];
}

/** Objects the config touches. */
export function objectsInConfig(config: Pick<InrecordConfig, 'flows' | 'objects'>): ObjectKind[] {
  const s = new Set<ObjectKind>(Object.keys(config.objects) as ObjectKind[]);
  for (const f of config.flows) s.add(f.object);
  return [...s];
}

/** Describes every object the config touches, checks, and with `fix` creates what is missing, then checks again. */
export async function checkLive(
  connector: CrmConnector,
  config: Pick<InrecordConfig, 'flows' | 'objects'>,
  opts: CheckOptions & { fix?: boolean } = {},
): Promise<CheckReport> {
  const describeAll = async () => {
    const schemas: Partial<Record<ObjectKind, ObjectSchema>> = {};
    for (const kind of objectsInConfig(config)) {
      try {
        schemas[kind] = await connector.describe(kind);
      } catch (e) {
        if ((e as { code?: string }).code !== 'IR_CRM_UNSUPPORTED' && (e as { code?: string }).code !== 'IR_CRM_NOT_FOUND') throw e;
      }
    }
    return schemas;
  };
  let problems = checkMapping(config, await describeAll(), opts);
  const created: CheckReport['created'] = [];
  const notCreated: CheckReport['notCreated'] = [];
  if (opts.fix) {
    const done = new Set<string>();
    for (const p of problems) {
      if (!p.create || done.has(`${p.object}.${p.create.name}`)) continue;
      done.add(`${p.object}.${p.create.name}`);
      try {
        created.push({ object: p.object, field: await connector.createField(p.object, p.create) });
      } catch (e) {
        const x = e as { code?: string; message?: string };
        notCreated.push({ object: p.object, spec: p.create, code: x.code ?? 'IR_INTERNAL', message: x.message ?? String(e) });
      }
    }
    if (created.length > 0) problems = checkMapping(config, await describeAll(), opts);
  }
  return { ok: !problems.some((p) => p.severity === 'error'), problems, created, notCreated };
}
