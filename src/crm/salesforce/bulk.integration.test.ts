/**
 * The connector's Bulk API 2.0 paths against the simulator, each beside its REST twin: a large
 * changed-records read (first REST page, then a query job from the key after it), history by query
 * jobs, a write by ingest job with per-row results, verification by one query job, and a job the
 * org refuses (its rows come back as retryable failures naming the job).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmConnectionSchema } from '../../config/index.js';
import { type RunningSalesforceSimulator, startSalesforceSimulator } from '../../simulators/salesforce/index.js';
import { SalesforceConnector } from './connector.js';

const connect = (sim: RunningSalesforceSimulator, bulk: boolean) =>
  new SalesforceConnector(
    crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token }, bulk: { enabled: bulk, threshold: 1000, jobSize: 4000, pollInterval: '20ms' } }),
    {},
  );

describe('Salesforce connector: Bulk API 2.0 beside REST', () => {
  let sim: RunningSalesforceSimulator;
  let rest: SalesforceConnector;
  let bulk: SalesforceConnector;

  beforeAll(async () => {
    sim = await startSalesforceSimulator({ records: 20, seed: 3, bulk: { processingMs: 30 } });
    const base = Date.now() - 2 * 86_400_000;
    // many leads share a SystemModstamp: the switch to a query job must resume on the Id tiebreak
    for (let i = 0; i < 6000; i++) sim.org.insertRaw('Lead', { LastName: `Lead ${i}`, Company: 'Acme', Rating: i % 2 ? 'Hot' : null }, { at: base + (i % 7) * 1000 });
    rest = connect(sim, false);
    bulk = connect(sim, true);
  });
  afterAll(async () => {
    await sim?.close();
  });

  const readAll = async (c: SalesforceConnector) => {
    const out: { id: string; rating: unknown; modifiedAt: string }[] = [];
    for await (const page of c.readChanged('lead', null, ['Rating'])) for (const r of page) out.push({ id: r.id, rating: r.fields.Rating, modifiedAt: r.modifiedAt });
    return out;
  };

  it('reads changed records through a query job after the first page: same records, same order, nothing twice', async () => {
    const viaRest = await readAll(rest);
    sim.resetStats();
    const viaBulk = await readAll(bulk);
    expect(viaBulk).toEqual(viaRest);
    expect(new Set(viaBulk.map((r) => r.id)).size).toBe(sim.org.count('Lead'));
    const calls = sim.stats().calls;
    expect(calls['GET /query']).toBe(1);
    expect(calls['GET /query/{locator}'] ?? 0).toBe(0);
    expect(calls['POST /jobs/query']).toBe(1);
  });

  it('writes by ingest job with REST’s per-record results, verifies by one query job, and reads history by query jobs', async () => {
    const ids = [...sim.org.rows('Lead').keys()].slice(0, 2500);
    const gone = ids[7] as string;
    sim.org.remove('Lead', gone, sim.integrationUserId);
    const ratingBefore = sim.org.rows('Lead').get(ids[1] as string)?.Rating ?? null;
    sim.resetStats();
    const results = await bulk.writeBatch(
      'lead',
      ids.map((id, i) => ({ id, fields: (i % 2 ? { Title: `T${i}` } : { Rating: 'Warm', Title: null }) as Record<string, string | null> })),
    );
    expect(results.map((r) => r.id)).toEqual(ids);
    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([expect.objectContaining({ id: gone, code: 'IR_CRM_NOT_FOUND', retryable: false })]);
    expect(sim.stats().calls['POST /jobs/ingest']).toBe(1);
    expect(sim.org.rows('Lead').get(ids[1] as string)?.Title).toBe('T1');
    // an odd record sets only Title: its Rating is left as it was
    expect(sim.org.rows('Lead').get(ids[1] as string)?.Rating ?? null).toBe(ratingBefore);
    expect(sim.org.rows('Lead').get(ids[0] as string)?.Title ?? null).toBeNull();

    const ok = results.filter((r) => r.ok).map((r) => r.id);
    sim.resetStats();
    const back = await bulk.read('lead', ok, ['Title', 'Rating']);
    expect(sim.stats().calls['POST /jobs/query']).toBe(1);
    expect(sim.stats().calls['POST /composite/sobjects/{T}'] ?? 0).toBe(0);
    const viaRest = await rest.read('lead', ok, ['Title', 'Rating']);
    const byId = (xs: typeof back) => xs.map((r) => [r.id, r.fields]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    expect(byId(back)).toEqual(byId(viaRest));

    sim.resetStats();
    const h = await bulk.history('lead', ok, ['Title', 'Rating']);
    expect(sim.stats().calls['POST /jobs/query']).toBeGreaterThanOrEqual(1);
    expect(sim.stats().calls['GET /query'] ?? 0).toBeLessThanOrEqual(2);
    const hr = await rest.history('lead', ok, ['Title', 'Rating']);
    const key = (xs: typeof h) => xs.map((x) => `${x.id}|${x.field}|${JSON.stringify(x.value)}|${x.actor}`).sort();
    expect(key(h)).toEqual(key(hr));
    expect(h.filter((x) => x.field === 'Title' && x.actor === 'integration').length).toBeGreaterThan(1000);
  });

  it('a job the org fails hands its rows back as retryable failures naming the job', async () => {
    const spent = await startSalesforceSimulator({ records: 1200, seed: 4, bulk: { processingMs: 20, dailyBatches: 0 } });
    try {
      const c = connect(spent, true);
      const ids = [...spent.org.rows('Lead').keys()].slice(0, 1200);
      const results = await c.writeBatch('lead', ids.map((id) => ({ id, fields: { Title: 'never' } })));
      expect(results).toHaveLength(ids.length);
      expect(results.every((r) => !r.ok && r.retryable && r.code === 'IR_CRM_UNAVAILABLE')).toBe(true);
      expect((results[0] as { message: string }).message).toMatch(/not processed by Bulk API job 750\w+ \(Failed: InvalidBatch : Exceeded the org's limit of 0 Bulk API batches/);
      expect([...spent.org.rows('Lead').values()].some((r) => r.Title === 'never')).toBe(false);
    } finally {
      await spent.close();
    }
  });
});
