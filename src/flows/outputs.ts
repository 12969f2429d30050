/**
 * What each flow kind takes and gives, declared once: its settings schema, the outputs it emits
 * (with their types and, for category outputs, every value it can write), and the checks `inrecord
 * check` runs with them before a run. The processors (run.ts) parse settings through the same
 * `parseFlowSettings`, so a setting `check` passes is one the flow accepts, and a setting it refuses
 * is named the same way in both places.
 */
import { type ZodIssue, z } from 'zod';
import type { FlowConfig } from '../config/index.js';
import type { FieldSchema } from '../crm/types.js';
import { type ErrorCode, InrecordError } from '../errors/index.js';
import { ENRICHMENT_OUTPUTS, enrichmentSettingsSchema } from './enrichment/flow.js';
import { INTENT_LABELS } from './intent/classifier.js';
import { optionForLabel, textFlowSettingsSchema } from './intent/flow.js';
import { dealRiskSettingsSchema } from './scoring/deal-risk.js';
import { scoringSettingsSchema } from './scoring/settings.js';
import type { OutputType } from '../writeback/index.js';
import { validateOutput } from './types.js';

/** An output as the mapping sees it: its type (write-back's), and what a `category` output writes. */
export interface DeclaredOutput {
  type: OutputType;
  /** category outputs: every value the flow can write, after the flow's own value map. */
  values?: string[];
}

/** The settings schema of each kind; `usage` is fed by an import and takes none. */
const SETTINGS: Record<FlowConfig['kind'], z.ZodTypeAny> = {
  scoring: scoringSettingsSchema,
  intent: textFlowSettingsSchema,
  summary: textFlowSettingsSchema,
  enrichment: enrichmentSettingsSchema,
  'deal-risk': dealRiskSettingsSchema,
  usage: z.object({}).strict(),
};

/** What to do about a setting, where a kind's settings have a usual fault; otherwise the schema's message says it. */
const SETTING_FIX: Partial<Record<FlowConfig['kind'], Record<string, string>>> = {
  scoring: {
    features:
      'Add settings.features: each feature the rules read, as { <name>: { field: <CRM field>, type: number | category | boolean | date } }.',
    rules:
      'Each rule names a feature from settings.features and the points it is worth: { feature: <name>, points: <n> }.',
  },
  'deal-risk': {
    features:
      'Add settings.features: each feature the rules read, as { <name>: { field: <CRM field>, type: number | category | boolean | date } }.',
  },
  intent: {
    labelMap: `settings.labelMap maps the intent labels (${INTENT_LABELS.join(', ')}) to the field's options: { high: Buying, … }.`,
    llm: 'provider: llm needs settings.llm with baseURL and model.',
  },
};

export interface FlowSettingIssue {
  /** The setting's path under `settings` ('features', 'rules.0.feature'); '' for settings as a whole. */
  setting: string;
  message: string;
  fix: string;
}

export type ParsedSettings = { ok: true; settings: unknown } | { ok: false; issues: FlowSettingIssue[] };

function settingIssue(flow: Pick<FlowConfig, 'kind'>, issue: ZodIssue): FlowSettingIssue {
  const setting = issue.path.join('.');
  const top = String(issue.path[0] ?? '');
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const fix =
    unknown.length > 0
      ? `Remove settings.${unknown.join(', settings.')}: the ${flow.kind} flow takes ${Object.keys(settingKeys(flow.kind)).join(', ') || 'no settings'}.`
      : (SETTING_FIX[flow.kind]?.[top] ?? `Correct settings.${setting || '(the settings)'} of the flow.`);
  const message = issue.message === 'Required' ? 'missing (required)' : issue.message;
  return { setting, message, fix };
}

function settingKeys(kind: FlowConfig['kind']): Record<string, unknown> {
  let s: z.ZodTypeAny = SETTINGS[kind];
  while (s instanceof z.ZodEffects) s = s.innerType();
  return s instanceof z.ZodObject ? s.shape : {};
}

/** A flow's settings through its kind's own schema: the parsed settings, or each fault named. */
export function parseFlowSettings(flow: Pick<FlowConfig, 'kind' | 'settings'>): ParsedSettings {
  const r = SETTINGS[flow.kind].safeParse(flow.settings);
  if (r.success) return { ok: true, settings: r.data };
  return { ok: false, issues: r.error.issues.map((i) => settingIssue(flow, i)) };
}

