/**
 * The ownership handover document (`inrecord docs`): Markdown generated from inrecord.yaml and,
 * when given, the CRM's object schemas — which fields the AI reads, writes (ai / hybrid) or must
 * never touch (rep), what happens when a rep edits a shared field, stamps, refresh cadence and
 * validation gates. For the sales team and sales operations. Pure: config and schemas in, text out.
 */
import type { FieldRule, FlowConfig, InrecordConfig } from '../config/index.js';
import { fieldIndexOf, resolveField } from '../crm/fields.js';
import { cardOf } from '../crm/registry.js';
import type { FieldSchema, ObjectKind, ObjectSchema } from '../crm/types.js';
import { parseFlowSettings, settingFields } from '../flows/index.js';
import type { GateStatus } from '../gate/index.js';

export type SchemaMap = Partial<Record<ObjectKind, ObjectSchema>>;

export interface HandoverOptions {
  /** The CRM's schema per object (CrmConnector.describe); without it the document says so. */
  schemas?: SchemaMap;
  /** Why the schema could not be read, when it was tried. */
  schemaError?: string;
  /** Current gate status per flow, when the store is at hand. */
  gates?: GateStatus[];
  generatedAt?: Date;
}

export interface HandoverField {
  object: ObjectKind;
  field: string;
  label: string | null;
  type: string | null;
  /** null: a flow writes it but no ownership rule is declared. */
  owner: FieldRule['owner'] | null;
  onConflict: FieldRule['onConflict'] | null;
  stamp: string | null;
  /** `flow.output` pairs that write it. */
  writtenBy: string[];
  /** Flows that read it as an input. */
  readBy: string[];
}

export interface HandoverProblem {
  object: ObjectKind;
  field: string;
  problem: string;
  fix: string;
}

/**
 * The CRM fields a flow reads, as its settings name them (`features.*.field`, `textField`,
 * `keyField`, `label.field` …, the flow kind's defaults included): the same list `check` verifies.
 */
export function flowInputs(flow: FlowConfig): string[] {
  const parsed = parseFlowSettings(flow);
  return [...new Set(settingFields(parsed.ok ? parsed.settings : flow.settings).map((f) => f.name))];
}

/** A name from the config as the CRM knows the field: its API name (Pipedrive: its key) and label. */
function crmField(schemas: SchemaMap, object: ObjectKind, name: string): FieldSchema | undefined {
  const schema = schemas[object];
  if (!schema) return undefined;
  const r = resolveField(fieldIndexOf(schema), name);
  return r.ok ? r.field : undefined;
}

/** Every field the document covers, per object, with its rule, schema and the flows touching it. */
export function handoverFields(config: InrecordConfig, schemas: SchemaMap = {}): HandoverField[] {
  const byKey = new Map<string, HandoverField>();
  const get = (object: ObjectKind, named: string): HandoverField => {
    // the field as the CRM names it, so two names of one field (key and label) are one row
    const s = crmField(schemas, object, named);
    const field = s?.name ?? named;
    const key = `${object}\u0000${field}`;
    let f = byKey.get(key);
    if (!f) {
      const rule = config.objects[object]?.fields[named] ?? config.objects[object]?.fields[field];
      f = {
        object,
        field,
        label: s?.label ?? null,
        type: s ? s.type : null,
        owner: rule?.owner ?? null,
        onConflict: rule ? (rule.owner === 'hybrid' ? rule.onConflict : null) : null,
        stamp: rule?.stamp ? (crmField(schemas, object, rule.stamp)?.name ?? rule.stamp) : null,
        writtenBy: [],
        readBy: [],
      };
      byKey.set(key, f);
    }
    return f;
  };
  for (const [object, rules] of Object.entries(config.objects) as [
    ObjectKind,
    { fields: Record<string, FieldRule> },
  ][]) {
    for (const field of Object.keys(rules.fields)) get(object, field);
  }
  for (const flow of config.flows) {
    for (const [output, field] of Object.entries(flow.outputs))
      get(flow.object, field).writtenBy.push(`${flow.name}.${output}`);
    for (const field of flowInputs(flow)) get(flow.object, field).readBy.push(flow.name);
  }
  const order = { ai: 0, hybrid: 1, rep: 2 };
  return [...byKey.values()].sort(
    (a, b) =>
      a.object.localeCompare(b.object) ||
      (order[a.owner ?? 'ai'] ?? 3) - (order[b.owner ?? 'ai'] ?? 3) ||
      a.field.localeCompare(b.field),
  );
}

