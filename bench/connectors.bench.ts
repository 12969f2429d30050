/**
 * `npm run bench -- connectors [--runs N] [--crm hubspot,salesforce,pipedrive] [--refresh]`: per
 * CRM, a 10,000-record write (Pipedrive 1,000: it has no batch update, one call per record)
 * through `writeBatch` against its simulator with a tight rate limit and 10% of writes refused
 * (injected 429s; Salesforce answers its own limit refusal, 403 REQUEST_LIMIT_EXCEEDED). Reports
 * records lost (must be 0, checked by reading every record back), write calls made vs the minimum
 * the connector's declared batch limit (`limits.write`) allows, refusals the simulator answered,
 * and seconds; medians over the runs.
 *
 * `--refresh` adds token refresh under load at 10,000 records for each CRM (the conformance suite
 * runs Pipedrive at 2,000): three workers sharing one Postgres store, tokens expiring every few
 * seconds; failed records, tokens issued vs expiries, tokens replaced while fresh.
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { CrmConnector, CrmName } from '../src/crm/types.js';
import { type RefreshLoadOptions, runRefreshUnderLoad } from '../src/crm/testing/refresh-load.js';
import { startSimulator } from '../src/simulators/index.js';
import { openTestStore } from '../src/store/testing/index.js';
import type { BenchResult, BenchRow } from './run.js';

const RECORDS: Record<CrmName, number> = { hubspot: 10_000, salesforce: 10_000, pipedrive: 1_000 };
/**
 * Calls per second. Salesforce publishes no per-second limit, only its rolling daily allocation and
 * a concurrent long-running limit (docs/reference/salesforce.md §9.1): its tight limit is the
 * connection's own (`crm.rateLimit.callsPerWindow`, what shares an org's allocation with other
 * integrations), the simulator keeping its defaults. The others' is the simulator's.
 */
const TIGHT: Record<CrmName, number> = { hubspot: 10, salesforce: 5, pipedrive: 40 };

function tightLimit(crm: CrmName): { simulator: Record<string, unknown>; connection: Record<string, unknown> } {
  const limit = { callsPerWindow: TIGHT[crm], windowMs: 1000 };
  return crm === 'salesforce' ? { simulator: {}, connection: { rateLimit: limit } } : { simulator: { rateLimit: limit }, connection: {} };
}

/** Refresh under load: token lifetimes and pacing as in the conformance suite, 10,000 records each. */
const REFRESH: Record<CrmName, RefreshLoadOptions> = {
  hubspot: { records: 10_000, ttlSeconds: 1, simOptions: { searchPerSecond: 200, rateLimit: { callsPerWindow: 25, windowMs: 1000 } } },
  salesforce: { records: 10_000, ttlSeconds: 1, rateLimit: { callsPerWindow: 4, windowMs: 1000 } },
  pipedrive: { records: 10_000, ttlSeconds: 3 },
};

interface Sample {
  lost: number;
  failed: number;
  calls: number;
  minCalls: number;
  perCall: number;
  rateLimited: number;
  seconds: number;
}

async function all<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

async function once(crm: CrmName): Promise<Sample> {
  const n = RECORDS[crm];
  const tight = tightLimit(crm);
  const sim = await startSimulator(crm, { records: n, seed: 3, searchPerSecond: 200, ...tight.simulator });
  let c: CrmConnector | undefined;
  try {
    c = await createConnector(crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token }, ...tight.connection }), {});
    const field = await c.createField('contact', { name: 'bench_load', label: 'Bench load', type: 'number' });
    const ids = (await all(c.readChanged('contact', null, []))).map((r) => r.id).slice(0, n);
    if (ids.length < n) throw new Error(`${crm} simulator seeded ${ids.length} contacts, wanted ${n}`);
    const callsBefore = c.stats().calls;
    const limitedBefore = sim.stats().rateLimited;
    sim.setFaults({ error429: 0.1 });
    const t0 = performance.now();
    const res = await c.writeBatch('contact', ids.map((id, i) => ({ id, fields: { [field.name]: i + 1 } })));
    const seconds = (performance.now() - t0) / 1000;
    sim.setFaults({});
    const calls = c.stats().calls - callsBefore;
    const rateLimited = sim.stats().rateLimited - limitedBefore;
    const back = await c.read('contact', ids, [field.name]);
    const byId = new Map(back.map((r) => [r.id, r.fields[field.name]]));
    const lost = ids.filter((id, i) => byId.get(id) !== i + 1).length;
    // The minimum is what the connector declares the CRM takes per update call (HubSpot 100, Salesforce 200, Pipedrive 1).
    return { lost, failed: res.filter((r) => !r.ok).length, calls, minCalls: Math.ceil(n / c.limits.write), perCall: c.limits.write, rateLimited, seconds };
  } finally {
    await c?.close();
    await sim.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function run(args: string[]): Promise<BenchResult> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
  const crmAt = args.indexOf('--crm');
  const crms = (crmAt >= 0 ? args[crmAt + 1].split(',') : ['hubspot', 'salesforce', 'pipedrive']) as CrmName[];
  // `--records N` writes N records on every CRM named (Pipedrive defaults to 1,000: one call per record)
  const recordsAt = args.indexOf('--records');
  if (recordsAt >= 0) for (const crm of crms) RECORDS[crm] = Number(args[recordsAt + 1]);
  const rows: BenchRow[] = [];
  // `--runs 0 --refresh` measures refresh under load alone.
  for (const crm of runs > 0 ? crms : []) {
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once(crm));
    const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
    const tag = `${crm} · ${RECORDS[crm]} records · ${TIGHT[crm]} calls/s · 10% refused`;
    const worstLost = Math.max(...samples.map((s) => s.lost + s.failed));
    rows.push({ metric: `records lost or failed (worst run) · ${tag}`, value: worstLost, unit: 'records', target: '0', pass: worstLost === 0 });
    rows.push({ metric: `write calls made · ${crm}`, value: m('calls'), unit: 'calls', note: `minimum ${m('minCalls')} at ${m('perCall')} per call (limits.write); retries of refusals included` });
    rows.push({ metric: `limit refusals seen · ${crm}`, value: m('rateLimited'), unit: crm === 'salesforce' ? '403s' : '429s' });
    rows.push({ metric: `write time · ${crm}`, value: m('seconds'), unit: 's' });
  }
  if (args.includes('--refresh')) {
    for (const crm of crms) {
      const db = await openTestStore('postgres');
      try {
        const r = await runRefreshUnderLoad(crm, REFRESH[crm], db);
        const tag = `${crm} · ${r.records} records · 3 workers · tokens live ${REFRESH[crm].ttlSeconds} s`;
        rows.push({ metric: `refresh under load: records failed or wrong · ${tag}`, value: r.failed + r.wrong, unit: 'records', target: '0', pass: r.failed + r.wrong === 0 });
        rows.push({ metric: `refresh under load: tokens issued · ${crm}`, value: r.issued, unit: 'tokens', target: `= expiries (${r.expiries})`, pass: r.issued === r.expiries && r.early === 0, note: `${r.early} replaced while fresh; by worker ${r.perWorker.join('/')}; write ${r.writeSeconds.toFixed(1)} s` });
      } finally {
        await db.destroy();
      }
    }
  }
  return { name: 'connectors', rows, meta: { runs } };
}
