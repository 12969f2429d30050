import { describe, expect, it } from 'vitest';
import { type InrecordConfig, configSchema } from '../config/index.js';
import type { FieldSchema, ObjectSchema } from '../crm/types.js';
import { memoryCrm } from '../writeback/testing/memory-crm.js';
import { checkConfig } from './check.js';

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

const contact = (): ObjectSchema => ({
  object: 'contacts',
  fields: [
    f('meetings', 'number'),
    f('body', 'text'),
    f('notes', 'string', { maxLength: 255 }),
    f('stage', 'picklist', { options: ['Hot', 'Warm', 'Cold'].map((v) => ({ value: v, label: v })) }),
  ],
});

function config(flows: unknown[]): Pick<InrecordConfig, 'flows' | 'objects'> {
  return configSchema.parse({ crm: { kind: 'hubspot', auth: { token: 't' } }, flows });
}

const scoring = (settings: unknown) => ({
  name: 'scoring',
  kind: 'scoring',
  object: 'contact',
  outputs: { score: 'meetings' },
  settings,
});
const errors = (r: { problems: { severity: string }[] }) => r.problems.filter((p) => p.severity === 'error');

describe('checkConfig', () => {
  it('fails a flow whose settings the flow would refuse at run time, naming the flow, the setting and the fix', async () => {
    const r = await checkConfig(
      memoryCrm({ schemas: { contact: contact() } }),
      config([scoring({ model: 'rules' })]),
    );
    expect(r.ok).toBe(false);
    expect(errors(r)).toEqual([
      expect.objectContaining({
        code: 'IR_CONFIG_INVALID',
        flow: 'scoring',
        setting: 'features',
        fix: expect.stringMatching(/settings\.features/),
      }),
    ]);
  });

  it('fails an output the flow never emits once, naming the outputs it does', async () => {
    const r = await checkConfig(
      memoryCrm({ schemas: { contact: contact() } }),
      config([
        {
          ...scoring({ features: { m: { field: 'meetings' } } }),
          outputs: { score: 'meetings', reason: 'ai_reason' },
        },
      ]),
    );
    expect(errors(r)).toEqual([
      expect.objectContaining({
        code: 'IR_CONFIG_INVALID',
        flow: 'scoring',
        output: 'reason',
        message: expect.stringMatching(/emits score, score_reason/),
      }),
    ]);
  });

  it('fails a setting that names a field the object does not have', async () => {
    const r = await checkConfig(
      memoryCrm({ schemas: { contact: contact() } }),
      config([scoring({ features: { m: { field: 'meetings' }, v: { field: 'visits' } } })]),
    );
    expect(errors(r)).toEqual([
      expect.objectContaining({
        code: 'IR_FIELD_NOT_FOUND',
        flow: 'scoring',
        setting: 'features.v.field',
        field: 'visits',
      }),
    ]);
  });

  it('fails a text flow whose default text field the object does not have', async () => {
    const r = await checkConfig(
      memoryCrm({ schemas: { contact: contact() } }),
      config([
        {
          name: 'sum',
          kind: 'summary',
          object: 'contact',
          outputs: { summary: 'notes' },
          settings: { textField: 'nope' },
        },
      ]),
    );
    expect(errors(r)).toEqual([expect.objectContaining({ setting: 'textField', field: 'nope' })]);
  });

  it('fails intent on a text field and labelMap targets that are not options', async () => {
    const crm = memoryCrm({ schemas: { contact: contact() } });
    const onText = await checkConfig(
      crm,
      config([{ name: 'intent', kind: 'intent', object: 'contact', outputs: { intent: 'notes' } }]),
    );
    expect(errors(onText)).toEqual([
      expect.objectContaining({ code: 'IR_FIELD_TYPE_MISMATCH', flow: 'intent', output: 'intent' }),
    ]);
    const mapped = await checkConfig(
      crm,
      config([
        {
          name: 'intent',
          kind: 'intent',
          object: 'contact',
          outputs: { intent: 'stage' },
          settings: { labelMap: { high: 'Hot', medium: 'Warm', low: 'Cold', not_sales: 'Spam' } },
        },
      ]),
    );
    expect(errors(mapped)).toEqual([
      expect.objectContaining({
        code: 'IR_FIELD_VALUE_INVALID',
        setting: 'labelMap',
        message: expect.stringMatching(/"not_sales" \(labelMap → "Spam"\)/),
      }),
    ]);
  });

  it('--fix creates the fields of the types the flows write: a picklist with the intent options, dates and counts for usage', async () => {
    const crm = memoryCrm({ schemas: { contact: contact() }, canCreateFields: true });
    const cfg = config([
      { name: 'intent', kind: 'intent', object: 'contact', outputs: { intent: 'ai_intent' } },
      {
        name: 'usage',
        kind: 'usage',
        object: 'contact',
        outputs: { last_active: 'usage_last_active', events_30d: 'usage_events', trend: 'usage_trend' },
      },
    ]);
    const r = await checkConfig(crm, cfg, { fix: true });
    const made = Object.fromEntries(r.created.map((c) => [c.field.name, c.field]));
    expect(made.ai_intent).toMatchObject({
      type: 'picklist',
      options: ['high', 'medium', 'low', 'not_sales'].map((v) => ({ value: v, label: v })),
    });
    expect(made.usage_last_active?.type).toBe('date');
    expect(made.usage_events?.type).toBe('integer');
    expect(made.usage_trend?.type).toBe('picklist');
    expect(r.notCreated).toEqual([]);
    expect(errors(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('--fix creates the intent picklist with the labelMap targets as options', async () => {
    const crm = memoryCrm({ schemas: { contact: contact() }, canCreateFields: true });
    const r = await checkConfig(
      crm,
      config([
        {
          name: 'intent',
          kind: 'intent',
          object: 'contact',
          outputs: { intent: 'ai_intent' },
          settings: { labelMap: { high: 'Hot', medium: 'Warm', low: 'Cold', not_sales: 'Other' } },
        },
      ]),
      { fix: true },
    );
    expect(r.created[0]?.field.options?.map((o) => o.value)).toEqual(['Hot', 'Warm', 'Cold', 'Other']);
    expect(r.ok).toBe(true);
  });

  it('warns when a checkbox label (false on open records too) has no decided filter', async () => {
    const schema = { ...contact(), fields: [...contact().fields, f('converted', 'boolean'), f('status', 'string')] };
    const warned = await checkConfig(memoryCrm({ schemas: { contact: schema } }), config([scoring({ features: { m: { field: 'meetings' } }, label: { field: 'converted' } })]));
    expect(warned.ok).toBe(true);
    expect(warned.problems.filter((p) => p.severity === 'warning' && p.setting === 'label')).toEqual([
      expect.objectContaining({ flow: 'scoring', setting: 'label', field: 'converted', fix: expect.stringMatching(/label\.decided/) }),
    ]);
    const decided = await checkConfig(
      memoryCrm({ schemas: { contact: schema } }),
      config([scoring({ features: { m: { field: 'meetings' } }, label: { field: 'converted', decided: { field: 'status', values: ['Closed'] } } })]),
    );
    expect(decided.problems.filter((p) => p.setting === 'label')).toEqual([]);
  });
});

describe('checkConfig and webhooks', () => {
  const flows = [scoring({ model: 'rules', features: { meetings: { field: 'meetings', type: 'number' } }, rules: [] })];
  it('warns, with the fix, when the connection cannot verify a delivery', async () => {
    const r = await checkConfig(
      memoryCrm({ schemas: { contact: contact() }, unverifiable: { reason: 'no webhooks.secret configured', fix: 'Set crm.webhooks.secret.' } }),
      config(flows),
    );
    expect(r.problems.filter((p) => p.config === 'crm.webhooks')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'IR_WEBHOOK_SIGNATURE',
        message: expect.stringMatching(/webhooks cannot be verified: no webhooks\.secret configured; .*refuses every delivery \(401\)/),
        fix: 'Set crm.webhooks.secret.',
      }),
    ]);
    // a warning: the config still runs, on polling
    expect(errors(r)).toEqual([]);
  });

  it('says nothing about webhooks when deliveries can be verified', async () => {
    const r = await checkConfig(memoryCrm({ schemas: { contact: contact() } }), config(flows));
    expect(r.problems.filter((p) => p.config === 'crm.webhooks')).toEqual([]);
  });
});
