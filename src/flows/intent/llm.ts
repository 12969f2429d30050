/**
 * Intent and summary through any OpenAI-compatible endpoint (the official `openai` client, with a
 * configurable baseURL, model and apiKey). The model is asked for JSON under a schema built from
 * the target field — the picklist's option values, the text field's length — and its answer is
 * parsed strictly and validated with zod before anything is returned. Malformed JSON, prose around
 * the JSON, a label outside the picklist, a refusal, a timeout: each is a typed error, never a value.
 */
import OpenAI from 'openai';
import { z } from 'zod';
import type { FieldSchema } from '../../crm/types.js';
import { InrecordError } from '../../errors/index.js';

export const llmSettingsSchema = z
  .object({
    baseURL: z.string().url(),
    model: z.string().min(1),
    apiKey: z.string().default('not-needed'),
    timeoutMs: z.number().int().positive().default(20_000),
    /** When the LLM fails or answers junk: use the local model ('local') or report the error ('error'). */
    fallback: z.enum(['local', 'error']).default('local'),
    temperature: z.number().min(0).max(2).default(0),
  })
  .strict();
export type LlmSettings = z.infer<typeof llmSettingsSchema>;
export type LlmSettingsInput = z.input<typeof llmSettingsSchema>;

export type LlmResult<T> = { ok: true; value: T; model: string } | { ok: false; error: InrecordError };

const INTENT_MEANING: Record<string, string> = {
  high: 'ready to buy: pricing, quote, contract, demo with a decision date, budget approved',
  medium: 'interested and evaluating: asks how it works, wants information, early research',
  low: 'not now: no budget, happy with another tool, check back later, just curious',
  not_sales: 'not a sales conversation: support, billing of an existing account, job applications, vendors pitching, out-of-office, unsubscribe',
};

/** The zod schema an intent answer must satisfy for this field: its label is one of the field's option values. */
export function intentAnswerSchema(field: FieldSchema) {
  const values = (field.options ?? []).map((o) => o.value);
  if (values.length === 0) throw new InrecordError('IR_FIELD_TYPE_MISMATCH', `field ${field.name} has no picklist options to classify into`, { context: { field: field.name } });
  return z
    .object({
      label: z.enum(values as [string, ...string[]]),
      confidence: z.number().min(0).max(1),
      reason: z.string().max(300),
    })
    .strict();
}

export function summaryAnswerSchema(maxChars: number) {
  return z.object({ summary: z.string().min(1).max(maxChars) }).strict();
}

/** JSON Schema of the same shapes, sent as the response format (strict structured output). */
function intentJsonSchema(field: FieldSchema) {
  return {
    type: 'object',
    properties: {
      label: { type: 'string', enum: (field.options ?? []).map((o) => o.value) },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      reason: { type: 'string', maxLength: 300 },
    },
    required: ['label', 'confidence', 'reason'],
    additionalProperties: false,
  };
}

export class LlmProvider {
  readonly settings: LlmSettings;
  private readonly client: OpenAI;

  constructor(settings: LlmSettingsInput) {
    this.settings = llmSettingsSchema.parse(settings);
    // Retries belong to the job engine (one retry policy); the client makes one attempt.
    this.client = new OpenAI({ baseURL: this.settings.baseURL, apiKey: this.settings.apiKey, timeout: this.settings.timeoutMs, maxRetries: 0 });
  }

  get version(): string {
    return `llm:${this.settings.model}`;
  }

  /**
   * One chat completion under a JSON schema; the answer parsed strictly (no prose, no code fences)
   * and validated with `schema`. `where` names the record and field for the messages.
   */
  private async ask<T>(where: { recordId: string; field: string }, system: string, user: string, name: string, jsonSchema: object, schema: z.ZodType<T>): Promise<LlmResult<T>> {
    const ctx = { recordId: where.recordId, field: where.field, model: this.settings.model };
    let content: string | null | undefined;
    try {
      const res = await this.client.chat.completions.create({
        model: this.settings.model,
        temperature: this.settings.temperature,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        response_format: { type: 'json_schema', json_schema: { name, schema: jsonSchema as Record<string, unknown>, strict: true } },
      });
      const msg = res.choices?.[0]?.message;
      if (msg?.refusal) {
        return { ok: false, error: new InrecordError('IR_LLM_REFUSED', `record ${where.recordId}, field ${where.field}: the LLM (${this.settings.model}) refused: ${msg.refusal.slice(0, 200)}`, { context: ctx }) };
      }
      content = msg?.content;
    } catch (err) {
      const status = (err as { status?: number }).status;
      const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
      const what = status === undefined ? (err instanceof Error ? err.message : String(err)) : `HTTP ${status}`;
      if (!retryable) {
        return { ok: false, error: new InrecordError('IR_LLM_BAD_RESPONSE', `record ${where.recordId}, field ${where.field}: the LLM endpoint rejected the request (${what})`, { context: ctx, cause: err }) };
      }
      return { ok: false, error: new InrecordError('IR_LLM_UNAVAILABLE', `record ${where.recordId}, field ${where.field}: the LLM endpoint ${this.settings.baseURL} failed (${what})`, { context: ctx, cause: err }) };
    }
    if (typeof content !== 'string' || content.trim() === '') {
      return { ok: false, error: new InrecordError('IR_LLM_BAD_RESPONSE', `record ${where.recordId}, field ${where.field}: the LLM returned no content`, { context: ctx }) };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      return {
        ok: false,
        error: new InrecordError('IR_LLM_BAD_RESPONSE', `record ${where.recordId}, field ${where.field}: the LLM answer is not JSON: ${JSON.stringify(content.slice(0, 120))}`, { context: { ...ctx, value: content.slice(0, 500) } }),
      };
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      return {
        ok: false,
        error: new InrecordError(
          'IR_FLOW_OUTPUT_INVALID',
          `record ${where.recordId}, field ${where.field}: the LLM answer ${JSON.stringify(parsed).slice(0, 160)} does not fit the field (${issue?.path.join('.') || 'answer'}: ${issue?.message}); not written`,
          { context: { ...ctx, value: parsed } },
        ),
      };
    }
    return { ok: true, value: checked.data, model: this.settings.model };
  }

  async classifyIntent(recordId: string, text: string, field: FieldSchema): Promise<LlmResult<{ label: string; confidence: number; reason: string }>> {
    const options = (field.options ?? []).map((o) => {
      const meaning = INTENT_MEANING[o.value] ?? INTENT_MEANING[o.label.toLowerCase().replace(/[\s-]+/g, '_')];
      return `- "${o.value}" (${o.label})${meaning ? `: ${meaning}` : ''}`;
    });
    const system = `You classify the buying intent of an inbound email or note to a sales team. Answer only with JSON: {"label": one of the option values, "confidence": 0..1, "reason": one short sentence}.\nOptions:\n${options.join('\n')}`;
    return this.ask({ recordId, field: field.name }, system, text.slice(0, 12_000), 'intent', intentJsonSchema(field), intentAnswerSchema(field));
  }

  async summarise(recordId: string, text: string, field: FieldSchema, maxChars: number): Promise<LlmResult<{ summary: string }>> {
    const system = `Summarise this sales call note or transcript for the CRM record: outcome, concerns, next steps with owners and dates. Plain text, at most ${maxChars} characters. Answer only with JSON: {"summary": "..."}.`;
    const jsonSchema = { type: 'object', properties: { summary: { type: 'string', maxLength: maxChars } }, required: ['summary'], additionalProperties: false };
    return this.ask({ recordId, field: field.name }, system, text.slice(0, 48_000), 'summary', jsonSchema, summaryAnswerSchema(maxChars));
  }
}
