import { describe, expect, it } from 'vitest';
import type { LedgerRow } from '../writeback/index.js';
import { describeRecord } from './record-log.js';

const row = (r: Partial<LedgerRow>): LedgerRow => ({
  run_id: 'run_1',
  crm: 'hubspot',
  object: 'contact',
  record_id: '155',
  field: 'inrecord_score',
  before_value: null,
  after_value: null,
  outcome: 'written',
  reason: null,
  flow: 'lead-scoring',
  output: 'score',
  code: null,
  message: null,
  written_at: null,
  stamp_for: null,
  ...r,
});

describe('describeRecord', () => {
  it('says per flow what was written, before → after, and leaves stamps out of the list', () => {
    const line = describeRecord('contact', '155', [
      row({ before_value: 10, after_value: 25 }),
      row({
        field: 'inrecord_score_reason',
        output: 'score_reason',
        outcome: 'unchanged',
        after_value: '+15 in conversation',
      }),
      row({ field: 'inrecord_stamp', stamp_for: 'inrecord_score', flow: null, after_value: 'AI · …' }),
    ]);
    expect(line.msg).toBe(
      'contact 155 · lead-scoring: wrote inrecord_score 10 → 25, inrecord_score_reason unchanged',
    );
    expect(line.written).toBe(1);
    expect(line.outcomes).toEqual({ written: 1, unchanged: 1 });
    expect(line.flows).toEqual(['lead-scoring']);
  });

  it('says why a field was not written', () => {
    const line = describeRecord('lead', '00Q1', [
      row({
        field: 'Title',
        outcome: 'conflict_skipped',
        reason: 'human-value-before-first-write',
        flow: 'enrich',
      }),
      row({
        field: 'Rating',
        outcome: 'rejected',
        reason: 'type',
        message: 'not a picklist option',
        code: 'IR_FIELD_VALUE_INVALID',
        flow: 'enrich',
      }),
    ]);
    expect(line.msg).toBe(
      'lead 00Q1 · enrich: kept Title (human-value-before-first-write), Rating rejected: not a picklist option (IR_FIELD_VALUE_INVALID)',
    );
    expect(line.written).toBe(0);
  });

  it('names a Pipedrive 40-hex key by its output, and says when there was nothing to write', () => {
    const hex = 'a'.repeat(40);
    expect(
      describeRecord('contact', '7', [
        row({ field: hex, output: 'score', after_value: 60, before_value: null }),
      ]).msg,
    ).toBe('contact 7 · lead-scoring: wrote score ∅ → 60');
    expect(describeRecord('contact', '7', []).msg).toBe('contact 7 · nothing to write');
  });

  it('cuts long text values short', () => {
    const long = 'x'.repeat(100);
    expect(describeRecord('contact', '1', [row({ field: 'reason', after_value: long })]).msg).toBe(
      `contact 1 · lead-scoring: wrote reason ∅ → "${'x'.repeat(37)}"…`,
    );
  });
});