/** The error a flow run stops with when its settings do not parse: the flow, the setting, the fix. */
export function flowSettingsError(
  flow: Pick<FlowConfig, 'name' | 'kind'>,
  issues: FlowSettingIssue[],
): InrecordError {
  const first = issues[0];
  const where = first?.setting ? `settings.${first.setting}` : 'settings';
  return new InrecordError(
    'IR_CONFIG_INVALID',
    `flow ${flow.name}: ${where}: ${first?.message ?? 'invalid'}`,
    {
      fix: `${first?.fix ?? 'Correct the flow’s settings.'} Then run \`inrecord check\`.`,
      context: { flow: flow.name, setting: where },
    },
  );
}

/** The settings of a flow, parsed by its kind's schema; throws `flowSettingsError` when they do not parse. */
export function flowSettingsOf<T>(flow: Pick<FlowConfig, 'name' | 'kind' | 'settings'>): T {
  const r = parseFlowSettings(flow);
  if (!r.ok) throw flowSettingsError(flow, r.issues);
  return r.settings as T;
}

const DEAL_RISK_LEVELS = ['high', 'medium', 'low'] as const;

/** The trends a usage flow writes (signals/ computes them). */
export const USAGE_TRENDS = ['new', 'rising', 'steady', 'falling', 'inactive'] as const;

/** The aggregates a usage import writes (signals/ `usageOutputs`): a company also counts its active users. */
function usageOutputs(object: FlowConfig['object']): Record<string, DeclaredOutput> {
  const common: Record<string, DeclaredOutput> = {
    last_active: { type: 'date' },
    events_30d: { type: 'integer' },
    features_30d: { type: 'text' },
    feature_adoption: { type: 'number' },
    trend: { type: 'category', values: [...USAGE_TRENDS] },
  };
  return object === 'company'
    ? { ...common, active_users_7d: { type: 'integer' }, active_users_30d: { type: 'integer' } }
    : common;
}

/**
 * The outputs a flow emits, with the values of its category outputs as its settings map them
 * (intent `labelMap`, deal-risk `levelMap`; unmapped when the settings do not parse).
 */
export function declaredOutputs(
  flow: Pick<FlowConfig, 'kind' | 'settings' | 'object'>,
): Record<string, DeclaredOutput> {
  const parsed = parseFlowSettings(flow);
  const settings = (parsed.ok ? parsed.settings : {}) as {
    labelMap?: Partial<Record<string, string>>;
    levelMap?: Partial<Record<string, string>>;
  };
  switch (flow.kind) {
    case 'scoring':
      return { score: { type: 'integer' }, score_reason: { type: 'text' } };
    case 'intent': {
      const map = settings.labelMap ?? {};
      return { intent: { type: 'category', values: INTENT_LABELS.map((l) => map[l] ?? l) } };
    }
    case 'summary':
      return { summary: { type: 'text' } };
    case 'deal-risk': {
      const map = settings.levelMap ?? {};
      return {
        risk_score: { type: 'integer' },
        risk_level: { type: 'category', values: DEAL_RISK_LEVELS.map((l) => map[l] ?? l) },
        risk_note: { type: 'text' },
      };
    }
    case 'enrichment':
      return Object.fromEntries(ENRICHMENT_OUTPUTS.map((o) => [o, { type: 'any' as const }]));
    case 'usage':
      return usageOutputs(flow.object);
  }
}

/** A fault in a flow's declaration: its settings, or an output it does not emit. */
export interface FlowProblem {
  code: ErrorCode;
  flow: string;
  object: FlowConfig['object'];
  /** The setting at fault, under `settings`. */
  setting?: string;
  output?: string;
  /** The CRM field concerned, as the config names it. */
  field?: string;
  message: string;
  fix: string;
}

