/**
 * The LLM path against local OpenAI-compatible servers on 127.0.0.1 (Fastify), driven by the
 * official `openai` client: one well-behaved, one answering junk in every way seen in the field.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSchema } from '../../crm/types.js';
import { inboundText, realisticInboundSet } from '../../simulators/seed/inbound.js';
import { type FakeLlmMode as Mode, type FakeLlmRequest as Seen, fakeLlm } from '../testing/fake-llm.js';
import { INTENT_LABELS, type IntentLabel, bundledIntentModel, classifyIntent } from './classifier.js';
import { intentOutput, summaryOutput, textFlowContext } from './flow.js';
import { formatIntentReport, measureIntent } from './measure.js';

const intentField: FieldSchema = {
  name: 'AI_Intent__c',
  label: 'AI intent',
  type: 'picklist',
  crmType: 'picklist',
  options: [
    { value: 'high', label: 'High' },
    { value: 'medium', label: 'Medium' },
    { value: 'low', label: 'Low' },
    { value: 'not_sales', label: 'Not sales' },
  ],
  restricted: false,
  required: false,
  writable: true,
  custom: true,
};
const summaryField: FieldSchema = { name: 'AI_Summary__c', label: 'AI summary', type: 'text', crmType: 'textarea', maxLength: 120, required: false, writable: true, custom: true };

const EMAIL = 'Hi, can you send a quote for 50 seats? We want to sign the contract this month.';
const CALL = 'Dana: We agreed the budget is $40k.\nSam: Next step: I will send the proposal by Friday.\nDana: Our main concern is the integration with our reporting.';

describe('LLM provider against local OpenAI-compatible servers', () => {
  let mode: Mode = 'good';
  const seen: Seen[] = [];
  let server: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    server = await fakeLlm(() => mode, seen);
  });
  afterAll(async () => {
    await server?.app.close();
  });
  const ctx = (fallback: 'local' | 'error') =>
    textFlowContext({ provider: 'llm', llm: { baseURL: server.url, model: 'fake-1', apiKey: 'sk-test', timeoutMs: 3000, fallback } });

  it('well-behaved: the answer is validated and returned; the request carries the field schema', async () => {
    mode = 'good';
    const r = await intentOutput(ctx('error'), '00Q1', EMAIL, intentField);
    expect(r).toEqual({ ok: true, output: { name: 'intent', value: 'high', type: 'picklist', confidence: 0.9, reason: 'Asks for a quote.', modelVersion: 'llm:fake-1' } });
    const req = seen[seen.length - 1];
    expect(req.auth).toBe('Bearer sk-test');
    expect(req.body.model).toBe('fake-1');
    expect(req.body.response_format?.type).toBe('json_schema');
    expect(req.body.response_format?.json_schema?.schema.properties.label.enum).toEqual(['high', 'medium', 'low', 'not_sales']);
    const s = await summaryOutput(ctx('error'), '00Q1', CALL, summaryField);
    expect(s).toMatchObject({ ok: true, output: { name: 'summary', value: 'Budget $40k; proposal by Friday.', type: 'text' } });
  });

  it.each<[Mode, string]>([
    ['wrong-label', 'IR_FLOW_OUTPUT_INVALID'],
    ['too-long', 'IR_FLOW_OUTPUT_INVALID'],
    ['extra-key', 'IR_FLOW_OUTPUT_INVALID'],
    ['malformed', 'IR_LLM_BAD_RESPONSE'],
    ['prose', 'IR_LLM_BAD_RESPONSE'],
    ['refusal', 'IR_LLM_REFUSED'],
    ['slow', 'IR_LLM_UNAVAILABLE'],
    ['error500', 'IR_LLM_UNAVAILABLE'],
  ])('junk (%s) is a typed error %s naming record and field, never a value', async (m, code) => {
    mode = m;
    const r = await intentOutput(ctx('error'), '00Q2', EMAIL, intentField);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toContain('record 00Q2');
    expect(r.error.message).toContain('AI_Intent__c');
    expect(r.error.retryable).toBe(code === 'IR_LLM_UNAVAILABLE');
  });

  it.each<Mode>(['wrong-label', 'malformed', 'prose', 'refusal', 'slow', 'error500', 'too-long', 'extra-key'])(
    'junk (%s) with fallback: local: the local model answers, inside the picklist, and says so',
    async (m) => {
      mode = m;
      const r = await intentOutput(ctx('local'), '00Q3', EMAIL, intentField);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(['high', 'medium', 'low', 'not_sales']).toContain(r.output.value);
      expect(r.output.modelVersion).toMatch(/^nb-intent-/);
      expect(r.fellBack?.code).toMatch(/^IR_/);
      expect(r.output.reason).toContain('the LLM answer was not used');
    },
  );

  it('a summary longer than the field is rejected (error) or replaced by the extractive one (local)', async () => {
    mode = 'too-long';
    const e = await summaryOutput(ctx('error'), '00Q4', CALL, summaryField);
    expect(e.ok).toBe(false);
    const l = await summaryOutput(ctx('local'), '00Q4', CALL, summaryField);
    expect(l.ok).toBe(true);
    if (l.ok) {
      expect(String(l.output.value).length).toBeLessThanOrEqual(120);
      expect(l.output.modelVersion).toBe('extractive-1');
    }
  });

  it('the LLM path and the local classifier measured on the same realistic mail, in the same report', async () => {
    mode = 'good';
    const set = realisticInboundSet(21, 40).map((m) => ({ text: inboundText(m), label: m.intent }));
    const answers: (IntentLabel | null)[] = [];
    const before = seen.length;
    const llm = await measureIntent(
      set,
      async (text, i) => {
        const r = await intentOutput(ctx('error'), `m${i}`, text, intentField);
        const a = r.ok ? (r.output.value as IntentLabel) : null;
        answers[i] = a;
        return a;
      },
      8,
    );
    const local = await measureIntent(set, (t) => classifyIntent(bundledIntentModel(), t).label);
    expect(seen.length - before).toBe(40);
    for (const r of [llm, local]) {
      expect(r.n).toBe(40);
      expect(r.perClass.map((c) => c.label)).toEqual([...INTENT_LABELS]);
      for (const c of r.perClass) expect(c.recall.n).toBe(set.filter((x) => x.label === c.label).length);
    }
    // the LLM's figures are its answers, whatever they are
    for (const c of llm.perClass) expect(c.precision.n).toBe(answers.filter((a) => a === c.label).length);
    expect(llm.unanswered).toBe(answers.filter((a) => a === null).length);
    const text = [formatIntentReport('local', local), formatIntentReport('llm', llm)].join('\n');
    expect(text.match(/^(high|medium|low|not_sales) /gm)).toHaveLength(8);
  });

  it('an unreachable endpoint is retryable and unavailable', async () => {
    const c = textFlowContext({ provider: 'llm', llm: { baseURL: 'http://127.0.0.1:9/v1', model: 'x', timeoutMs: 500, fallback: 'error' } });
    const r = await intentOutput(c, '00Q5', EMAIL, intentField);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'IR_LLM_UNAVAILABLE', retryable: true });
  });
});

describe('local provider', () => {
  it('maps labels onto the field options by value, label or labelMap; a missing option is a typed error', async () => {
    const pipedriveIntent: FieldSchema = {
      ...intentField,
      name: 'a1b2c3',
      options: [
        { value: '31', label: 'Buying' },
        { value: '32', label: 'Researching' },
        { value: '33', label: 'Not interested' },
        { value: '34', label: 'Support' },
      ],
    };
    const ctx = textFlowContext({ labelMap: { high: 'Buying', medium: 'Researching', low: 'Not interested', not_sales: 'Support' } });
    const r = await intentOutput(ctx, '7', EMAIL, pipedriveIntent);
    expect(r).toMatchObject({ ok: true, output: { value: '31', type: 'picklist' } });
    const bare = await intentOutput(textFlowContext({}), '7', EMAIL, pipedriveIntent);
    expect(bare.ok).toBe(false);
    if (!bare.ok) expect(bare.error.message).toContain('settings.labelMap');
  });
});
