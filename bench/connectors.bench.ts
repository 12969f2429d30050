/**
 * `npm run bench -- connectors [--runs N] [--crm hubspot,salesforce,pipedrive]`: per CRM, a
 * 10,000-record write (Pipedrive 1,000: it has no batch update) through `writeBatch` against its
 * simulator with a tight rate limit and 10% injected 429s on writes. Reports records lost (must be
 * 0, checked by reading every record back), write calls made vs the minimum the batch limit allows,
 * 429s the simulator answered, and seconds; medians over the runs.
 */
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { CrmConnector, CrmName } from '../src/crm/types.js';
import { startSimulator } from '../src/simulators/index.js';
import type { BenchResult, BenchRow } from './run.js';

const RECORDS: Record<CrmName, number> = { hubspot: 10_000, salesforce: 10_000, pipedrive: 1_000 };
/**
 * Calls per second. Salesforce has no per-second limit, only a rolling request allocation
 * (reference/salesforce.md §9.1) on which the connector's quota guard pauses at 90% for an hour,
 * so its limit is set to what the allocation of a real org allows in a second and the pressure
 * comes from the injected 429s.
 */
const TIGHT: Record<CrmName, number> = { hubspot: 10, salesforce: 1000, pipedrive: 40 };

/**
 * Records per update call the CRM's API allows: HubSpot batch update 100, Salesforce sObject
 * Collections 200, Pipedrive none (one PATCH per record) — reference/{hubspot,salesforce,pipedrive}.md.
 * Not `limits.write`, which for Pipedrive is the connector's chunk size, not a batch endpoint.
 */
const API_BATCH: Record<CrmName, number> = { hubspot: 100, salesforce: 200, pipedrive: 1 };

interface Sample {
  lost: number;
  failed: number;
  calls: number;
  minCalls: number;
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
  const sim = await startSimulator(crm, { records: n, seed: 3, searchPerSecond: 200, rateLimit: { callsPerWindow: TIGHT[crm], windowMs: 1000 } });
  let c: CrmConnector | undefined;
  try {
    c = await createConnector(crmConnectionSchema.parse({ kind: crm, baseUrl: sim.apiBase, auth: { token: sim.token } }), {});
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
    return { lost, failed: res.filter((r) => !r.ok).length, calls, minCalls: Math.ceil(n / API_BATCH[crm]), rateLimited, seconds };
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
  const rows: BenchRow[] = [];
  for (const crm of crms) {
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once(crm));
    const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
    const tag = `${crm} · ${RECORDS[crm]} records · ${TIGHT[crm]} calls/s · 10% 429s`;
    const worstLost = Math.max(...samples.map((s) => s.lost + s.failed));
    rows.push({ metric: `records lost or failed (worst run) · ${tag}`, value: worstLost, unit: 'records', target: '0', pass: worstLost === 0 });
    rows.push({ metric: `write calls made · ${crm}`, value: m('calls'), unit: 'calls', note: `minimum ${m('minCalls')} at ${API_BATCH[crm]} per call; retries of 429s included` });
    rows.push({ metric: `429s seen · ${crm}`, value: m('rateLimited'), unit: '429s' });
    rows.push({ metric: `write time · ${crm}`, value: m('seconds'), unit: 's' });
  }
  return { name: 'connectors', rows, meta: { runs } };
}
