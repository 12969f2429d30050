import { describe, expect, it } from 'vitest';
import { flowSchema } from '../config/index.js';
import type { CrmConnector, CrmRecord, FieldSchema, ObjectSchema } from '../crm/types.js';
import type { Store } from '../store/index.js';
import { prepareFlow, produceOutputs } from './flows.js';

const field = (name: string, type: FieldSchema['type'], extra: Partial<FieldSchema> = {}): FieldSchema => ({
  name,
  label: name,
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: false,
  ...extra,
});

const schema: ObjectSchema = {
  object: 'lead',
  fields: [
    field('Visits', 'number'),
    field('IsConverted', 'boolean', { writable: false }),
    field('Status', 'picklist', {
      options: ['Open', 'Working', 'Closed - Converted', 'Closed - Not Converted'].map((v) => ({
        value: v,
        label: v,
      })),
    }),
    field('Score', 'number'),
  ],
};

// prepareFlow with `model: rules` asks the CRM only for the object's fields and reads no store
const connector = { describe: async () => schema } as unknown as CrmConnector;
const store = {} as Store;
const now = new Date('2026-11-28T09:00:00.000Z');

const flow = (label: Record<string, unknown> | undefined) =>
  flowSchema.parse({
    name: 'lead-scoring',
    kind: 'scoring',
    object: 'lead',
    outputs: { score: 'Score' },
    settings: {
      model: 'rules',
      features: { visits: { field: 'Visits' } },
      rules: [{ feature: 'visits', points: 2, per: 1 }],
      ...(label ? { label } : {}),
    },
  });

const lead = (id: string, fields: CrmRecord['fields']): CrmRecord => ({
  id,
  object: 'lead',
  fields: { Visits: 3, ...fields },
  modifiedAt: now.toISOString(),
});

const records = [
  lead('open', { IsConverted: false, Status: 'Open' }),
  lead('working', { IsConverted: false, Status: 'Working' }),
  lead('won', { IsConverted: true, Status: 'Closed - Converted' }),
  lead('lost', { IsConverted: false, Status: 'Closed - Not Converted' }),
  lead('no-status', { IsConverted: false, Status: null }),
];

const scored = async (label: Record<string, unknown> | undefined) => {
  const prepared = await prepareFlow({ store, connector, now }, flow(label));
  const { outputs } = await produceOutputs(prepared, records, { now });
  return outputs.map((o) => o.recordId);
};

describe('decided records are not scored', () => {
  it('skips the records the label says are decided: converted and decided against', async () => {
    const label = {
      field: 'IsConverted',
      decided: { field: 'Status', values: ['Closed - Converted', 'Closed - Not Converted'] },
    };
    expect(await scored(label)).toEqual(['open', 'working', 'no-status']);
  });

  it('by a label field of words: won and lost are decided, anything else is scored', async () => {
    const words = [
      lead('a', { Status: 'Closed - Converted' }),
      lead('b', { Status: 'Working' }),
      lead('c', { Status: 'Closed - Not Converted' }),
      lead('d', { Status: null }),
    ];
    const prepared = await prepareFlow(
      { store, connector, now },
      flow({ field: 'Status', positive: ['Closed - Converted'], negative: ['Closed - Not Converted'] }),
    );
    expect((await produceOutputs(prepared, words, { now })).outputs.map((o) => o.recordId)).toEqual([
      'b',
      'd',
    ]);
  });

  it('without a label every record is scored', async () => {
    expect(await scored(undefined)).toEqual(['open', 'working', 'won', 'lost', 'no-status']);
  });
});
