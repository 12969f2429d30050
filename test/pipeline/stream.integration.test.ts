/**
 * A run streams: it writes the first pages' records while later pages are still to be read, so a
 * CRM of any size is worked in the memory of a few pages, and keeps several write batches in flight
 * so the CRM's answer time does not set its pace. Its size is known from the first page
 * (progress counts against it from the start), every record is read once and written once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.js';
import { createConnector } from '../../src/crm/registry.js';
import type { CrmConnector } from '../../src/crm/types.js';
import { demoConfig } from '../../src/demo/index.js';
import { runFlows } from '../../src/pipeline/index.js';
import { type RunningHubspotSimulator, startHubspotSimulator } from '../../src/simulators/hubspot/index.js';
import { openTestStore, type TestStore } from '../../src/store/testing/index.js';
import { checkLive, type WritebackEvent } from '../../src/writeback/index.js';

const CONTACTS = 3_000;

describe('a run reads and writes page by page', () => {
  let sim: RunningHubspotSimulator;
  let store: TestStore;
  let connector: CrmConnector;
  afterAll(async () => {
    await connector?.close();
    await sim?.close();
    await store?.destroy();
  });

  it('writes before the last page is read, knows its size from the first, meets each record once', async () => {
    sim = await startHubspotSimulator({
      records: CONTACTS,
      seed: 17,
      searchPerSecond: 200,
      rateLimit: { callsPerWindow: 100_000, windowMs: 1000 },
    });
    store = await openTestStore('pglite');
    const base = demoConfig('hubspot', sim);
    const flow = base.flows.find((f) => f.name === 'contact-scoring');
    expect(flow).toBeDefined();
    const config = configSchema.parse({
      ...base,
      crm: { ...base.crm, rateLimit: { callsPerWindow: 100_000, windowMs: 1000, searchPerSecond: 200 } },
      // a new field the AI owns: every contact is written, once
      objects: { contact: { fields: { inrecord_stream_score: { owner: 'ai' } } } },
      flows: [
        {
          name: 'stream-scoring',
          kind: 'scoring',
          object: 'contact',
          outputs: { score: 'inrecord_stream_score' },
          settings: { ...flow?.settings, model: 'rules' },
          gate: { mode: 'open' },
        },
      ],
    });
    connector = await createConnector(config.crm, { store });
    await checkLive(connector, config, { fix: true });

    // what the run has read when it first writes
    let pagesRead = 0;
    const readIds: string[] = [];
    let pagesAtFirstWrite: number | null = null;
    const readChanged = connector.readChanged.bind(connector);
    connector.readChanged = async function* (...a: Parameters<CrmConnector['readChanged']>) {
      for await (const page of readChanged(...a)) {
        pagesRead++;
        readIds.push(...page.map((r) => r.id));
        yield page;
      }
    };
    // write batches in flight at once: with a CRM's answer time, one at a time would leave the
    // rate limit unused
    let writing = 0;
    let mostWriting = 0;
    const writeBatch = connector.writeBatch.bind(connector);
    connector.writeBatch = async (...a: Parameters<CrmConnector['writeBatch']>) => {
      pagesAtFirstWrite ??= pagesRead;
      mostWriting = Math.max(mostWriting, ++writing);
      try {
        return await writeBatch(...a);
      } finally {
        writing--;
      }
    };
    sim.setFaults({ latencyMs: 20 });
    const totals: (number | undefined)[] = [];
    const [report] = await runFlows({
      store,
      connector,
      config,
      onEvent: (e: WritebackEvent) => totals.push(e.total),
    });

    expect(report?.apply?.status).toBe('succeeded');
    const pages = Math.ceil(CONTACTS / 200);
    expect(pagesRead).toBe(pages);
    expect(pagesAtFirstWrite).not.toBeNull();
    expect(pagesAtFirstWrite as unknown as number).toBeLessThan(pages);
    expect(mostWriting).toBeGreaterThan(1);
    expect(mostWriting).toBeLessThanOrEqual(connector.limits.inFlight ?? 1);
    expect(new Set(readIds).size).toBe(readIds.length);
    expect(readIds).toHaveLength(CONTACTS);
    // every progress event, the first included, counts against the whole
    expect(totals.length).toBeGreaterThan(1);
    expect(totals.every((t) => t === CONTACTS)).toBe(true);
    // the CRM's own count: each scored contact's new score set once (a decided contact is not scored)
    expect(report?.outputs).toBeGreaterThan(CONTACTS * 0.8);
    expect(report?.apply?.recordsWritten).toBe(report?.outputs);
    expect(sim.stats().integrationWrites).toBe(report?.outputs);
  }, 120_000);
});
