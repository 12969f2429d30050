import { describe, expect, it } from 'vitest';
import { type InrecordConfig, configSchema } from '../config/index.js';
import type { FieldSchema, ObjectSchema } from '../crm/types.js';
import { checkLive, checkMapping } from './check.js';
import { memoryCrm } from './testing/memory-crm.js';

const f = (name: string, type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name,
  label: name,
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
  ...extra,
});

const contact: ObjectSchema = {
  object: 'contacts',
  fields: [
    f('lead_score', 'number'),
    f('lead_score_stamp', 'string', { maxLength: 255 }),
    f('intent', 'picklist', { options: [{ value: 'buying', label: 'Buying' }, { value: 'browsing', label: 'Browsing' }] }),
    f('summary', 'text'),
    f('jobtitle', 'string'),
    f('createdate', 'datetime', { writable: false }),
    f('is_customer', 'boolean'),
  ],
};

function config(over: { flows?: unknown[]; objects?: unknown }): Pick<InrecordConfig, 'flows' | 'objects'> {
  return configSchema.parse({ crm: { kind: 'hubspot', auth: { token: 't' } }, flows: over.flows ?? [], objects: over.objects ?? {} });
}

const base = {
  objects: {
    contact: {
      fields: {
        lead_score: { owner: 'ai', stamp: 'lead_score_stamp' },
        intent: { owner: 'hybrid', onConflict: 'flag' },
        summary: { owner: 'hybrid' },
        jobtitle: { owner: 'rep' },
      },
    },
  },
};

const scoring = (outputs: Record<string, string>, settings: Record<string, unknown> = {}) => ({ name: 'scoring', kind: 'scoring', object: 'contact', outputs, settings });

describe('checkMapping', () => {
  it('passes a mapping that fits', () => {
    const p = checkMapping(config({ ...base, flows: [scoring({ score: 'lead_score' }), { name: 'intent', kind: 'intent', object: 'contact', outputs: { intent: 'intent' }, settings: { labels: ['buying', 'Browsing'] } }] }), { contact });
    expect(p.filter((x) => x.severity === 'error')).toEqual([]);
  });

  const cases: [string, Record<string, string>, Record<string, unknown>, string, RegExp][] = [
    ['output mapped to a rep field', { score: 'jobtitle' }, {}, 'IR_FIELD_OWNED_BY_REP', /owned by rep/],
    ['unknown field, with a suggestion', { score: 'lead_scor' }, {}, 'IR_FIELD_NOT_FOUND', /did you mean lead_score/],
    ['read-only field', { score: 'createdate' }, {}, 'IR_FIELD_READ_ONLY', /read-only/],
    ['number output into a boolean field', { score: 'is_customer' }, {}, 'IR_FIELD_TYPE_MISMATCH', /the output is integer, the field is boolean/],
    ['text output into a picklist', { score_reason: 'intent' }, {}, 'IR_FIELD_TYPE_MISMATCH', /text, the field is picklist/],
  ];
  it.each(cases)('%s', (_n, outputs, settings, code, msg) => {
    const p = checkMapping(config({ ...base, flows: [scoring(outputs, settings)] }), { contact }).filter((x) => x.severity === 'error');
    expect(p).toHaveLength(1);
    expect(p[0].code).toBe(code);
    expect(p[0].message).toMatch(msg);
    expect(p[0].object).toBe('contact');
    expect(p[0].fix.length).toBeGreaterThan(5);
  });

  it('catches flow values that are not picklist options', () => {
    const p = checkMapping(config({ ...base, flows: [{ name: 'intent', kind: 'intent', object: 'contact', outputs: { intent: 'intent' }, settings: { labels: ['buying', 'churning'] } }] }), { contact });
    expect(p.find((x) => x.severity === 'error')?.message).toMatch(/"churning" are not options/);
  });

  it('reports a missing stamp field and a rule for an unknown field, with what --fix would create', () => {
    const p = checkMapping(config({ objects: { contact: { fields: { lead_score: { owner: 'ai', stamp: 'score_stamp' }, nope: { owner: 'ai' } } } } }), { contact });
    expect(p.map((x) => [x.field, x.code])).toEqual([
      ['score_stamp', 'IR_FIELD_NOT_FOUND'],
      ['nope', 'IR_FIELD_NOT_FOUND'],
    ]);
    expect(p[0].create).toEqual({ name: 'score_stamp', label: 'Score stamp', type: 'string', maxLength: 255 });
  });

  it('warns about a mapped field with no ownership rule', () => {
    const p = checkMapping(config({ flows: [scoring({ score: 'lead_score' })] }), { contact });
    expect(p).toEqual([expect.objectContaining({ severity: 'warning', field: 'lead_score' })]);
  });

  it('flags two outputs writing the same field', () => {
    const p = checkMapping(config({ ...base, flows: [scoring({ score: 'lead_score', risk: 'lead_score' })] }), { contact });
    expect(p.some((x) => x.severity === 'error' && /also written by/.test(x.message))).toBe(true);
  });
});

describe('checkLive', () => {
  it('creates missing fields with --fix, prints them, and then passes', async () => {
    const crm = memoryCrm({ schemas: { contact: structuredClone(contact) }, canCreateFields: true });
    const cfg = config({ objects: { contact: { fields: { ai_score: { owner: 'ai', stamp: 'ai_score_stamp' } } } }, flows: [scoring({ score: 'ai_score' })] });
    const before = await checkLive(crm, cfg);
    expect(before.ok).toBe(false);
    expect(crm.counters.createField).toBe(0);
    const fixed = await checkLive(crm, cfg, { fix: true });
    expect(fixed.created.map((c) => [c.field.name, c.field.type])).toEqual([
      ['ai_score_stamp', 'string'],
      ['ai_score', 'integer'],
    ]);
    expect(fixed.ok).toBe(true);
  });

  it('reports what it could not create where the CRM does not allow it', async () => {
    const crm = memoryCrm({ schemas: { contact: structuredClone(contact) }, canCreateFields: false });
    const r = await checkLive(crm, config({ flows: [scoring({ score: 'ai_score' })] }), { fix: true });
    expect(r.ok).toBe(false);
    expect(r.notCreated).toEqual([expect.objectContaining({ code: 'IR_CRM_UNSUPPORTED' })]);
  });
});
