/**
 * `inrecord check` composed: each flow's settings through its kind's own schema and its outputs
 * against what the kind emits (flows/), the mapping against the live schema with the fields
 * `--fix` creates (writeback/), then every value a category output can write against the field it
 * lands in, judged the way the flow judges it at run time. Holds no rule of its own.
 */
import type { FlowConfig, InrecordConfig } from '../config/index.js';
import type { CrmConnector, ObjectKind, ObjectSchema } from '../crm/types.js';
import {
  type DeclaredOutput,
  type FlowProblem,
  checkFlowDeclaration,
  checkOutputValues,
  declaredOutputs,
  parseFlowSettings,
  settingFields,
} from '../flows/index.js';
import {
  type CheckProblem,
  type CheckReport,
  checkLive,
  indexFields,
  objectsInConfig,
  resolveField,
} from '../writeback/index.js';

/** A problem of the config: a mapping problem, or a flow's setting (`setting`, under `settings`). */
export type ConfigProblem = CheckProblem & {
  setting?: string;
  /** A connection setting the problem is about (`crm.webhooks`), rather than a field or a flow's setting. */
  config?: string;
};

export interface ConfigCheckReport extends Omit<CheckReport, 'problems'> {
  problems: ConfigProblem[];
}

function asProblem(p: FlowProblem): ConfigProblem {
  return {
    severity: 'error',
    code: p.code,
    object: p.object,
    field:
      p.field ??
      (p.setting !== undefined ? `settings${p.setting ? `.${p.setting}` : ''}` : (p.output ?? '*')),
    flow: p.flow,
    ...(p.output ? { output: p.output } : {}),
    ...(p.setting !== undefined ? { setting: p.setting } : {}),
    message: p.message,
    fix: p.fix,
  };
}

/**
 * The flow as the mapping check sees it: when a category output's field is missing, its values
 * declared in `settings.values`, which `--fix` creates the field's options from. An existing
 * field's options are judged below, by the flow's own rule.
 */
function withValues(
  flow: FlowConfig,
  outputs: Record<string, DeclaredOutput>,
  schema: ObjectSchema | undefined,
): FlowConfig {
  if (!schema) return flow;
  const idx = indexFields(schema);
  const missing = Object.entries(outputs).find(
    ([name, o]) => o.values && name in flow.outputs && !resolveField(idx, flow.outputs[name] as string).ok,
  );
  return missing ? { ...flow, settings: { ...flow.settings, values: missing[1].values } } : flow;
}

async function describeAll(
  connector: CrmConnector,
  kinds: ObjectKind[],
): Promise<Partial<Record<ObjectKind, ObjectSchema>>> {
  const out: Partial<Record<ObjectKind, ObjectSchema>> = {};
  for (const kind of kinds) {
    try {
      out[kind] = await connector.describe(kind);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'IR_CRM_UNSUPPORTED' && code !== 'IR_CRM_NOT_FOUND') throw e;
    }
  }
  return out;
}

/** Fields a flow's settings read from (defaults included) that its object does not have: the flow would read nothing there. */
function settingFieldProblems(
  flows: FlowConfig[],
  schemas: Partial<Record<ObjectKind, ObjectSchema>>,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const flow of flows) {
    const parsed = parseFlowSettings(flow);
    const schema = schemas[flow.object];
    if (!parsed.ok || !schema) continue;
    const idx = indexFields(schema);
    for (const { setting, name } of settingFields(parsed.settings)) {
      const r = resolveField(idx, name);
      if (r.ok) continue;
      out.push({
        severity: 'error',
        code: 'IR_FIELD_NOT_FOUND',
        object: flow.object,
        field: name,
        flow: flow.name,
        setting,
        message: `flow ${flow.name}: settings.${setting} names "${name}", ${r.reason === 'ambiguous-label' ? `a label several fields of ${schema.object} share (${r.candidates.join(', ')})` : `which ${schema.object} does not have${r.candidates.length ? ` (did you mean ${r.candidates.join(', ')}?)` : ''}`}; the flow would read nothing from it`,
        fix:
          r.reason === 'ambiguous-label'
            ? `Name the field in settings.${setting} by its API name.`
            : `Point settings.${setting} at a field of ${schema.object} (API name or label).`,
      });
    }
    const label = (parsed.settings as { label?: { field: string; negative?: unknown[]; decided?: unknown } }).label;
    const labelField = label ? resolveField(idx, label.field) : null;
    if (label && !label.decided && labelField?.ok && labelField.field.type === 'boolean' && (label.negative ?? []).includes(false))
      // IsConverted-style flags are false on open records too: every open record would count as lost
      out.push({
        severity: 'warning',
        code: 'IR_CONFIG_INVALID',
        object: flow.object,
        field: label.field,
        flow: flow.name,
        setting: 'label',
        message: `flow ${flow.name}: settings.label.field ${label.field} is a checkbox, false on open records as well as on those decided against: every open record would count as decided (never scored) and as a loss in training`,
        fix: 'Add settings.label.decided: { field: <a status field>, values: [<the closed statuses>] }, or label.negative: [] when only conversions are known.',
      });
  }
  return out;
}