/** Every fault of a flow's settings, and every mapped output the flow never emits. Pure. */
export function checkFlowDeclaration(
  flow: FlowConfig,
  outputs: Record<string, DeclaredOutput>,
): FlowProblem[] {
  const parsed = parseFlowSettings(flow);
  const settings: FlowProblem[] = parsed.ok
    ? []
    : parsed.issues.map((i) => ({
        code: 'IR_CONFIG_INVALID',
        flow: flow.name,
        object: flow.object,
        setting: i.setting,
        message: `flow ${flow.name}: settings${i.setting ? `.${i.setting}` : ''}: ${i.message}`,
        fix: i.fix,
      }));
  const names = Object.keys(outputs);
  const unknown: FlowProblem[] = Object.entries(flow.outputs)
    .filter(([output]) => !(output in outputs))
    .map(([output, field]) => ({
      code: 'IR_CONFIG_INVALID',
      flow: flow.name,
      object: flow.object,
      output,
      field,
      message: `flow ${flow.name}: the ${flow.kind} flow has no output "${output}" (it emits ${names.join(', ')}); nothing would be written to ${field}`,
      fix: `Rename the output in flows[${flow.name}].outputs to one of ${names.join(', ')}.`,
    }));
  return [...settings, ...unknown];
}

/**
 * Whether every value a category output can write fits its target field, judged by the check the
 * flow itself runs on each output: an intent label goes through `labelMap` to an option of the field
 * (so the field must be a picklist holding them), any other value must be a value the field takes.
 */
export function checkOutputValues(
  flow: FlowConfig,
  output: string,
  declared: DeclaredOutput,
  field: FieldSchema,
): FlowProblem | null {
  const parsed = parseFlowSettings(flow);
  // settings the flow refuses are reported as such; the values they would map are not judged
  if (!parsed.ok || declared.type !== 'category' || !declared.values || !field.writable) return null;
  const where = `flow ${flow.name} output ${output} → ${flow.object}.${field.name}`;
  const base = {
    code: 'IR_FIELD_VALUE_INVALID' as const,
    flow: flow.name,
    object: flow.object,
    output,
    field: field.name,
  };
  const options = (field.options ?? [])
    .map((o) => (o.label === o.value ? o.value : `${o.label} (${o.value})`))
    .join(', ');
  if (flow.kind === 'intent') {
    if (field.type !== 'picklist') {
      return {
        ...base,
        code: 'IR_FIELD_TYPE_MISMATCH',
        message: `${where}: intent writes one of the field's options, and the field is ${field.type} (${field.crmType}) with none; every output would be refused`,
        fix: `Map the output to a picklist field with options ${declared.values.join(', ')} (\`inrecord check --fix\` creates a missing one so), or map the labels with settings.labelMap.`,
      };
    }
    const map = (parsed.settings as z.infer<typeof textFlowSettingsSchema>).labelMap;
    const bad = INTENT_LABELS.filter((l) => optionForLabel(field, l, map) === null);
    if (bad.length === 0) return null;
    return {
      ...base,
      setting: 'labelMap',
      message: `${where}: ${bad.map((l) => `"${l}"${map?.[l] ? ` (labelMap → "${map[l]}")` : ''}`).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not an option of the field (options: ${options || 'none'})`,
      fix: `Set settings.labelMap to map ${bad.join(', ')} to options of the field, or add the options to the field in the CRM.`,
    };
  }
  const bad = declared.values.filter(
    (v) =>
      !validateOutput('-', { name: output, value: v, type: 'picklist', modelVersion: flow.kind }, field).ok,
  );
  if (bad.length === 0) return null;
  const mapSetting = flow.kind === 'deal-risk' ? 'levelMap' : undefined;
  return {
    ...base,
    ...(mapSetting ? { setting: mapSetting } : {}),
    message: `${where}: the flow writes ${bad.map((v) => `"${v}"`).join(', ')}, which the field does not take (${field.type === 'picklist' || field.type === 'multipicklist' ? `options: ${options || 'none'}` : field.type})`,
    fix: mapSetting
      ? `Set settings.${mapSetting} to map each level to an option of the field, or add the options in the CRM.`
      : 'Add the values as options of the field in the CRM, or map the output to a text field.',
  };
}

/** Every field settings name (`field`, `textField`, `keyField` at any depth), with the setting's path. */
export function settingFields(settings: unknown): { setting: string; name: string }[] {
  const found: { setting: string; name: string }[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...path, String(i)]);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'field' || k === 'textField' || k === 'keyField') && typeof x === 'string') found.push({ setting: [...path, k].join('.'), name: x });
        else walk(x, [...path, k]);
      }
    }
  };
  walk(settings, []);
  return found;
}