/** What is wrong or risky in the mapping, found from config and (when given) the schema. */
export function handoverProblems(
  config: InrecordConfig,
  fields: HandoverField[],
  schemas: SchemaMap = {},
): HandoverProblem[] {
  const out: HandoverProblem[] = [];
  for (const f of fields) {
    const schema = schemas[f.object];
    const s: FieldSchema | undefined = schema?.fields.find((x) => x.name === f.field);
    if (f.writtenBy.length > 0 && f.owner === null) {
      out.push({
        object: f.object,
        field: f.field,
        problem: `written by ${f.writtenBy.join(', ')} but has no ownership rule`,
        fix: `add objects.${f.object}.fields.${f.field}.owner (ai or hybrid) to inrecord.yaml`,
      });
    }
    if (f.writtenBy.length > 0 && f.owner === 'rep') {
      out.push({
        object: f.object,
        field: f.field,
        problem: `owned by reps, yet ${f.writtenBy.join(', ')} maps an output to it: it will never be written`,
        fix: 'map the output to another field, or change the ownership',
      });
    }
    if (f.owner === 'hybrid' && f.onConflict === 'overwrite') {
      out.push({
        object: f.object,
        field: f.field,
        problem: 'shared with reps but set to overwrite their edits',
        fix: 'use onConflict: flag or skip unless reps agreed to lose their edits on this field',
      });
    }
    if (schema && !s) {
      out.push({
        object: f.object,
        field: f.field,
        problem: `does not exist on the CRM's ${schema.object} object`,
        fix: 'create the field in the CRM or correct its name in inrecord.yaml',
      });
    } else if (s && f.writtenBy.length > 0 && !s.writable) {
      out.push({
        object: f.object,
        field: f.field,
        problem: 'is read-only in the CRM',
        fix: 'map the output to a writable field',
      });
    }
    if (f.stamp && schema && !schema.fields.some((x) => x.name === f.stamp)) {
      out.push({
        object: f.object,
        field: f.field,
        problem: `its stamp field ${f.stamp} does not exist in the CRM`,
        fix: `create ${f.stamp} (a text field) or remove the stamp`,
      });
    }
  }
  for (const flow of config.flows) {
    if (Object.keys(flow.outputs).length === 0 && flow.actions.length === 0) {
      out.push({
        object: flow.object,
        field: '—',
        problem: `flow ${flow.name} has no outputs mapped to fields and no actions`,
        fix: `add outputs to flow ${flow.name}`,
      });
    }
  }
  return out;
}

const cell = (v: unknown) =>
  String(v ?? '—')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function ownerText(f: HandoverField): string {
  if (f.owner === 'ai') return 'AI';
  if (f.owner === 'hybrid') return 'shared (AI + rep)';
  if (f.owner === 'rep') return 'rep only — AI never writes';
  return 'undeclared';
}

function repEditText(f: HandoverField): string {
  if (f.owner === 'ai') return 'the AI replaces it on its next run';
  if (f.owner === 'rep') return 'yours; never touched';
  if (f.owner === 'hybrid') {
    if (f.onConflict === 'skip') return 'the AI stops writing it; your value stays';
    if (f.onConflict === 'flag') return 'the AI stops writing it and flags it for review; your value stays';
    return 'the AI overwrites your edit';
  }
  return '—';
}