/** Validates inrecord.yaml against the live CRM; with `fix`, creates the missing fields as the flows need them. */
export async function checkConfig(
  connector: CrmConnector,
  config: Pick<InrecordConfig, 'flows' | 'objects'>,
  opts: { fix?: boolean } = {},
): Promise<ConfigCheckReport> {
  const declared = new Map(config.flows.map((f) => [f.name, declaredOutputs(f)]));
  const flowProblems = config.flows
    .flatMap((f) => checkFlowDeclaration(f, declared.get(f.name) ?? {}))
    .map(asProblem);
  const before = await describeAll(connector, objectsInConfig(config));
  const report = await checkLive(
    connector,
    {
      objects: config.objects,
      flows: config.flows.map((f) => withValues(f, declared.get(f.name) ?? {}, before[f.object])),
    },
    { fix: opts.fix, outputTypes: (flow, output) => declared.get(flow.name)?.[output]?.type ?? 'any' },
  );
  // the values each category output writes, against the fields as they are now (created ones included)
  const schemas = await describeAll(connector, objectsInConfig(config));
  const valueProblems: ConfigProblem[] = [];
  for (const flow of config.flows) {
    const outputs = declared.get(flow.name);
    const schema = schemas[flow.object];
    if (!outputs || !schema) continue;
    const idx = indexFields(schema);
    for (const [output, target] of Object.entries(flow.outputs)) {
      const d = outputs[output];
      const r = resolveField(idx, target);
      if (!d || !r.ok) continue;
      // write-back already refused this pairing (type, read-only, owned by rep): one problem per fault
      if (report.problems.some((p) => p.severity === 'error' && p.flow === flow.name && p.output === output))
        continue;
      const p = checkOutputValues(flow, output, d, r.field);
      if (p) valueProblems.push(asProblem({ ...p, field: target }));
    }
  }
  // an output the flow never emits is one fault, not also a missing field
  const unknownOutput = (p: ConfigProblem) =>
    flowProblems.some((q) => q.output !== undefined && q.flow === p.flow && q.output === p.output);
  // deliveries the daemon could not verify are refused (401): the CRM's changes then come by polling only
  const webhooks = connector.webhooks.unverifiable();
  const webhookProblems: ConfigProblem[] = webhooks
    ? [
        {
          severity: 'warning',
          code: 'IR_WEBHOOK_SIGNATURE',
          object: config.flows[0]?.object ?? 'contact',
          field: 'crm.webhooks',
          config: 'crm.webhooks',
          message: `webhooks cannot be verified: ${webhooks.reason}; \`inrecord run\` refuses every delivery (401) and sees the CRM's changes only when it polls`,
          fix: webhooks.fix,
        },
      ]
    : [];
  const problems = [
    ...flowProblems,
    ...settingFieldProblems(config.flows, schemas),
    ...report.problems.filter((p) => !unknownOutput(p)),
    ...valueProblems,
    ...webhookProblems,
  ];
  return { ...report, problems, ok: !problems.some((p) => p.severity === 'error') };
}
