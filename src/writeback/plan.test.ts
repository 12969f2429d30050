import { describe, expect, it } from 'vitest';
import type { FieldRule } from '../config/index.js';
import { cardOf } from '../crm/registry.js';
import type { CrmRecord, FieldChange, FieldSchema, ObjectSchema } from '../crm/types.js';
import { countActions, holdBeforeFirstWrite, planContext, planWrites, type PlanInput } from './plan.js';
import type { FlowOutput } from './types.js';

const field = (name: string, type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name,
  label: name,
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
  ...extra,
});

const schema: ObjectSchema = {
  object: 'contacts',
  fields: [
    field('score', 'integer'),
    field('tier', 'picklist', { options: [{ value: 'a', label: 'A tier' }, { value: 'b', label: 'B tier' }] }),
    field('summary', 'text', { maxLength: 20 }),
    field('notes', 'text'),
    field('title', 'string'),
    field('created', 'datetime', { writable: false }),
    field('score_stamp', 'string', { maxLength: 40 }),
    field('segment', 'string'),
    field('region', 'string'),
    field('grade', 'string'),
    field('grade_stamp', 'string', { maxLength: 80 }),
    // Pipedrive: custom fields have 40-hex keys and are addressed by label
    field('a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'string', { label: 'Intent' }),
    field('dup1', 'string', { label: 'Twin' }),
    field('dup2', 'string', { label: 'Twin' }),
  ],
};

const rules: Record<string, FieldRule> = {
  score: { owner: 'ai', onConflict: 'flag', firstWrite: 'protect', truncate: false, stamp: 'score_stamp' },
  tier: { owner: 'hybrid', onConflict: 'flag', firstWrite: 'protect', truncate: false },
  summary: { owner: 'hybrid', onConflict: 'skip', firstWrite: 'protect', truncate: true },
  notes: { owner: 'hybrid', onConflict: 'overwrite', firstWrite: 'protect', truncate: false },
  title: { owner: 'rep', onConflict: 'flag', firstWrite: 'protect', truncate: false },
  Intent: { owner: 'ai', onConflict: 'flag', firstWrite: 'protect', truncate: false },
  segment: { owner: 'hybrid', onConflict: 'flag', firstWrite: 'overwrite', truncate: false },
  region: { owner: 'hybrid', onConflict: 'flag', firstWrite: 'protect', truncate: false },
  grade: { owner: 'hybrid', onConflict: 'flag', firstWrite: 'protect', truncate: false, stamp: 'grade_stamp' },
};

const ctx = planContext('contact', schema, rules);
const READ = '2026-11-28T09:00:00.000Z';
const NOW = '2026-11-28T09:05:00.000Z';

const record: CrmRecord = {
  id: 'c1',
  object: 'contacts',
  modifiedAt: READ,
  fields: { score: 40, tier: 'b', summary: 'old', notes: 'n', title: 'CEO', created: READ, score_stamp: null, segment: 'smb', region: null, grade: 'B', grade_stamp: null },
};

const out = (f: string, value: FlowOutput['value'], extra: Partial<FlowOutput> = {}): FlowOutput => ({
  name: f,
  field: f,
  value,
  flow: 'scoring',
  ...extra,
});

const human = (f: string, at: string, value: FieldChange['value'] = 'rep'): FieldChange => ({
  id: 'c1',
  field: f,
  value,
  at,
  actor: 'human',
  userId: 'u7',
});

const BEFORE = '2026-11-28T08:00:00.000Z';
const AFTER = '2026-11-28T09:01:00.000Z';
/** inrecord last wrote the field at 08:30: what follows is not its first write. */
const WROTE = { tier: '2026-11-28T08:30:00.000Z', summary: '2026-11-28T08:30:00.000Z' };
const by = (actor: FieldChange['actor'], f: string, at = BEFORE): FieldChange => ({ id: 'c1', field: f, value: 'x', at, actor, userId: null });

type Row = [string, FlowOutput, FieldChange[] | null, string, string, Partial<PlanInput>?];
const table: Row[] = [
  ['ai field changed → write', out('score', 80), [], 'write', 'changed'],
  ['ai field equal → unchanged', out('score', '40'), [], 'unchanged', 'equal-after-normalisation'],
  ['ai field human edit after read → still write (ai owns it)', out('score', 80), [human('score', AFTER, 10)], 'write', 'changed'],
  ['hybrid, human edit before the AI last wrote the field → write', out('tier', 'a'), [human('tier', BEFORE)], 'write', 'changed', { fieldReadAt: WROTE }],
  // before inrecord's first write to a hybrid field, a person's value is theirs
  ['hybrid flag, first write over a value a person set before the read → flagged', out('tier', 'a'), [human('tier', BEFORE)], 'flagged', 'human-value-before-first-write'],
  ['hybrid skip, first write over a value a person set → conflict_skipped', out('summary', 'new'), [human('summary', BEFORE)], 'conflict_skipped', 'human-value-before-first-write'],
  ['hybrid overwrite, first write over a value a person set → write', out('notes', 'AI'), [human('notes', BEFORE)], 'write', 'conflict-overwritten'],
  ['hybrid, first write over a value an integration set → write', out('tier', 'a'), [by('integration', 'tier')], 'write', 'changed'],
  ['hybrid, first write over an imported value → write', out('tier', 'a'), [by('import', 'tier')], 'write', 'changed'],
  ['hybrid, first write over a value the CRM set itself → write', out('tier', 'a'), [by('system', 'tier')], 'write', 'changed'],
  ['hybrid, first write over a value with no history → flagged (firstWrite: protect)', out('tier', 'a'), [], 'flagged', 'untracked-value-before-first-write'],
  ['hybrid, first write over a value with no history → write (firstWrite: overwrite)', out('segment', 'enterprise'), [], 'write', 'changed'],
  ['hybrid firstWrite overwrite still keeps a value a person set', out('segment', 'enterprise'), [human('segment', BEFORE)], 'flagged', 'human-value-before-first-write'],
  ['hybrid, first write into an empty field → write', out('region', 'emea'), [human('region', BEFORE, null)], 'write', 'changed'],
  ['hybrid, first write into an empty field with no history → write', out('region', 'emea'), [], 'write', 'changed'],
  ['hybrid, a later write over a value with no history → write', out('tier', 'a'), [], 'write', 'changed', { fieldReadAt: WROTE }],
  ['hybrid, history not read yet → write (apply plans again with it before writing)', out('tier', 'a'), null, 'write', 'changed'],
  ['hybrid, human edit in the same second as the read → flagged (second-precision clocks)', out('tier', 'a'), [human('tier', '2026-11-28T08:59:59.500Z')], 'flagged', 'human-edit-since-read'],
  ['hybrid, integration edit after read → write', out('tier', 'a'), [{ ...human('tier', AFTER), actor: 'integration' }], 'write', 'changed'],
  ['hybrid flag, human edit after read → flagged', out('tier', 'A tier'), [human('tier', AFTER, 'b')], 'flagged', 'human-edit-since-read'],
  ['hybrid skip, human edit after read → conflict_skipped', out('summary', 'new'), [human('summary', AFTER)], 'conflict_skipped', 'human-edit-since-read'],
  ['hybrid overwrite, human edit after read → write', out('notes', 'AI'), [human('notes', AFTER)], 'write', 'conflict-overwritten'],
  ['hybrid equal to the rep value → unchanged', out('tier', 'b'), [human('tier', AFTER, 'b')], 'unchanged', 'equal-after-normalisation'],
  ['rep field → rejected', out('title', 'CTO'), [], 'rejected', 'owned-by-rep'],
  ['read-only field → rejected', out('created', NOW), [], 'rejected', 'field-read-only'],
  ['unknown field → rejected', out('scroe', 1), [], 'rejected', 'field-not-found'],
  ['ambiguous label → rejected', out('Twin', 'x'), [], 'rejected', 'field-label-ambiguous'],
  ['type mismatch → rejected', out('score', true), [], 'rejected', 'type-mismatch'],
  ['invalid value → rejected', out('score', 4.5), [], 'rejected', 'value-invalid'],
  ['unknown picklist value → rejected', out('tier', 'z'), [], 'rejected', 'value-invalid'],
  ['field by label (Pipedrive key) → write', out('Intent', 'buying'), [], 'write', 'changed'],
];

describe('planWrites', () => {
  it.each(table)('%s', (_n, o, history, action, reason, extra) => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history, outputs: [o], readAt: READ, now: NOW, ...extra });
    const main = plan.decisions.find((d) => !d.stampFor);
    expect(main?.action).toBe(action);
    expect(main?.reason).toBe(reason);
    if (action === 'write') expect(plan.update).toHaveProperty(main?.field ?? '');
    else expect(plan.update?.[main?.field ?? ''] ?? undefined).toBeUndefined();
  });

  it('names record, field, value and expected type in a rejection', () => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('score', 'high')], readAt: READ, now: NOW });
    expect(plan.decisions[0]).toMatchObject({ code: 'IR_FIELD_VALUE_INVALID' });
    expect(plan.decisions[0].message).toMatch(/contact c1.*"high".*"score".*whole number/);
  });

  it('records the rep value, who and when on a conflict', () => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history: [human('tier', AFTER, 'b')], outputs: [out('tier', 'a')], readAt: READ, now: NOW });
    expect(plan.decisions[0].conflict).toEqual({ repValue: 'b', by: 'u7', at: AFTER });
    expect(plan.decisions[0]).toMatchObject({ before: 'b', after: 'a' });
  });

  it("finds a person's change recorded under another form of the record's id (its CRM card's aliases)", () => {
    const short = '003R00000000001';
    const rec = { ...record, id: short };
    const history = [{ ...human('tier', AFTER, 'b'), id: '003R00000000001IAA' }];
    const input = { recordId: short, record: rec, history, outputs: [out('tier', 'a')], readAt: READ, now: NOW };
    // one form of an id per record (the default): an entry under another id is another record's,
    // so who set the value is not known
    expect(planWrites(planContext('contact', schema, rules), input).decisions[0].conflict).toEqual({ repValue: 'b', by: null, at: null });
    const sf = planContext('contact', schema, rules, cardOf('salesforce').ids.aliases);
    expect(planWrites(sf, input).decisions[0].conflict).toEqual({ repValue: 'b', by: 'u7', at: AFTER });
  });

  it('uses a per-field read time over the record read time: a rep edit made after the AI last wrote the field is flagged, even when this run read the record after the edit', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record,
      history: [human('tier', AFTER)],
      outputs: [out('tier', 'a')],
      readAt: '2026-11-28T10:00:00.000Z',
      fieldReadAt: { tier: READ },
      now: NOW,
    });
    expect(plan.decisions[0].action).toBe('flagged');
    // an edit before the AI's last write was seen and overwritten then: no conflict now
    const old = planWrites(ctx, { recordId: 'c1', record, history: [human('tier', '2026-11-28T08:00:00.000Z')], outputs: [out('tier', 'a')], readAt: '2026-11-28T10:00:00.000Z', fieldReadAt: { tier: READ }, now: NOW });
    expect(old.decisions[0].action).toBe('write');
  });

  it('writes a stamp with the field, never alone', () => {
    const written = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('score', 90, { modelVersion: 'v3', confidence: 0.87 })], readAt: READ, now: NOW });
    expect(written.update).toEqual({ score: 90, score_stamp: 'AI · scoring · model v3 · confidence 0.87 · 2026-11-28 09:05 UTC'.slice(0, 40) });
    expect(written.decisions.find((d) => d.stampFor === 'score')).toMatchObject({ action: 'write', reason: 'stamp' });
    const same = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('score', 40)], readAt: READ, now: NOW });
    expect(same.update).toBeNull();
    expect(same.decisions).toHaveLength(1);
  });

  it('truncates only where the rule allows it', () => {
    const long = 'x'.repeat(30);
    const cut = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('summary', long)], readAt: READ, fieldReadAt: WROTE, now: NOW });
    expect(cut.decisions[0]).toMatchObject({ action: 'write', truncated: true, after: 'x'.repeat(20) });
  });

  it('rejects every output of a record the CRM no longer has', () => {
    const plan = planWrites(ctx, { recordId: 'gone', record: null, history: [], outputs: [out('score', 1), out('tier', 'a')], readAt: READ, now: NOW });
    expect(plan.decisions.map((d) => d.reason)).toEqual(['record-not-found', 'record-not-found']);
    expect(plan.update).toBeNull();
  });

  it('rejects a second output for the same field', () => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('score', 1), out('score', 2, { name: 'other' })], readAt: READ, now: NOW });
    expect(plan.decisions.filter((d) => !d.stampFor).map((d) => d.action)).toEqual(['write', 'rejected']);
    expect(plan.update?.score).toBe(1);
  });

  it('ignores history of other records', () => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history: [{ ...human('tier', AFTER), id: 'c2' }], outputs: [out('tier', 'a')], readAt: READ, fieldReadAt: { tier: READ }, now: NOW });
    expect(plan.decisions[0].action).toBe('write');
  });

  it('counts actions', () => {
    const plan = planWrites(ctx, { recordId: 'c1', record, history: [], outputs: [out('score', 1), out('title', 'x'), out('tier', 'b')], readAt: READ, now: NOW });
    expect(countActions([plan])).toEqual({ write: 1, unchanged: 1, conflict_skipped: 0, flagged: 0, rejected: 1 });
  });
});

