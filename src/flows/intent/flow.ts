/**
 * The intent and summary flows: text in (an inbound email, a note, a call transcript), one typed
 * output out, validated against the target field. The local models answer by default; an LLM
 * answers when configured, and when it fails or answers junk the local model answers instead
 * (`fallback: local`, the default) or the failure is returned as a typed error (`fallback: error`).
 */
import { z } from 'zod';
import type { FieldSchema } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';
import { type FlowOutput, validateOutput } from '../types.js';
import { INTENT_LABELS, type IntentLabel, type NaiveBayesJson, bundledIntentModel, classifyIntent } from './classifier.js';
import { LlmProvider, llmSettingsSchema } from './llm.js';
import { summarise } from './summarise.js';

export const textFlowSettingsSchema = z
  .object({
    provider: z.enum(['local', 'llm']).default('local'),
    llm: llmSettingsSchema.optional(),
    /** The record field holding the text (email body, note, transcript). */
    textField: z.string().default('body'),
    /** Intent: the field option each label is written as, when values differ ('high' → 'Buying'). */
    labelMap: z.record(z.enum(INTENT_LABELS), z.string()).optional(),
    /** Summary: character budget when the field declares none. */
    maxChars: z.number().int().positive().default(1000),
    maxSentences: z.number().int().positive().default(4),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.provider === 'llm' && !s.llm) ctx.addIssue({ code: 'custom', path: ['llm'], message: 'provider: llm needs llm.baseURL and llm.model' });
  });
export type TextFlowSettings = z.infer<typeof textFlowSettingsSchema>;
export type TextFlowSettingsInput = z.input<typeof textFlowSettingsSchema>;

export type TextFlowResult =
  | { ok: true; output: FlowOutput; /** The LLM's failure when the local model answered in its place. */ fellBack?: InrecordError }
  | { ok: false; error: InrecordError };

export interface TextFlowContext {
  settings: TextFlowSettings;
  /** Built once per flow run (one HTTP client). */
  llm?: LlmProvider;
  local?: NaiveBayesJson;
}

export function textFlowContext(input: TextFlowSettingsInput): TextFlowContext {
  const settings = textFlowSettingsSchema.parse(input);
  return { settings, llm: settings.provider === 'llm' && settings.llm ? new LlmProvider(settings.llm) : undefined };
}

/** The field option a local label is written as: labelMap, else the option whose value or label is the label. */
export function optionForLabel(field: FieldSchema, label: IntentLabel, labelMap?: Partial<Record<IntentLabel, string>>): string | null {
  const opts = field.options ?? [];
  const wanted = labelMap?.[label];
  if (wanted !== undefined) return opts.find((o) => o.value === wanted)?.value ?? opts.find((o) => o.label.toLowerCase() === wanted.toLowerCase())?.value ?? null;
  const norm = (s: string) => s.toLowerCase().replace(/[\s-]+/g, '_');
  return opts.find((o) => norm(o.value) === label)?.value ?? opts.find((o) => norm(o.label) === label)?.value ?? null;
}

function checked(recordId: string, output: FlowOutput, field: FieldSchema, fellBack?: InrecordError): TextFlowResult {
  const c = validateOutput(recordId, output, field);
  if (!c.ok) return { ok: false, error: new InrecordError('IR_FLOW_OUTPUT_INVALID', c.message, { context: { recordId, field: field.name, value: c.value, expected: c.expected } }) };
  return fellBack ? { ok: true, output: c.output, fellBack } : { ok: true, output: c.output };
}

function localIntent(ctx: TextFlowContext, recordId: string, text: string, field: FieldSchema, fellBack?: InrecordError): TextFlowResult {
  const model = ctx.local ?? bundledIntentModel();
  const p = classifyIntent(model, text);
  const value = optionForLabel(field, p.label, ctx.settings.labelMap);
  if (value === null) {
    return {
      ok: false,
      error: new InrecordError(
        'IR_FLOW_OUTPUT_INVALID',
        `record ${recordId}, field ${field.name}: intent "${p.label}" has no option in the field (options: ${(field.options ?? []).map((o) => o.value).join(', ')}); map it with settings.labelMap`,
        { context: { recordId, field: field.name, value: p.label } },
      ),
    };
  }
  const reason = fellBack ? `local model (the LLM answer was not used: ${fellBack.code})` : p.autoReply ? 'an automatic reply (out of office): no intent to read' : undefined;
  return checked(recordId, { name: 'intent', value, type: 'picklist', confidence: round(p.confidence), modelVersion: model.version, ...(reason ? { reason } : {}) }, field, fellBack);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export async function intentOutput(ctx: TextFlowContext, recordId: string, text: string, field: FieldSchema): Promise<TextFlowResult> {
  if (!ctx.llm) return localIntent(ctx, recordId, text, field);
  const r = await ctx.llm.classifyIntent(recordId, text, field);
  if (!r.ok) return ctx.settings.llm?.fallback === 'error' ? { ok: false, error: r.error } : localIntent(ctx, recordId, text, field, r.error);
  return checked(recordId, { name: 'intent', value: r.value.label, type: 'picklist', confidence: r.value.confidence, reason: r.value.reason, modelVersion: ctx.llm.version }, field);
}

function localSummary(ctx: TextFlowContext, recordId: string, text: string, field: FieldSchema, maxChars: number, fellBack?: InrecordError): TextFlowResult {
  const value = summarise(text, { maxChars, maxSentences: ctx.settings.maxSentences });
  return checked(recordId, { name: 'summary', value: value === '' ? null : value, type: 'text', modelVersion: 'extractive-1' }, field, fellBack);
}

export async function summaryOutput(ctx: TextFlowContext, recordId: string, text: string, field: FieldSchema): Promise<TextFlowResult> {
  const maxChars = Math.min(field.maxLength ?? ctx.settings.maxChars, ctx.settings.maxChars);
  if (!ctx.llm) return localSummary(ctx, recordId, text, field, maxChars);
  const r = await ctx.llm.summarise(recordId, text, field, maxChars);
  if (!r.ok) return ctx.settings.llm?.fallback === 'error' ? { ok: false, error: r.error } : localSummary(ctx, recordId, text, field, maxChars, r.error);
  return checked(recordId, { name: 'summary', value: r.value.summary, type: 'text', modelVersion: ctx.llm.version }, field);
}
