/**
 * Live mode against each CRM simulator through its real connector: candidates fetched in batches
 * through the CrmConnector interface decide exactly as the full listing does, and a batch costs a
 * handful of lookup calls, not one search per record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../config/index.js';
import { createConnector } from '../crm/registry.js';
import type { CrmConnector, CrmName } from '../crm/types.js';
import { startSimulator } from '../simulators/index.js';
import type { RunningSimulator } from '../simulators/types.js';
import { resolveIdentity } from './decide.js';
import { fetchCandidates, listSnapshot } from './live.js';
import type { CrmSnapshot } from './snapshot.js';
import { sampleExternalViews, validateIdentities } from './validate.js';

const CRMS: CrmName[] = ['salesforce', 'pipedrive', 'hubspot'];

describe.each(CRMS)('live identity on the %s simulator', (crm) => {
  let sim: RunningSimulator | undefined;
  let connector: CrmConnector;
  let full: CrmSnapshot;

  beforeAll(async () => {
    try {
      sim = await startSimulator(crm, { records: 120, seed: 5 });
    } catch {
      return; // a simulator not in this build: the suite below is skipped
    }
    connector = await createConnector(
      crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } }),
    );
    full = await listSnapshot(connector);
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('lists the CRM as identity candidates and validates a sample without a mismatch', async (ctx) => {
    if (!sim) return ctx.skip();
    expect(full.contacts.size).toBeGreaterThan(50);
    const { report } = validateIdentities(full, sampleExternalViews(full, 80, 3));
    expect(
      report.mismatches,
      JSON.stringify(report.findings.filter((f) => f.kind === 'mismatch').slice(0, 3)),
    ).toBe(0);
    expect(report.matched).toBeGreaterThan(report.sampled / 2);
    for (const f of report.findings) expect(f.reason.length).toBeGreaterThan(10);
  });

  it('decides from batched lookups exactly as from the full listing, in a few calls', async (ctx) => {
    if (!sim) return ctx.skip();
    const cases = sampleExternalViews(full, 60, 9);
    const inputs = cases.map((c) => c.input);
    const { snapshot, calls } = await fetchCandidates(connector, inputs, { batchSize: 50 });
    const disagreements: string[] = [];
    let matchedLive = 0;
    for (const input of inputs) {
      const a = resolveIdentity(input, full);
      const b = resolveIdentity(input, snapshot);
      if (b.status === 'matched') matchedLive++;
      // never a different record; and what the full listing matches, the lookups match too
      if (b.status === 'matched' && a.id !== b.id)
        disagreements.push(`${input.key}: live ${b.id}, full ${a.status} ${a.id}`);
      if (a.status === 'matched' && b.status !== 'matched')
        disagreements.push(`${input.key}: full ${a.id}, live ${b.status}: ${b.reason}`);
    }
    expect(disagreements).toEqual([]);
    expect(matchedLive).toBeGreaterThan(inputs.length / 2);
    expect(calls).toBeLessThanOrEqual(8);
  }, 60_000);
});
