/**
 * Acceptance: a flow in shadow mode writes nothing to the CRM — counted by the Pipedrive simulator
 * behind its real connector — and, once a labelled sample opens its gate, the same outputs land.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { type TestStore, openTestStore } from '../store/testing/index.js';
import { applyRun } from '../writeback/index.js';
import type { RecordOutputs } from '../writeback/types.js';
import { drawSample, evaluateGate, labelSample } from './gate.js';
import { gateOutputs } from './filter.js';

const WRITE_METHODS = /^(PATCH|PUT|POST|DELETE) /;
const writeCalls = (sim: RunningSimulator) =>
  Object.entries(sim.stats().calls)
    .filter(([k]) => WRITE_METHODS.test(k) && !/oauth|token/i.test(k))
    .reduce((a, [, n]) => a + n, 0);

describe('validation gate on the Pipedrive simulator', () => {
  let sim: RunningSimulator;
  let connector: CrmConnector;
  let store: TestStore;
  let ids: string[] = [];
  const config = configSchema.parse({
    crm: { kind: 'pipedrive', auth: { token: 'x' } },
    objects: { contact: { fields: { 'Lead score': { owner: 'ai' } } } },
    flows: [
      {
        name: 'scoring',
        kind: 'scoring',
        object: 'contact',
        outputs: { score: 'Lead score' },
        gate: { threshold: 0.7, sampleSize: 10 },
      },
    ],
  });
  const outputs = (): RecordOutputs[] =>
    ids.map((id, i) => ({
      object: 'contact' as const,
      recordId: id,
      outputs: [
        {
          name: 'score',
          field: 'Lead score',
          value: 60 + i,
          flow: 'scoring',
          modelVersion: 'v1',
          confidence: 0.8,
        },
      ],
    }));

  beforeAll(async () => {
    sim = await startSimulator('pipedrive', { records: 30, seed: 11 });
    connector = await createConnector(
      crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } }),
    );
    store = await openTestStore('pglite');
    for await (const page of connector.readChanged('contact', null, ['name'])) {
      ids.push(...page.map((r) => r.id));
      if (ids.length >= 12) break;
    }
    ids = ids.slice(0, 12);
  }, 60_000);

  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  it('shadow mode writes nothing to the CRM', async () => {
    sim.resetStats();
    const gated = gateOutputs(store, outputs(), { crm: 'pipedrive', flows: config.flows });
    const run = await applyRun({ store, connector, objects: config.objects }, { source: gated.source });
    expect(run.status).toBe('succeeded');
    expect(sim.stats().integrationWrites).toBe(0);
    expect(writeCalls(sim)).toBe(0);
    expect(gated.stats.shadowed).toEqual({ scoring: 12 });
    const shadow = await store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM shadow_outputs WHERE flow = 'scoring'`,
    );
    expect(shadow[0].n).toBe(12);
  });

  it('after a passing sample the gate opens and the outputs are written', async () => {
    const flow = config.flows[0];
    const sample = await drawSample(store, { flow: 'scoring', modelVersion: 'v1', size: 12, drawnBy: 'ana' });
    for (const s of sample) await labelSample(store, { sampleId: s.id, label: 'correct', by: 'ana' });
    expect((await evaluateGate(store, { flow, modelVersion: 'v1', by: 'ana' })).mode).toBe('open');
    sim.resetStats();
    const gated = gateOutputs(store, outputs(), { crm: 'pipedrive', flows: config.flows });
    const run = await applyRun({ store, connector, objects: config.objects }, { source: gated.source });
    expect(run.fields.written).toBe(12);
    expect(sim.stats().integrationWrites).toBeGreaterThanOrEqual(12);
    const schema = await connector.describe('contact');
    const field = schema.fields.find((f) => f.label === 'Lead score');
    const back = await connector.read('contact', [ids[3]], [field?.name ?? '']);
    expect(back[0].fields[field?.name ?? '']).toBe(63);
  });
});