describe('a value in a hybrid field before inrecord first writes it', () => {
  it.each([
    ['empty', null, undefined, 'protect', null],
    ['blank text', '  ', undefined, 'protect', null],
    ['empty list', [], undefined, 'protect', null],
    ['a person set it', 7, human('score', BEFORE, 7), 'protect', 'human-value-before-first-write'],
    [
      'a person set it, firstWrite overwrite',
      7,
      human('score', BEFORE, 7),
      'overwrite',
      'human-value-before-first-write',
    ],
    ['an integration set it', 7, by('integration', 'score'), 'protect', null],
    ['an import set it', 7, by('import', 'score'), 'protect', null],
    ['the CRM set it', 7, by('system', 'score'), 'protect', null],
    ['no history, firstWrite protect', 7, undefined, 'protect', 'untracked-value-before-first-write'],
    ['no history, firstWrite overwrite', 7, undefined, 'overwrite', null],
  ] as const)('%s', (_n, before, change, firstWrite, reason) => {
    const hold = holdBeforeFirstWrite(before as never, change, firstWrite);
    expect(hold?.reason ?? null).toBe(reason);
    if (hold) expect(hold.conflict.repValue).toEqual(before);
  });

  it('keeps a value a rep set in the CRM before any AI write, names who and when, and says so in the message', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record: { ...record, fields: { ...record.fields, tier: 'b' } },
      history: [human('tier', BEFORE, 'b')],
      outputs: [out('tier', 'a')],
      readAt: READ,
      now: NOW,
    });
    expect(plan.update).toBeNull();
    expect(plan.decisions[0]).toMatchObject({
      action: 'flagged',
      reason: 'human-value-before-first-write',
      before: 'b',
      after: 'a',
      conflict: { repValue: 'b', by: 'u7', at: BEFORE },
    });
    expect(plan.decisions[0].message).toMatch(
      /contact c1: field "tier" holds "b", set by user u7 at 2026-11-28T08:00:00.000Z before inrecord first wrote the field; the AI value "a" was sent to the review queue/,
    );
  });

  it('says what to change when the CRM keeps no history of the field', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record,
      history: [],
      outputs: [out('summary', 'new')],
      readAt: READ,
      now: NOW,
    });
    expect(plan.decisions[0]).toMatchObject({
      action: 'conflict_skipped',
      reason: 'untracked-value-before-first-write',
      conflict: { repValue: 'old', by: null, at: null },
    });
    expect(plan.decisions[0].message).toMatch(/no history of who set it.*skipped.*firstWrite: overwrite/);
  });
});