function cadence(flow: FlowConfig): string {
  const parts: string[] = [];
  if (flow.trigger.webhook) parts.push('on each change (webhook)');
  parts.push(`checked every ${flow.trigger.poll}`);
  for (const key of ['refresh', 'refreshAfter', 'staleAfter']) {
    const v = flow.settings[key];
    if (typeof v === 'string' || typeof v === 'number') parts.push(`refreshed when older than ${v}`);
  }
  return parts.join('; ');
}

function gateText(flow: FlowConfig): string {
  const g = flow.gate;
  if (g.mode === 'open') return 'not gated: writes immediately';
  if (g.mode === 'shadow') return 'shadow only: computes and records, never writes';
  return `shadow until ${g.sampleSize}+ reviewed samples show accuracy ≥ ${pct(g.threshold)} (95% lower bound)${g.shadowOnDrift ? '; back to shadow on a drift alert' : ''}`;
}

function webhookHost(url: string | undefined): string {
  if (!url) return 'none configured (alerts are recorded for the console only)';
  try {
    // The path of an incoming webhook is its secret: show the host only.
    return `${new URL(url).host} (incoming webhook)`;
  } catch {
    return 'configured';
  }
}

export function renderHandover(config: InrecordConfig, opts: HandoverOptions = {}): string {
  const schemas = opts.schemas ?? {};
  const crm = cardOf(config.crm.kind).displayName;
  const fields = handoverFields(config, schemas);
  const problems = handoverProblems(config, fields, schemas);
  const haveSchema = Object.keys(schemas).length > 0;
  const L: string[] = [];
  const objects = [...new Set(fields.map((f) => f.object))];

  L.push(`# AI fields in ${crm}: handover`);
  L.push('');
  L.push(
    `Generated ${(opts.generatedAt ?? new Date()).toISOString().slice(0, 10)} by \`inrecord docs\` from inrecord.yaml${haveSchema ? ` and the live ${crm} schema` : ''}. ` +
      'It lists every field the AI reads or writes, the fields it must never touch, and what happens when a rep edits a field.',
  );
  if (!haveSchema)
    L.push(
      '',
      `> The ${crm} schema was not read${opts.schemaError ? ` (${opts.schemaError})` : ''}: labels and types are missing and field names are not checked against the CRM.`,
    );
  L.push('');

  L.push('## For the sales team');
  L.push('');
  const list = (owner: FieldRule['owner']) =>
    fields
      .filter((f) => f.owner === owner)
      .map((f) => `\`${f.object}.${f.field}\`${f.label ? ` (${f.label})` : ''}`);
  const ai = list('ai');
  const hybrid = list('hybrid');
  const rep = list('rep');
  L.push(
    `- **Written by the AI** — ${ai.length ? ai.join(', ') : 'none'}. Kept up to date automatically; an edit you make is replaced on the next run. If a value looks wrong, tell sales operations rather than correcting it.`,
  );
  L.push(
    `- **Shared with you** — ${hybrid.length ? hybrid.join(', ') : 'none'}. The AI fills these in until a person edits them; after your edit it leaves the field alone, and a value you entered before the AI first wrote the field stays too (unless the table below says otherwise).`,
  );
  L.push(`- **Yours only; the AI never writes them** — ${rep.length ? rep.join(', ') : 'none'}.`);
  const stamped = fields.filter((f) => f.stamp);
  if (stamped.length)
    L.push(
      `- **How to tell an AI value** — ${stamped.map((f) => `\`${f.stamp}\` records when \`${f.field}\` was written, by which flow and model version, and with what confidence`).join('; ')}.`,
    );
  L.push('');

  L.push('## Fields');
  for (const object of objects) {
    L.push(
      '',
      `### ${object}${schemas[object] ? ` (${crm} object \`${schemas[object]?.object}\`)` : ''}`,
      '',
    );
    L.push('| Field | Label | Type | Owner | When a rep edits it | Stamp | Written by | Read by |');
    L.push('|---|---|---|---|---|---|---|---|');
    for (const f of fields.filter((x) => x.object === object)) {
      L.push(
        `| \`${cell(f.field)}\` | ${cell(f.label)} | ${cell(f.type)} | ${ownerText(f)} | ${repEditText(f)} | ${f.stamp ? `\`${cell(f.stamp)}\`` : '—'} | ${cell(f.writtenBy.join(', ') || '—')} | ${cell(f.readBy.join(', ') || '—')} |`,
      );
    }
  }
  L.push('');

  L.push('## What the AI reads');
  L.push('');
  for (const flow of config.flows) {
    // each as the CRM shows it: API name, and the label where it differs
    const inputs = flowInputs(flow).map((name) => {
      const s = crmField(schemas, flow.object, name);
      return s ? `\`${s.name}\`${s.label && s.label !== s.name ? ` (${s.label})` : ''}` : `\`${name}\``;
    });
    L.push(`- **${flow.name}** (${flow.object}): ${inputs.length ? inputs.join(', ') : 'the fields its model needs (not listed in its settings)'}.`);
  }
  const hybridFields = fields.filter((f) => f.owner === 'hybrid');
  if (hybridFields.length)
    L.push(
      `- The change history of every shared field (${hybridFields.map((f) => `\`${f.object}.${f.field}\``).join(', ')}), to see whether a person edited it since the AI last read the record.`,
    );
  L.push(
    `- To find the right record: contact email, name and phone; company name and domain. ${
      config.identity.createMissing
        ? 'An input with no matching record creates a new one (identity.createMissing); an ambiguous one goes to review.'
        : 'An input with no single matching record goes to the review queue: no record is written or created by a guess.'
    }`,
  );
  L.push('');

  L.push('## Flows, refresh and validation gates');
  L.push('');
  L.push('| Flow | Kind | Object | Writes | Refresh | Gate | Status now |');
  L.push('|---|---|---|---|---|---|---|');
  for (const flow of config.flows) {
    const writes =
      Object.entries(flow.outputs)
        .map(([o, f]) => `${o} → \`${f}\``)
        .join(', ') || '—';
    const statuses = (opts.gates ?? []).filter((g) => g.flow === flow.name);
    const now = statuses.length
      ? statuses
          .map((g) => `${g.mode === 'open' ? 'writing' : 'shadow'} (model ${g.modelVersion}): ${g.reason}`)
          .join('; ')
      : '—';
    L.push(
      `| ${cell(flow.name)} | ${flow.kind} | ${flow.object} | ${cell(writes)} | ${cadence(flow)} | ${gateText(flow)} | ${cell(now)} |`,
    );
  }
  if (config.flows.length === 0) L.push('| — | | | | | | |');
  L.push('');
  L.push(
    'In shadow mode a flow computes what it would write and records it for review; nothing reaches the CRM. Reviewers label a random sample correct or incorrect (`inrecord review samples <flow>`); write-back opens only when the lower bound of the 95% confidence interval of accuracy reaches the threshold.',
  );
  L.push('');

  const m = config.monitor;
  L.push('## Monitoring');
  L.push('');
  L.push(`- Runs every ${m.schedule} (and on demand: \`inrecord monitor\`).`);
  L.push(
    `- Score drift against the training distribution: warning at PSI ${m.psiWarn}, alert at ${m.psiAlert}; KS test at α ${m.ksAlpha}; judged only on ${m.minSample}+ scores.`,
  );
  L.push(
    `- Alerts when fewer than ${pct(m.writeSuccessAlert)} of writes land, more than ${pct(m.notAppliedAlert)} are accepted but not applied, more than ${pct(m.unmatchedAlert)} of identity decisions are unmatched or ambiguous, or ${m.deadLetterAlert}+ jobs are dead-lettered.`,
  );
  L.push(
    `- Alerts go to: ${webhookHost(m.alertWebhook)}; all are listed by \`inrecord monitor alerts\` and in the console.`,
  );
  L.push('');

  L.push('## Problems found');
  L.push('');
  if (problems.length === 0) L.push('None.');
  for (const p of problems) L.push(`- \`${p.object}.${p.field}\` ${p.problem} — fix: ${p.fix}.`);
  L.push('');
  return L.join('\n');
}
