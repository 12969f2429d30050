import { describe, expect, it } from 'vitest';
import { type FlowConfig, configSchema, exampleConfig, parseConfig } from '../config/index.js';
import type { FieldSchema } from '../crm/types.js';
import { InrecordError } from '../errors/index.js';
import { checkFlowDeclaration, checkOutputValues, declaredOutputs, flowSettingsOf } from './outputs.js';
import { createFlowProcessor } from './run.js';

const flow = (f: Record<string, unknown>): FlowConfig =>
  configSchema.parse({
    crm: { kind: 'hubspot', auth: { token: 't' } },
    flows: [{ name: 'f', object: 'contact', ...f }],
  }).flows[0] as FlowConfig;

const field = (
  type: FieldSchema['type'],
  options?: string[] | { value: string; label: string }[],
): FieldSchema => ({
  name: 'target',
  label: 'Target',
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
  ...(options ? { options: options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o)) } : {}),
});

const problems = (f: FlowConfig) => checkFlowDeclaration(f, declaredOutputs(f));

describe('a flow’s declaration', () => {
  it('names a setting the kind requires, with the flow and the fix', () => {
    const [p, ...rest] = problems(flow({ kind: 'scoring', outputs: { score: 'x' } }));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ code: 'IR_CONFIG_INVALID', flow: 'f', setting: 'features' });
    expect(p?.message).toBe('flow f: settings.features: missing (required)');
    expect(p?.fix).toMatch(/settings\.features: .*field: <CRM field>/);
  });

  it('names a setting the kind does not take, and lists the ones it does', () => {
    const [p] = problems(
      flow({ kind: 'intent', outputs: { intent: 'x' }, settings: { values: ['a', 'b'] } }),
    );
    expect(p).toMatchObject({ code: 'IR_CONFIG_INVALID', flow: 'f', setting: '' });
    expect(p?.fix).toMatch(
      /Remove settings\.values: the intent flow takes provider, llm, textField, labelMap/,
    );
  });

  it('refuses an output the kind never emits, naming the ones it does', () => {
    const ps = problems(
      flow({
        kind: 'scoring',
        outputs: { score: 's', reason: 'r' },
        settings: { features: { a: { field: 'a' } } },
      }),
    );
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ output: 'reason', field: 'r' });
    expect(ps[0]?.message).toMatch(
      /the scoring flow has no output "reason" \(it emits score, score_reason\)/,
    );
  });

  it('declares usage aggregates by type, so check --fix creates dates and numbers', () => {
    const d = declaredOutputs(flow({ kind: 'usage', object: 'company' }));
    expect(d).toMatchObject({
      last_active: { type: 'date' },
      events_30d: { type: 'integer' },
      feature_adoption: { type: 'number' },
      active_users_30d: { type: 'integer' },
    });
    expect(d?.trend?.values).toContain('rising');
  });

  it('declares intent values through labelMap', () => {
    const d = declaredOutputs(flow({ kind: 'intent', settings: { labelMap: { high: 'Buying' } } }));
    expect(d?.intent).toEqual({ type: 'category', values: ['Buying', 'medium', 'low', 'not_sales'] });
  });

  it.each(['hubspot', 'salesforce', 'pipedrive'] as const)(
    'holds for every flow of the %s example init writes',
    (kind) => {
      const cfg = parseConfig(exampleConfig(kind), {
        HUBSPOT_TOKEN: 't',
        SALESFORCE_INSTANCE_URL: 'https://x.my.salesforce.com',
        SALESFORCE_ACCESS_TOKEN: 't',
        PIPEDRIVE_API_TOKEN: 't',
      });
      expect(cfg.flows.length).toBeGreaterThan(0);
      for (const f of cfg.flows) expect(problems(f)).toEqual([]);
    },
  );
});

describe('settings a flow run refuses', () => {
  it('are a catalogue error naming the flow, the setting and the fix, not a raw schema dump', async () => {
    const f = flow({ kind: 'intent', outputs: { intent: 'x' }, settings: { values: ['a'] } });
    const err = await createFlowProcessor(f, { schema: { object: 'contacts', fields: [] } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InrecordError);
    expect((err as InrecordError).code).toBe('IR_CONFIG_INVALID');
    expect((err as InrecordError).message).toMatch(/^flow f: settings: /);
    expect((err as InrecordError).fix).toMatch(/Remove settings\.values/);
    expect(() => flowSettingsOf(flow({ kind: 'scoring' }))).toThrow(/flow f: settings\.features: missing/);
  });
});

describe('the values a category output writes, against its field', () => {
  const intent = (settings: Record<string, unknown> = {}) =>
    flow({ kind: 'intent', outputs: { intent: 'target' }, settings });
  const check = (f: FlowConfig, output: string, target: FieldSchema) =>
    checkOutputValues(f, output, declaredOutputs(f)?.[output] ?? { type: 'any' }, target);

  it('refuses intent on a text field: it has no options, so every output would be refused', () => {
    expect(check(intent(), 'intent', field('string'))).toMatchObject({
      code: 'IR_FIELD_TYPE_MISMATCH',
      flow: 'f',
      output: 'intent',
    });
  });

  it('names the labels a picklist has no option for, and labelMap as the fix', () => {
    const p = check(
      intent({ labelMap: { high: 'Buying', medium: 'Researching' } }),
      'intent',
      field('picklist', ['Buying', 'Researching', 'Support']),
    );
    expect(p).toMatchObject({ code: 'IR_FIELD_VALUE_INVALID', setting: 'labelMap' });
    expect(p?.message).toMatch(
      /"low", "not_sales" are not an option of the field \(options: Buying, Researching, Support\)/,
    );
    expect(p?.fix).toMatch(/settings\.labelMap/);
  });

  it('refuses a labelMap target that is not an option', () => {
    const p = check(
      intent({ labelMap: { high: 'Hot', medium: 'Warm', low: 'Cold', not_sales: 'Nope' } }),
      'intent',
      field('picklist', ['Hot', 'Warm', 'Cold', 'Other']),
    );
    expect(p?.message).toMatch(/"not_sales" \(labelMap → "Nope"\) is not an option/);
  });

  it('passes when every label reaches an option, by value or by label', () => {
    expect(check(intent(), 'intent', field('picklist', ['high', 'medium', 'low', 'not_sales']))).toBeNull();
    const byLabel = field('picklist', [
      { value: '1', label: 'Hot' },
      { value: '2', label: 'Warm' },
      { value: '3', label: 'Cold' },
      { value: '4', label: 'Other' },
    ]);
    expect(
      check(
        intent({ labelMap: { high: 'Hot', medium: 'Warm', low: 'Cold', not_sales: 'Other' } }),
        'intent',
        byLabel,
      ),
    ).toBeNull();
  });

  it('refuses deal-risk levels a picklist does not hold, naming levelMap', () => {
    const risk = flow({
      kind: 'deal-risk',
      object: 'deal',
      outputs: { risk_level: 'target' },
      settings: { features: { a: { field: 'a' } } },
    });
    const p = check(risk, 'risk_level', field('picklist', ['Low', 'Medium', 'High']));
    expect(p).toMatchObject({ code: 'IR_FIELD_VALUE_INVALID', setting: 'levelMap' });
    expect(check(risk, 'risk_level', field('string'))).toBeNull();
  });

  it('refuses usage trends a picklist does not hold', () => {
    const usage = flow({ kind: 'usage', outputs: { trend: 'target' } });
    expect(check(usage, 'trend', field('picklist', ['rising', 'falling']))?.message).toMatch(
      /"new", "steady", "inactive"/,
    );
  });
});
