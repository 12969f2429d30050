/**
 * One pipeline: `inrecord apply` (the pipeline's runFlows) and the daemon (pollers → record jobs →
 * the same pipeline) write the same values to the same records for the same CRM data and config —
 * on each simulator, two simulators seeded alike, one run by each path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type InrecordConfig } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmName } from '../../src/crm/types.js';
import { startDaemon } from '../../src/daemon/index.js';
import { demoConfig } from '../../src/demo/index.js';
import { runFlows } from '../../src/pipeline/index.js';
import { type RunningSimulator, startSimulator } from '../../src/simulators/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive } from '../../src/writeback/index.js';

const SCORING: Record<CrmName, string> = {
  salesforce: 'lead-scoring',
  hubspot: 'contact-scoring',
  pipedrive: 'person-scoring',
};

function scoringConfig(crm: CrmName, sim: RunningSimulator): InrecordConfig {
  const base = demoConfig(crm, sim);
  return configSchema.parse({
    ...base,
    server: { port: 0 },
    flows: base.flows
      .filter((f) => f.name === SCORING[crm])
      .map((f) => ({ ...f, gate: { ...f.gate, mode: 'open' }, trigger: { webhook: false, poll: '1h' } })),
    jobs: { retryLimit: 2, retryDelaySeconds: 1, concurrency: 4 },
  });
}

/** What a run wrote: per record and field (stamps left out: they carry the moment of the write). */
async function written(store: TestStore): Promise<string[]> {
  const rows = await store.query<{ record_id: string; field: string; after_value: unknown }>(
    "SELECT record_id, field, after_value FROM write_ledger WHERE outcome = 'written' AND stamp_for IS NULL",
  );
  return rows.map((r) => `${r.record_id} ${r.field} ${JSON.stringify(r.after_value)}`).sort();
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
});

describe.each(['pipedrive', 'hubspot', 'salesforce'] as CrmName[])('apply and the daemon on %s', (crm) => {
  it('write the same values to the same records', async () => {
    const simApply = await startSimulator(crm, { seed: 21, records: 40 });
    const simDaemon = await startSimulator(crm, { seed: 21, records: 40 });
    cleanup.push(
      () => simApply.close(),
      () => simDaemon.close(),
    );
    const storeApply = await openTestStore('pglite');
    const storeDaemon = await openTestStore('pglite');
    cleanup.push(
      () => storeApply.destroy(),
      () => storeDaemon.destroy(),
    );

    // apply: what `inrecord apply` runs
    const cfgApply = scoringConfig(crm, simApply);
    const connector = await createConnector(cfgApply.crm, { store: storeApply });
    cleanup.push(() => connector.close());
    expect((await checkLive(connector, cfgApply, { fix: true })).ok).toBe(true);
    const [report] = await runFlows({ store: storeApply, connector, config: cfgApply });
    expect(report.apply?.fields.written).toBeGreaterThan(0);

    // the daemon: a full poll, every record a job, worked through the same pipeline
    const cfgDaemon = scoringConfig(crm, simDaemon);
    const daemon = await startDaemon(storeDaemon, cfgDaemon, { serve: false, poll: false, backfill: true });
    cleanup.push(() => daemon.stop());
    expect((await checkLive(daemon.connector, cfgDaemon, { fix: true })).ok).toBe(true);
    expect(await daemon.pollNow()).toBeGreaterThan(0);
    await daemon.engine.drain('records', 90_000);

    const byApply = await written(storeApply);
    const byDaemon = await written(storeDaemon);
    expect(byApply.length).toBeGreaterThan(0);
    expect(byDaemon).toEqual(byApply);
  }, 180_000);
});