describe('the stamp of a field whose person value stays', () => {
  const AI_STAMP = 'AI · scoring · 2026-11-27 10:00 UTC';
  const withStamp = (stamp: string | null): CrmRecord => ({
    ...record,
    fields: { ...record.fields, grade_stamp: stamp },
  });

  it('is rewritten as a person stamp when it still says AI, and never written as AI', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record: withStamp(AI_STAMP),
      history: [human('grade', BEFORE, 'B')],
      outputs: [out('grade', 'A')],
      readAt: READ,
      now: NOW,
    });
    expect(plan.decisions.find((d) => !d.stampFor)).toMatchObject({
      action: 'flagged',
      reason: 'human-value-before-first-write',
    });
    expect(plan.decisions.find((d) => d.stampFor === 'grade')).toMatchObject({
      action: 'write',
      reason: 'stamp-person-value',
      before: AI_STAMP,
    });
    expect(plan.update).toEqual({
      grade_stamp: 'Person · user u7 · 2026-11-28 08:00 UTC · AI value not written',
    });
    // the stamp rides along; the field itself counts as flagged, nothing as written
    expect(countActions([plan])).toMatchObject({ write: 0, flagged: 1 });
  });

  it('is rewritten too when a person edited the field after an AI write', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record: withStamp(AI_STAMP),
      history: [human('grade', AFTER, 'B')],
      outputs: [out('grade', 'A')],
      readAt: READ,
      fieldReadAt: { grade: BEFORE },
      now: NOW,
    });
    expect(plan.decisions[0]).toMatchObject({ action: 'flagged', reason: 'human-edit-since-read' });
    expect(plan.update).toEqual({
      grade_stamp: 'Person · user u7 · 2026-11-28 09:01 UTC · AI value not written',
    });
  });

  it('says nothing of a person it cannot name when the field has no history', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record: withStamp(AI_STAMP),
      history: [],
      outputs: [out('grade', 'A')],
      readAt: READ,
      now: NOW,
    });
    expect(plan.update).toEqual({ grade_stamp: 'Person · AI value not written' });
  });

  it('is left alone when it does not claim AI (empty, or already a person stamp)', () => {
    for (const stamp of [null, 'Person · user u7 · 2026-11-28 08:00 UTC · AI value not written']) {
      const plan = planWrites(ctx, {
        recordId: 'c1',
        record: withStamp(stamp),
        history: [human('grade', BEFORE, 'B')],
        outputs: [out('grade', 'A')],
        readAt: READ,
        now: NOW,
      });
      expect(plan.update).toBeNull();
      expect(plan.decisions.filter((d) => d.stampFor)).toEqual([]);
    }
  });

  it('is an AI stamp when the AI value is written (no person value)', () => {
    const plan = planWrites(ctx, {
      recordId: 'c1',
      record: withStamp(null),
      history: [by('integration', 'grade')],
      outputs: [out('grade', 'A')],
      readAt: READ,
      now: NOW,
    });
    expect(plan.update?.grade).toBe('A');
    expect(String(plan.update?.grade_stamp)).toMatch(/^AI · scoring · /);
  });
});
