/**
 * The gate in the write path, end to end with write-back: outputs of a flow in shadow reach the
 * shadow table and no CRM write call is made; once a labelled sample opens the gate, they are written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { FieldSchema } from '../crm/types.js';
import { BACKENDS, type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun } from '../writeback/apply.js';
import { memoryCrm } from '../writeback/testing/memory-crm.js';
import type { RecordOutputs } from '../writeback/types.js';
import { drawSample, evaluateGate, labelSample } from './gate.js';
import { gateOutputs } from './filter.js';

const config = parseConfig(`
crm: { kind: hubspot, auth: { token: t } }
objects:
  contact:
    fields:
      score: { owner: ai }
      summary: { owner: ai }
flows:
  - { name: scoring, kind: scoring, object: contact, outputs: { score: score }, gate: { threshold: 0.8, sampleSize: 20 } }
  - { name: notes, kind: summary, object: contact, outputs: { summary: summary }, gate: { mode: open } }
`);

const field = (name: string, type: FieldSchema['type']): FieldSchema => ({
  name,
  label: name,
  type,
  crmType: type,
  required: false,
  writable: true,
  custom: true,
});
const N = 30;
const outputs = (score: number, withSummary: boolean): RecordOutputs[] =>
  Array.from({ length: N }, (_, i) => ({
    object: 'contact' as const,
    recordId: `c${i}`,
    outputs: [
      {
        name: 'score',
        field: 'score',
        value: score + i,
        flow: 'scoring',
        modelVersion: 'v1',
        confidence: 0.8,
      },
      ...(withSummary
        ? [{ name: 'summary', field: 'summary', value: `summary ${i}`, flow: 'notes', modelVersion: 'llm-1' }]
        : []),
    ],
  }));

describe.each(BACKENDS)('gate in the write path on %s', (backend) => {
  let store: TestStore;
  const crm = memoryCrm({
    schemas: {
      contact: { object: 'contacts', fields: [field('score', 'integer'), field('summary', 'text')] },
    },
  });
  beforeAll(async () => {
    store = await openTestStore(backend);
    for (let i = 0; i < N; i++) crm.seed('contact', `c${i}`, { score: 1, summary: null });
  });
  afterAll(async () => {
    await store?.destroy();
  });

  it('shadow mode writes nothing to the CRM and records what it would have written', async () => {
    const before = { ...crm.counters };
    const gated = gateOutputs(store, outputs(50, false), { crm: 'hubspot', flows: config.flows });
    const run = await applyRun({ store, connector: crm, objects: config.objects }, { source: gated.source });
    expect(crm.counters.write - before.write).toBe(0);
    expect(crm.counters.updates - before.updates).toBe(0);
    expect(crm.counters.read - before.read).toBe(0);
    expect(run.fields.written).toBe(0);
    expect(gated.stats.shadowed).toEqual({ scoring: N });
    expect(gated.stats.gates['scoring@v1'].reasonCode).toBe('no_decision');
    const shadow = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM shadow_outputs WHERE flow = 'scoring' AND model_version = 'v1'`,
    );
    expect(shadow[0].n).toBe(N);
    expect(crm.records.get('contact:c3')?.fields.score).toBe(1);
  });

  it('an open flow in the same stream is written while the gated one stays in shadow', async () => {
    const before = crm.counters.updates;
    const gated = gateOutputs(store, outputs(50, true), { crm: 'hubspot', flows: config.flows });
    const run = await applyRun({ store, connector: crm, objects: config.objects }, { source: gated.source });
    expect(run.fields.written).toBe(N);
    expect(crm.counters.updates - before).toBe(N);
    expect(gated.stats).toMatchObject({ shadowed: { scoring: N }, passed: { notes: N } });
    expect(crm.records.get('contact:c3')?.fields).toMatchObject({ score: 1, summary: 'summary 3' });
  });

  it('once enough correct labels open the gate, the flow writes', async () => {
    const flow = config.flows[0];
    for (const s of await drawSample(store, {
      flow: 'scoring',
      modelVersion: 'v1',
      size: 25,
      drawnBy: 'ana',
    })) {
      await labelSample(store, { sampleId: s.id, label: 'correct', by: 'ana' });
    }
    expect((await evaluateGate(store, { flow, modelVersion: 'v1', by: 'ana' })).mode).toBe('open');
    const gated = gateOutputs(store, outputs(50, false), { crm: 'hubspot', flows: config.flows });
    const run = await applyRun({ store, connector: crm, objects: config.objects }, { source: gated.source });
    expect(run.fields.written).toBe(N);
    expect(gated.stats.passed).toEqual({ scoring: N });
    expect(crm.records.get('contact:c3')?.fields.score).toBe(53);
  });
});
