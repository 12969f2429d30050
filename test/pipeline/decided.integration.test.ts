/**
 * A scoring flow run the way `inrecord apply` runs it, on the Salesforce simulator: leads the label
 * settings call decided — converted, or closed as not converted — are history and get no score;
 * every open lead does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, crmConnectionSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector } from '../../src/crm/types.js';
import { runFlows } from '../../src/pipeline/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';

const CLOSED = ['Closed - Converted', 'Closed - Not Converted'];

describe('decided records are not scored (apply, Salesforce simulator)', () => {
  let sim: RunningSimulator;
  let store: TestStore;
  let connector: CrmConnector;
  let config: InrecordConfig;

  beforeAll(async () => {
    sim = await startSimulator('salesforce', { seed: 8, records: 120 });
    store = await openTestStore('pglite');
    const crm = { kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token } };
    connector = await createConnector(crmConnectionSchema.parse(crm));
    await connector.createField('lead', { name: 'Dec_Score__c', label: 'Dec score', type: 'number' });
    config = configSchema.parse({
      crm,
      objects: { lead: { fields: { Dec_Score__c: { owner: 'ai' } } } },
      flows: [
        {
          name: 'lead-scoring',
          kind: 'scoring',
          object: 'lead',
          outputs: { score: 'Dec_Score__c' },
          gate: { mode: 'open' },
          settings: {
            model: 'rules',
            label: { field: 'IsConverted', decided: { field: 'Status', values: CLOSED } },
            features: { visits: { field: 'Web_Visits__c' } },
            rules: [{ feature: 'visits', points: 2, per: 1, max: 40 }],
          },
        },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await connector?.close();
    await store?.destroy();
    await sim?.close();
  });

  it('writes a score on every open lead and none on a converted or closed one', async () => {
    const [report] = await runFlows({ store, connector, config });
    const leads: { id: string; status: string; score: unknown }[] = [];
    for await (const page of connector.readChanged('lead', null, ['Status', 'Dec_Score__c'])) {
      for (const r of page)
        leads.push({ id: r.id, status: String(r.fields.Status), score: r.fields.Dec_Score__c ?? null });
    }
    const decided = leads.filter((l) => CLOSED.includes(l.status));
    const open = leads.filter((l) => !CLOSED.includes(l.status));
    // the seeded CRM holds both kinds of closed lead, and open ones
    expect(decided.filter((l) => l.status === 'Closed - Converted').length).toBeGreaterThan(0);
    expect(decided.filter((l) => l.status === 'Closed - Not Converted').length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);

    expect(report.records).toBe(leads.length);
    expect(report.outputs).toBe(open.length);
    expect(report.apply?.status).toBe('succeeded');
    expect(decided.filter((l) => l.score !== null)).toEqual([]);
    expect(open.filter((l) => typeof l.score !== 'number')).toEqual([]);
    expect(report.model).toMatchObject({ flow: 'lead-scoring', chosen: 'rules' });
  }, 120_000);
});
