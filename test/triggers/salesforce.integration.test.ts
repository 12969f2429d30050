/**
 * Triggers end to end on the Salesforce simulator: a rep edits a lead, Salesforce sends an Outbound
 * Message, inrecord verifies it (org id + URL secret), answers the SOAP Ack Salesforce waits for,
 * and writes the AI score into that lead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import { demoConfig } from '../../src/demo/index.js';
import { type Daemon, startDaemon } from '../../src/daemon/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

describe('triggers on the Salesforce simulator', () => {
  let sim: RunningSimulator & { orgId?: string; setOutboundUrl?: (u: string | undefined) => void };
  let store: TestStore;
  let daemon: Daemon;

  beforeAll(async () => {
    sim = await startSimulator('salesforce', { seed: 3, records: 150, outboundRetryMs: 200 });
    store = await openTestStore('pglite');
    const base = demoConfig('salesforce', sim);
    const config = configSchema.parse({
      ...base,
      crm: { ...base.crm, webhooks: { orgId: sim.orgId, urlSecret: 's3cret' } },
      server: { port: 0 },
      flows: base.flows.map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, settings: { ...f.settings, model: 'rules' } })),
    });
    // `check --fix` first: a daemon resolves its flows' fields when it starts
    const connector = await createConnector(config.crm, { store });
    expect((await checkLive(connector, config, { fix: true })).ok).toBe(true);
    await connector.close();
    daemon = await startDaemon(store, config, { port: 0, poll: false });
    sim.setOutboundUrl?.(`${daemon.url}/webhooks/salesforce?secret=s3cret`);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await store?.destroy();
    await sim?.close();
  });

  it('scores the lead a rep just edited, and acknowledges the outbound message', async () => {
    let target: string | undefined;
    for await (const page of daemon.connector.readChanged('lead', null, ['IsConverted', 'Status'])) {
      // an open lead: converted and disqualified ones are history, never scored
      target = page.find((r) => r.fields.IsConverted === false && !String(r.fields.Status ?? '').startsWith('Closed'))?.id;
      if (target) break;
    }
    expect(target).toBeDefined();
    await sim.repEdit({ object: 'Lead', id: target!, fields: { Web_Visits__c: 40, Email_Opens__c: 20 } });
    const end = Date.now() + 30_000;
    let score: unknown = null;
    while (Date.now() < end) {
      const [r] = await daemon.connector.read('lead', [target!], ['Inrecord_Score__c']);
      score = r?.fields.Inrecord_Score__c ?? null;
      if (typeof score === 'number') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(typeof score).toBe('number');
    expect(score as number).toBeGreaterThan(40);
    const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM webhook_receipts');
    expect(n).toBeGreaterThan(0);
    // acknowledged: the simulator has nothing left to retry
    const stats = sim.stats();
    expect(stats.webhooksDelivered).toBeGreaterThan(0);
  }, 60_000);
});
