import { describe, expect, it } from 'vitest';
import { flowSchema } from '../config/schema.js';
import type { FieldSchema, ObjectSchema } from '../crm/types.js';
import { createFlowProcessor } from './run.js';
import { EXAMPLE_SCORING_SETTINGS } from './scoring/settings.js';

const f = (name: string, over: Partial<FieldSchema> = {}): FieldSchema => ({ name, label: name, type: 'string', crmType: 'x', required: false, writable: true, custom: true, ...over });
const schema: ObjectSchema = {
  object: 'Lead',
  fields: [
    f('AI_Score__c', { label: 'AI score', type: 'number', scale: 0 }),
    f('AI_Score_Reason__c', { type: 'text', maxLength: 255 }),
    f('AI_Intent__c', { type: 'picklist', options: ['high', 'medium', 'low', 'not_sales'].map((v) => ({ value: v, label: v })) }),
    f('AI_Summary__c', { type: 'text', maxLength: 200 }),
    f('NumberOfEmployees', { type: 'integer' }),
    f('Industry', { type: 'picklist', options: [{ value: 'Software', label: 'Software' }] }),
    f('Website', { type: 'url' }),
  ],
};
const now = () => new Date('2026-11-28T09:00:00.000Z');

describe('flow processor', () => {
  it('scoring without a store: rules, mapped by name or label, validated, unmapped outputs reported', async () => {
    const flow = flowSchema.parse({ name: 'lead-score', kind: 'scoring', object: 'lead', outputs: { score: 'AI score' }, settings: EXAMPLE_SCORING_SETTINGS });
    const p = await createFlowProcessor(flow, { schema, now });
    expect(p.explanation).toMatch(/^rules model/);
    const r = await p.process({ id: '00Q1', fields: { meetings_30d: 3, seniority: 'VP' } });
    expect(r.outputs).toEqual([{ name: 'score', field: 'AI_Score__c', value: expect.any(Number), modelVersion: p.modelVersion, flow: 'lead-score' }]);
    expect(r.skipped).toEqual([{ output: 'score_reason', field: null, reason: 'not mapped to a field in the flow’s outputs' }]);
  });

  it('invalid scoring settings name the flow and key', async () => {
    const flow = flowSchema.parse({ name: 'bad', kind: 'scoring', object: 'lead', settings: { features: {}, rules: [{ feature: 'x', points: 1 }] } });
    await expect(createFlowProcessor(flow, { schema, now })).rejects.toMatchObject({ code: 'IR_CONFIG_INVALID', message: expect.stringContaining('flow bad: settings.rules') });
  });

  it('intent and summary from a text field; a missing field is a rejection, empty text a skip', async () => {
    const intent = await createFlowProcessor(flowSchema.parse({ name: 'intent', kind: 'intent', object: 'lead', outputs: { intent: 'AI_Intent__c' }, settings: { textField: 'Description' } }), { schema, now });
    const r = await intent.process({ id: '00Q2', fields: { Description: 'Please send a quote for 20 seats, we want to sign this month.' } });
    expect(r.outputs[0]).toMatchObject({ field: 'AI_Intent__c', value: 'high' });
    expect((await intent.process({ id: '00Q3', fields: { Description: '' } })).skipped[0].reason).toBe('no text in Description');
    const missing = await createFlowProcessor(flowSchema.parse({ name: 'intent2', kind: 'intent', object: 'lead', outputs: { intent: 'Nope__c' } }), { schema, now });
    expect((await missing.process({ id: '00Q4', fields: { body: 'hello' } })).rejected[0]).toMatchObject({ code: 'IR_FIELD_NOT_FOUND', field: 'Nope__c' });
    const summary = await createFlowProcessor(flowSchema.parse({ name: 'sum', kind: 'summary', object: 'lead', outputs: { summary: 'AI_Summary__c' } }), { schema, now });
    const s = await summary.process({ id: '00Q5', fields: { body: 'We agreed on a pilot. Next step: I will send the contract by Friday. Budget is $20k.' } });
    expect(String(s.outputs[0].value).length).toBeLessThanOrEqual(200);
  });

  it('enrichment: writes what fits, rejects what does not, reports what it kept', async () => {
    const flow = flowSchema.parse({
      name: 'firmo',
      kind: 'enrichment',
      object: 'lead',
      outputs: { employee_count: 'NumberOfEmployees', industry: 'Industry', revenue: 'AI_Summary__c' },
      settings: { keyField: 'Website' },
    });
    const p = await createFlowProcessor(flow, { schema, now });
    const r = await p.process({ id: '00Q6', fields: { Website: 'https://www.runproc.example.com', NumberOfEmployees: null, Industry: null } });
    expect(r.outputs.map((o) => o.field)).toEqual(['NumberOfEmployees']);
    const codes = r.rejected.map((x) => `${x.output}:${x.code}`).sort();
    // The derived industry may or may not be 'Software'; the unknown output is always a config error.
    expect(codes).toContain('revenue:IR_CONFIG_INVALID');
    const fresh = await p.process({ id: '00Q7', fields: { Website: 'runproc.example.com', NumberOfEmployees: 10, Industry: 'Software' } }, { stampedAt: { NumberOfEmployees: '2026-11-20T00:00:00Z', Industry: '2026-11-20T00:00:00Z' } });
    expect(fresh.outputs).toEqual([]);
    expect(fresh.skipped.map((s) => s.field)).toEqual(['NumberOfEmployees', 'Industry']);
  });
});

describe('deal-risk processor', () => {
  const deals: ObjectSchema = {
    object: 'Opportunity',
    fields: [
      f('Risk__c', { type: 'number' }),
      f('Risk_Level__c', { type: 'picklist', options: ['high', 'medium', 'low'].map((v) => ({ value: v, label: v })) }),
      f('Risk_Note__c', { type: 'text', maxLength: 500 }),
    ],
  };
  it('scores risk from pushes, stage age and silence, with a note that says why', async () => {
    const { EXAMPLE_DEAL_RISK_SETTINGS } = await import('./scoring/deal-risk.js');
    const flow = flowSchema.parse({ name: 'risk', kind: 'deal-risk', object: 'deal', outputs: { risk_score: 'Risk__c', risk_level: 'Risk_Level__c', risk_note: 'Risk_Note__c' }, settings: EXAMPLE_DEAL_RISK_SETTINGS });
    const p = await createFlowProcessor(flow, { schema: deals, now });
    const risky = await p.process({ id: '006A', fields: { close_date_pushes: 2, stage_entered_at: '2026-09-01', last_activity_at: null, close_date: '2026-11-20' } });
    expect(risky.rejected).toEqual([]);
    expect(risky.outputs.find((o) => o.name === 'risk_level')?.value).toBe('high');
    expect(risky.outputs.find((o) => o.name === 'risk_note')?.value).toMatch(/^Deal risk high \(\d+\/100\): \+25 close date passed 8 days ago; \+24 close date pushed two times; \+20 no activity on record\.$/);
    const calm = await p.process({ id: '006B', fields: { close_date_pushes: 0, stage_entered_at: '2026-11-20', last_activity_at: '2026-11-27', close_date: '2026-12-20' } });
    expect(calm.outputs.find((o) => o.name === 'risk_level')?.value).toBe('low');
  });
});
