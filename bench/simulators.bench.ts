/**
 * Simulators at scale (HubSpot rows): N seeded contacts start in < 10 s and < 1 GB RSS; list and
 * search pages answer in a median < 50 ms on loopback, through `@hubspot/api-client` v14. Searches
 * read the simulator's indexes (src/simulators/hubspot/indexes.ts); the first search of a shape
 * builds its index and is reported apart.
 * `npm run bench -- simulators [contacts] [runs]` (defaults 100000, 3).
 */
import { Client } from '@hubspot/api-client';
import { startHubspotSimulator } from '../src/simulators/hubspot/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

export async function run(args: string[]): Promise<BenchResult> {
  const contacts = Number(args[0] ?? 100_000);
  const runs = Number(args[1] ?? 3);
  // Limits out of the way: this measures the simulator, not its rate limiter.
  const limits = { rateLimit: { callsPerWindow: 1_000_000, windowMs: 10_000 }, searchPerSecond: 1_000_000, dailyLimit: 1e12 };
  const startTimes: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [ms, sim] = await timed(() => startHubspotSimulator({ records: contacts, seed: 100 + i, ...limits }));
    startTimes.push(ms);
    // The first start is measured in a fresh process; later ones carry the closed servers' garbage.
    if (i === 0) rss.push(process.memoryUsage().rss / 1024 / 1024);
    await sim.close();
    (globalThis as { gc?: () => void }).gc?.();
  }

  const sim = await startHubspotSimulator({ records: contacts, seed: 7, ...limits });
  const client = new Client({ accessToken: sim.token, basePath: sim.apiBase });

  // List: 100 a page by the `after` cursor, from the start.
  const listMs: number[] = [];
  let after: string | undefined;
  for (let i = 0; i < 40; i++) {
    const [ms, page] = await timed(() => client.crm.contacts.basicApi.getPage(100, after, ['email', 'firstname', 'lastname']));
    listMs.push(ms);
    after = page.paging?.next?.after;
    if (!after) break;
  }

  // Incremental-sync shape: modified since a date, oldest first, 200 a page.
  const changedMs: number[] = [];
  const since = String(Date.UTC(2024, 0, 1));
  for (let i = 0; i < 20; i++) {
    const [ms] = await timed(() =>
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: since }] }],
        sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] as never,
        properties: ['email'],
        limit: 200,
        after: String(i * 200),
      }),
    );
    changedMs.push(ms);
  }

  // Identity shape: 100 emails in one IN filter.
  const emails: string[] = [];
  for (const r of sim.state.records.contacts.values()) {
    const e = r.props.email;
    if (e) emails.push(e.toLowerCase());
    if (emails.length >= 2000) break;
  }
  const emailMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const values = emails.slice(i * 100, i * 100 + 100);
    const [ms] = await timed(() =>
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'IN' as never, values }] }],
        properties: ['email'],
        limit: 200,
        after: '0',
        sorts: [],
      }),
    );
    emailMs.push(ms);
  }
  await sim.close();

  // The first search of a shape builds its index (a sort of every record); later ones read it.
  const firstChangedMs = changedMs.shift() as number;
  const rows: BenchRow[] = [
    { metric: `hubspot start · ${contacts} contacts`, value: Math.round(median(startTimes)), unit: 'ms', target: '< 10000', pass: median(startTimes) < 10_000, note: `median of ${runs}` },
    { metric: 'hubspot RSS after start', value: Math.round(rss[0]), unit: 'MB', target: '< 1024', pass: rss[0] < 1024 },
    { metric: 'hubspot list page (100, after cursor)', value: median(listMs), unit: 'ms', target: '< 50', pass: median(listMs) < 50, note: `median of ${listMs.length}` },
    { metric: 'hubspot search page (modified since, 200)', value: median(changedMs), unit: 'ms', target: '< 50', pass: median(changedMs) < 50, note: `median of ${changedMs.length} after the first` },
    { metric: 'hubspot first search (builds the sorted index)', value: firstChangedMs, unit: 'ms' },
    { metric: 'hubspot search (email IN 100 values)', value: median(emailMs), unit: 'ms', target: '< 50', pass: median(emailMs) < 50, note: `median of ${emailMs.length}` },
  ];
  return { name: 'simulators', rows, meta: { contacts, runs } };
}
