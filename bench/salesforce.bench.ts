/**
 * Salesforce simulator at scale: 100,000 seeded leads + contacts start in < 10 s and < 1 GB RSS;
 * SOQL query pages (first page and queryMore, 2,000 records) answer in a median < 50 ms on loopback,
 * through jsforce. Also: identity look-ups (Email IN 200) and 200-record collection updates.
 * `npm run bench -- salesforce [leadsPlusContacts] [runs]`.
 */
import jsforce from 'jsforce';
import { crmConnectionSchema } from '../src/config/index.js';
import { createSalesforceConnector } from '../src/crm/salesforce/index.js';
import { startSalesforceSimulator } from '../src/simulators/salesforce/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

// The seed makes 1 contact : ~1.35 leads (85 % converted + 50 % open); total / 2.3 contacts clears the target.
const contactsFor = (total: number) => Math.ceil(total / 2.3);

export async function run(args: string[]): Promise<BenchResult> {
  const total = Number(args[0] ?? 100_000);
  const runs = Number(args[1] ?? 3);
  const opts = { records: contactsFor(total), dailyApiRequests: 1e9 };
  const startTimes: number[] = [];
  const rss: number[] = [];
  let seeded = 0;
  for (let i = 0; i < runs; i++) {
    const [ms, sim] = await timed(() => startSalesforceSimulator({ ...opts, seed: 100 + i }));
    startTimes.push(ms);
    // RSS of the first start only: later runs in the same process carry the previous heap.
    if (i === 0) rss.push(process.memoryUsage().rss / 1024 / 1024);
    seeded = sim.org.count('Lead') + sim.org.count('Contact');
    await sim.close();
    (globalThis as { gc?: () => void }).gc?.();
  }

  const sim = await startSalesforceSimulator({ ...opts, seed: 7 });
  const conn = new jsforce.Connection({ instanceUrl: sim.apiBase, accessToken: sim.token, version: '62.0' });
  const fields = 'Id, FirstName, LastName, Email, Company, Status, LeadSource, Industry, Rating, AnnualRevenue, NumberOfEmployees, SystemModstamp';

  // Polling shape (§8.4): SystemModstamp watermark, oldest first, queryMore to the end.
  const firstMs: number[] = [];
  const moreMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const since = new Date(Date.now() - (200 - i * 20) * 86_400_000).toISOString().slice(0, 19);
    const [ms, page] = await timed(() => conn.query(`SELECT ${fields} FROM Lead WHERE SystemModstamp >= ${since}Z ORDER BY SystemModstamp ASC, Id ASC`) as unknown as Promise<{ nextRecordsUrl?: string; records: unknown[] }>);
    firstMs.push(ms);
    let next = page.nextRecordsUrl;
    for (let j = 0; j < 8 && next; j++) {
      const url: string = next;
      const [m, p] = await timed(() => conn.queryMore(url) as unknown as Promise<{ nextRecordsUrl?: string }>);
      moreMs.push(m);
      next = p.nextRecordsUrl;
    }
  }
  // Identity shape: Email IN (200 values) on Contact.
  const people = sim.groundTruth().people.filter((p) => p.email);
  const lookupMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const emails = people.slice(i * 200, i * 200 + 200).map((p) => `'${(p.email as string).replace(/'/g, "\\'")}'`);
    const [ms] = await timed(() => conn.query(`SELECT Id, Email, FirstName, LastName, AccountId, Account.Name FROM Contact WHERE Email IN (${emails.join(', ')})`) as unknown as Promise<unknown>);
    lookupMs.push(ms);
  }
  // Write shape: collections update of 200 records.
  const ids = [...sim.org.rows('Lead').keys()];
  const writeMs: number[] = [];
  for (let i = 0; i < 10; i++) {
    const batch = ids.slice(i * 200, i * 200 + 200).map((Id, j) => ({ Id, Rating: j % 2 ? 'Hot' : 'Cold', Web_Visits__c: i + j }));
    const [ms] = await timed(() => conn.sobject('Lead').update(batch, { allOrNone: false }) as unknown as Promise<unknown>);
    writeMs.push(ms);
  }
  // Connector write under injected limit refusals (10 % of writes, answered 403 REQUEST_LIMIT_EXCEEDED): 10,000 records, nothing lost.
  const connector = await createSalesforceConnector(crmConnectionSchema.parse({ kind: 'salesforce', baseUrl: sim.apiBase, auth: { token: sim.token } }), {});
  const writeIds = ids.slice(0, 10_000);
  sim.resetStats();
  sim.setFaults({ error429: 0.1 });
  const [bulkMs, results] = await timed(() => connector.writeBatch('lead', writeIds.map((id, i) => ({ id, fields: { Rating: i % 3 ? 'Warm' : 'Hot' } }))));
  sim.setFaults({});
  const lost = results.filter((r) => !r.ok).length + (writeIds.length - results.length);
  const cs = connector.stats();
  const refused = sim.stats().rateLimited;
  await sim.close();

  const rows: BenchRow[] = [
    { metric: 'leads + contacts seeded', value: seeded, unit: 'records', target: `>= ${total}`, pass: seeded >= total },
    { metric: 'simulator start (seed + listen), median', value: Math.round(median(startTimes)), unit: 'ms', target: '< 10000', pass: median(startTimes) < 10_000, note: `runs: ${startTimes.map((t) => Math.round(t)).join(', ')}` },
    { metric: 'RSS after a fresh start', value: Math.round(rss[0] ?? 0), unit: 'MB', target: '< 1024', pass: (rss[0] ?? 0) < 1024 },
    { metric: 'query first page (2000, watermark + sort), median', value: median(firstMs), unit: 'ms', target: '< 50', pass: median(firstMs) < 50, note: `n=${firstMs.length}` },
    { metric: 'queryMore page (2000), median', value: median(moreMs), unit: 'ms', target: '< 50', pass: median(moreMs) < 50, note: `n=${moreMs.length}` },
    { metric: 'Contact Email IN (200), median', value: median(lookupMs), unit: 'ms', note: `n=${lookupMs.length}` },
    { metric: 'collections update (200), median', value: median(writeMs), unit: 'ms', note: `n=${writeMs.length}` },
    { metric: 'connector writeBatch 10,000 under 10 % 403 limit refusals: records lost', value: lost, unit: 'records', target: '= 0', pass: lost === 0, note: `${Math.round(bulkMs)} ms` },
    { metric: 'connector writeBatch 10,000: API calls made', value: cs.calls, unit: 'calls', note: `minimum ${Math.ceil(writeIds.length / 200)}; refusals seen ${refused}; retries ${cs.retries}` },
  ];
  return { name: 'salesforce', rows, meta: { total, contacts: opts.records, runs } };
}
