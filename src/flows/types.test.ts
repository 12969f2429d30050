import { describe, expect, it } from 'vitest';
import type { FieldSchema } from '../crm/types.js';
import { type FlowOutput, mapOutputs, validateOutput } from './types.js';

const field = (over: Partial<FieldSchema>): FieldSchema => ({
  name: 'f',
  label: 'F',
  type: 'string',
  crmType: 'x',
  required: false,
  writable: true,
  custom: true,
  ...over,
});
const intentField = field({
  name: 'ai_intent__c',
  type: 'picklist',
  options: ['high', 'medium', 'low', 'not_sales'].map((v) => ({ value: v, label: v[0].toUpperCase() + v.slice(1) })),
});
const out = (value: FlowOutput['value'], type: FlowOutput['type'] = 'picklist'): FlowOutput => ({ name: 'intent', value, type, modelVersion: 'm1' });

describe('validateOutput', () => {
  it.each<[string, FlowOutput, FieldSchema, boolean, string?]>([
    ['picklist value', out('high'), intentField, true],
    ['label instead of value', out('High'), intentField, false, 'not a defined option'],
    ['value outside picklist', out('urgent'), intentField, false, 'not a defined option'],
    ['number into picklist', out(3, 'integer'), intentField, false, 'cannot go into'],
    ['score in range', out(42, 'integer'), field({ type: 'number' }), true],
    ['score above range', out(142, 'integer'), field({ type: 'number' }), false, 'above 100'],
    ['fraction into integer', out(4.5, 'number'), field({ type: 'integer' }), false, 'cannot go into'],
    ['NaN', out(Number.NaN, 'integer'), field({ type: 'number' }), false, 'malformed'],
    ['too many decimals', out(4.125, 'number'), field({ type: 'currency', scale: 2 }), false, 'decimal place'],
    ['text fits', out('abc', 'text'), field({ type: 'text', maxLength: 3 }), true],
    ['text too long', out('abcd', 'text'), field({ type: 'text', maxLength: 3 }), false, '4 characters, the field holds 3'],
    ['read-only field', out('abc', 'text'), field({ type: 'text', writable: false }), false, 'read-only'],
    ['multi-select values', out(['a', 'b'], 'multipicklist'), field({ type: 'multipicklist', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] }), true],
    ['multi-select unknown', out(['a', 'z'], 'multipicklist'), field({ type: 'multipicklist', options: [{ value: 'a', label: 'A' }] }), false, '"z"'],
    ['null clears', out(null), intentField, true],
    ['null on required', out(null), { ...intentField, required: true }, false, 'required'],
    ['date', out('2026-01-31', 'date'), field({ type: 'date' }), true],
    ['bad date', out('31/01/2026', 'date'), field({ type: 'date' }), false, 'not a date'],
    ['boolean', out(true, 'boolean'), field({ type: 'boolean' }), true],
  ])('%s', (_name, o, f, ok, why) => {
    const r = validateOutput('00Q000000000001', o, f, { min: 0, max: 100 });
    expect(r.ok).toBe(ok);
    if (!r.ok) {
      expect(r.code).toBe('IR_FLOW_OUTPUT_INVALID');
      expect(r.message).toContain('record 00Q000000000001');
      expect(r.message).toContain(`field ${f.name}`);
      expect(r.message).toContain('expected');
      if (why) expect(r.message).toContain(why);
    }
  });

  it('names the defined options in the expectation', () => {
    const r = validateOutput('L1', out('urgent'), intentField);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.expected).toBe('one of [high, medium, low, not_sales]');
  });
});

describe('mapOutputs', () => {
  it('maps by config and reports unmapped outputs', () => {
    const r = mapOutputs('lead-score', [out(1, 'integer'), { ...out('x', 'text'), name: 'score_reason' }], { intent: 'ai_intent__c' });
    expect(r.mapped).toEqual([{ name: 'intent', field: 'ai_intent__c', value: 1, modelVersion: 'm1', flow: 'lead-score' }]);
    expect(r.unmapped).toEqual(['score_reason']);
  });
});
