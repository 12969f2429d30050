/**
 * Pipedrive simulator at scale: 100,000 seeded persons start in < 10 s and < 1 GB RSS; list and
 * search pages answer in a median < 50 ms on loopback, through the `pipedrive` client v33.
 * `npm run bench -- pipedrive [persons] [runs]`.
 */
import { v2 } from 'pipedrive';
import { startPipedriveSimulator } from '../src/simulators/pipedrive/index.js';
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
  const persons = Number(args[0] ?? 100_000);
  const runs = Number(args[1] ?? 3);
  const limits = { rateLimit: { callsPerWindow: 1_000_000, windowMs: 2000 }, searchBurst: 1_000_000, dailyTokens: 1e12 };
  const startTimes: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const [ms, sim] = await timed(() => startPipedriveSimulator({ records: persons, seed: 100 + i, ...limits }));
    startTimes.push(ms);
    // The first start is measured in a fresh process; later ones carry the closed servers' garbage.
    if (i === 0) rss.push(process.memoryUsage().rss / 1024 / 1024);
    await sim.close();
    (globalThis as { gc?: () => void }).gc?.();
  }

  const sim = await startPipedriveSimulator({ records: persons, seed: 7, ...limits });
  const api = new v2.PersonsApi(new v2.Configuration({ apiKey: sim.token, basePath: sim.apiBase }));
  const orgs = new v2.OrganizationsApi(new v2.Configuration({ apiKey: sim.token, basePath: sim.apiBase }));
  const truth = sim.groundTruth() as { persons: { id: number; name: string; emails: string[] }[] };
  const sample = (n: number) => Array.from({ length: n }, (_, i) => truth.persons[(i * 7919) % truth.persons.length]);

  // Walk pages from a few starting points: 500 per page by id cursor.
  const listMs: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 40; i++) {
    const [ms, r] = await timed(() => api.getPersons({ limit: 500, cursor }));
    listMs.push(ms);
    cursor = r.additional_data?.next_cursor ?? undefined;
  }
  // Incremental sync shape: updated_since over the last 30 days, oldest first.
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const changedMs: number[] = [];
  cursor = undefined;
  for (let i = 0; i < 20; i++) {
    const [ms, r] = await timed(() => api.getPersons({ limit: 500, updated_since: since, sort_by: 'update_time', cursor }));
    changedMs.push(ms);
    cursor = r.additional_data?.next_cursor ?? undefined;
    if (!cursor) break;
  }
  const emailMs: number[] = [];
  for (const p of sample(40).filter((x) => x.emails.length > 0)) {
    const [ms] = await timed(() => api.searchPersons({ term: p.emails[0], fields: 'email', exact_match: true }));
    emailMs.push(ms);
  }
  const nameMs: number[] = [];
  for (const p of sample(20)) {
    const [ms] = await timed(() => api.searchPersons({ term: p.name, fields: 'name', exact_match: true }));
    nameMs.push(ms);
  }
  const orgMs: number[] = [];
  // The first scan builds the simulator's lower-cased search texts (a search engine's index): warm-up.
  const [orgIndexMs] = await timed(() => orgs.searchOrganization({ term: 'warm', limit: 100 }));
  for (const w of ['Group', 'LLC', 'Inc', 'and', 'Sons', 'Labs', 'Partners', 'zz']) {
    const [ms] = await timed(() => orgs.searchOrganization({ term: w, limit: 100 }));
    orgMs.push(ms);
  }
  await sim.close();

  const rows: BenchRow[] = [
    { metric: `start with ${persons} persons (median of ${runs})`, value: Math.round(median(startTimes)), unit: 'ms', target: '< 10000', pass: median(startTimes) < 10_000 },
    { metric: 'process RSS after the first start', value: Math.round(Math.max(...rss)), unit: 'MB', target: '< 1024', pass: Math.max(...rss) < 1024 },
    { metric: 'GET /api/v2/persons limit 500 (cursor)', value: median(listMs), unit: 'ms', target: '< 50', pass: median(listMs) < 50, note: `${listMs.length} pages` },
    { metric: 'GET /api/v2/persons updated_since, sort_by update_time', value: median(changedMs), unit: 'ms', target: '< 50', pass: median(changedMs) < 50, note: `${changedMs.length} pages` },
    { metric: 'persons/search exact e-mail', value: median(emailMs), unit: 'ms', target: '< 50', pass: median(emailMs) < 50 },
    { metric: 'persons/search exact name', value: median(nameMs), unit: 'ms', target: '< 50', pass: median(nameMs) < 50 },
    { metric: 'organizations/search word (scan)', value: median(orgMs), unit: 'ms', target: '< 50', pass: median(orgMs) < 50, note: `first search ${Math.round(orgIndexMs)} ms` },
  ];
  return { name: 'pipedrive', rows, meta: { persons, runs, startTimes, loadAverage: (await import('node:os')).loadavg() } };
}
