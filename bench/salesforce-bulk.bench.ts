/**
 * Salesforce REST vs Bulk API 2.0, side by side, through the connector against the simulator:
 * the write-back cycle on every lead of an org — read all leads, then per write chunk read the
 * history of a hybrid field, write two fields, re-read to verify — once with `crm.bulk.enabled:
 * false` (2,000-row query pages, SOQL IN 200 history reads, 200-record collections, 2,000-id
 * retrieves) and once with Bulk API 2.0 (query jobs, 10,000-record CSV ingest jobs, verification by
 * one query job per write). Reports API calls (counted by the simulator, as the org's allocation
 * counts them), wall time, and records not written (checked in the org).
 *
 * The simulator processes a job in `processingMs` (400 ms here, split before and after the work);
 * a real org takes seconds to minutes per job depending on its load, so Bulk's wall time on a real
 * org is the org's processing time, and its call count is what this measures.
 * `npm run bench -- salesforce-bulk [leads,leads…]` (default 20000,100000).
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createSalesforceConnector } from '../src/crm/salesforce/index.js';
import type { CrmConnector } from '../src/crm/types.js';
import { startSalesforceSimulator } from '../src/simulators/salesforce/index.js';
import type { BenchResult, BenchRow } from './run.js';

// The seed makes ~1.35 leads per contact.
const contactsFor = (leads: number) => Math.ceil(leads / 1.3);

interface Phase {
  calls: number;
  ms: number;
}
interface Sample {
  leads: number;
  read: Phase;
  history: Phase;
  write: Phase;
  verify: Phase;
  total: Phase;
  lost: number;
}

async function cycle(leads: number, bulk: boolean): Promise<Sample> {
  const sim = await startSalesforceSimulator({ records: contactsFor(leads), seed: 11, dailyApiRequests: 1e9, bulk: { processingMs: 400 } });
  const connector: CrmConnector = await createSalesforceConnector(
    crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token }, bulk: { enabled: bulk, pollInterval: '250ms' } }),
    {},
  );
  await connector.describe('lead');
  const all = [...sim.org.rows('Lead').keys()].slice(0, leads);
  const wanted = new Set(all);
  const phases = { read: { calls: 0, ms: 0 }, history: { calls: 0, ms: 0 }, write: { calls: 0, ms: 0 }, verify: { calls: 0, ms: 0 } };
  const measure = async <T>(p: Phase, fn: () => Promise<T>): Promise<T> => {
    const c0 = sim.stats().totalCalls;
    const t0 = performance.now();
    const r = await fn();
    p.ms += performance.now() - t0;
    p.calls += sim.stats().totalCalls - c0;
    return r;
  };
  const started = performance.now();
  const ids: string[] = [];
  await measure(phases.read, async () => {
    for await (const page of connector.readChanged('lead', null, ['Rating', 'Web_Visits__c', 'Title'])) for (const r of page) if (wanted.has(r.id)) ids.push(r.id);
  });
  // what a write-back hands writeBatch at once: the connector's write chunk
  const size = connector.limits.writeChunk ?? connector.limits.write;
  let lost = 0;
  let unverified = 0;
  for (let i = 0; i < ids.length; i += size) {
    const part = ids.slice(i, i + size);
    await measure(phases.history, () => connector.history('lead', part, ['Rating']));
    const results = await measure(phases.write, () => connector.writeBatch('lead', part.map((id, j) => ({ id, fields: { Rating: (i + j) % 2 ? 'Hot' : 'Warm', Web_Visits__c: i + j } }))));
    const ok = results.filter((r) => r.ok).map((r) => r.id);
    const back = await measure(phases.verify, () => connector.read('lead', ok, ['Rating', 'Web_Visits__c']));
    unverified += ok.length - back.length;
  }
  const total = { calls: phases.read.calls + phases.history.calls + phases.write.calls + phases.verify.calls, ms: performance.now() - started };
  for (const [n, id] of ids.entries()) if (sim.org.rows('Lead').get(id)?.Web_Visits__c !== n) lost++;
  await connector.close();
  await sim.close();
  return { leads: ids.length, ...phases, total, lost: lost + unverified };
}

export async function run(args: string[]): Promise<BenchResult> {
  const sizes = (args[0] ?? '20000,100000').split(',').map(Number);
  const rows: BenchRow[] = [];
  const meta: Record<string, unknown> = { sizes, processingMs: 400, pollInterval: '250ms', threshold: 2000, jobSize: 10_000 };
  for (const n of sizes) {
    const rest = await cycle(n, false);
    (globalThis as { gc?: () => void }).gc?.();
    const bulk = await cycle(n, true);
    (globalThis as { gc?: () => void }).gc?.();
    meta[`rest_${n}`] = rest;
    meta[`bulk_${n}`] = bulk;
    const label = `${rest.leads.toLocaleString('en')} leads`;
    for (const [phase, unit] of [['read', 'read all leads'], ['history', 'history of a hybrid field'], ['write', 'write 2 fields'], ['verify', 're-read written records']] as const) {
      rows.push({ metric: `${label} · ${unit}: API calls REST / Bulk`, value: bulk[phase].calls, unit: 'calls', note: `REST ${rest[phase].calls} (${(rest[phase].ms / 1000).toFixed(1)} s), Bulk ${bulk[phase].calls} (${(bulk[phase].ms / 1000).toFixed(1)} s)` });
    }
    rows.push({
      metric: `${label} · whole cycle: API calls, Bulk`,
      value: bulk.total.calls,
      unit: 'calls',
      target: `< REST (${rest.total.calls})`,
      pass: bulk.total.calls < rest.total.calls,
      note: `${((100 * bulk.total.calls) / rest.total.calls).toFixed(1)} % of REST`,
    });
    rows.push({ metric: `${label} · whole cycle: wall time REST / Bulk`, value: Math.round(bulk.total.ms / 100) / 10, unit: 's', note: `REST ${(rest.total.ms / 1000).toFixed(1)} s` });
    rows.push({ metric: `${label} · records not written (REST + Bulk)`, value: rest.lost + bulk.lost, unit: 'records', target: '= 0', pass: rest.lost + bulk.lost === 0 });
  }
  return { name: 'salesforce-bulk', rows, meta };
}
