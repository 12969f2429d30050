/**
 * A backfill at CRM scale: `inrecord apply` scores every contact of a
 * simulator and writes the score, as real processes: the simulator in one, `apply` in another, its
 * peak RSS read by /usr/bin/time. Each size runs twice over, the second with twice the records, so
 * memory is seen flat (or not) as the CRM doubles. The store is the embedded default.
 *
 * The simulator keeps the CRM's real limits (HubSpot: 190 calls per 10 s and 5 searches a second,
 * a Professional portal; Pipedrive: 100 calls per 2 s; Salesforce: no short-term limit, a daily
 * allocation, so its wall time has no rate floor and its figure is the call count, REST and Bulk
 * API 2.0 side by side). Reported per run:
 *   - API calls against the minimum the page and batch limits allow (reads + writes + the
 *     verification reads), and the simulator's own count;
 *   - wall time against the rate-limit floor: the calls the run made at the CRM's limit;
 *   - peak RSS of the apply process; every record written (the CRM's count of integration writes).
 * Every API answer is held 150 ms (`latency=`), a round trip to a CRM's data centre: with answers
 * that come back at once, a writer that waits for each would look as fast as the limit allows.
 *   npm run bench -- backfill [crm=hubspot] [records=50000] [bulk=0|1] [latency=150]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrmName } from '../src/crm/types.js';
import { REAL, SIZES, backfillConfig, finished, inrecord, simulator } from './backfill-setup.js';
import type { BenchResult, BenchRow } from './run.js';

interface Backfill {
  crm: CrmName;
  records: number;
  /** Records the flow scored (a decided record is not scored). */
  expected: number;
  written: number;
  /** Records whose score was already the one computed (nothing to write). */
  unchanged: number;
  bulk: boolean;
  integrationWrites: number;
  calls: number;
  simCalls: number;
  minimum: number;
  refused: number;
  seconds: number;
  floor: number | null;
  rssMb: number;
  cpuSeconds: number;
  applySeconds: number;
}

async function once(crm: CrmName, records: number, bulk: boolean, latencyMs: number): Promise<Backfill> {
  const sim = await simulator(crm, records);
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-backfill-'));
  try {
    const config = backfillConfig(crm, sim, dir, bulk);
    const limits = REAL[crm];
    const check = await finished(inrecord(['--config', config, 'check', '--fix']));
    if (check.code !== 0) throw new Error(`check --fix: ${check.err}`);
    await fetch(`${sim.url}/_sim/stats/reset`, { method: 'POST' });
    // every answer as far away as a CRM's data centre is
    await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
    const t0 = performance.now();
    const run = await finished(inrecord(['--config', config, '--json', 'apply']));
    const seconds = (performance.now() - t0) / 1000;
    if (run.code !== 0) throw new Error(`apply exited ${run.code}: ${run.err.slice(-2000)}`);
    const report = JSON.parse(run.out) as {
      flows: {
        records: number;
        outputs: number;
        apply: {
          recordsWritten: number;
          apiCalls: number;
          status: string;
          durationMs: number;
          fields: Record<string, number>;
        };
      }[];
    };
    const apply = report.flows[0]?.apply;
    if (!apply || apply.status !== 'succeeded')
      throw new Error(`apply: ${JSON.stringify(report).slice(0, 500)}`);
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as {
      totalCalls: number;
      integrationWrites: number;
      rateLimited: number;
      calls: Record<string, number>;
    };
    const s = SIZES[crm];
    const n = report.flows[0]?.records ?? records;
    const expected = report.flows[0]?.outputs ?? n;
    const minimum =
      Math.ceil(n / s.page) +
      Math.ceil(apply.recordsWritten / s.write) +
      Math.ceil(apply.recordsWritten / s.verify);
    const searches = Object.entries(stats.calls)
      .filter(([k]) => k.includes('/search'))
      .reduce((a, [, v]) => a + v, 0);
    const floor = limits
      ? Math.max(
          (stats.totalCalls / limits.callsPerWindow) * (limits.windowMs / 1000),
          limits.searchPerSecond ? searches / limits.searchPerSecond : 0,
        )
      : null;
    const rss = /peak-rss-kb (\d+) cpu-s ([\d.]+) ([\d.]+)/.exec(run.err);
    return {
      crm,
      records: n,
      expected,
      written: apply.recordsWritten,
      unchanged: apply.fields.unchanged ?? 0,
      bulk: crm === 'salesforce' && bulk,
      integrationWrites: stats.integrationWrites,
      calls: apply.apiCalls,
      simCalls: stats.totalCalls,
      minimum,
      refused: stats.rateLimited,
      seconds,
      floor,
      rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
      cpuSeconds: rss ? Number(rss[2]) + Number(rss[3]) : Number.NaN,
      applySeconds: apply.durationMs / 1000,
    };
  } finally {
    sim.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`${k}=`))?.split('=')[1] ?? d;
  const crm = arg('crm', 'hubspot') as CrmName;
  const records = Number(arg('records', '50000'));
  const bulk = arg('bulk', '1') === '1';
  const latency = Number(arg('latency', '150'));
  const rows: BenchRow[] = [];
  const runs: Backfill[] = [];
  for (const n of [records, records * 2]) {
    // Salesforce: the same backfill through REST and through Bulk API 2.0, side by side
    if (crm === 'salesforce' && bulk) runs.push(await once(crm, n, false, latency));
    runs.push(await once(crm, n, bulk, latency));
  }
  for (const r of runs) {
    const at = `${r.records.toLocaleString('en')} records${crm === 'salesforce' ? (r.bulk ? ', Bulk API 2.0' : ', REST') : ''}`;
    rows.push(
      r.bulk
        ? {
            metric: `${at}: API calls`,
            value: r.calls,
            unit: 'calls',
            note: `the simulator counted ${r.simCalls}; through REST the minimum is ${r.minimum}`,
          }
        : {
            metric: `${at}: API calls against the minimum`,
            value: Number((r.calls / r.minimum).toFixed(3)),
            unit: '×',
            target: '<= 1.05',
            pass: r.calls / r.minimum <= 1.05,
            note: `${r.calls} calls (the simulator counted ${r.simCalls}), minimum ${r.minimum}`,
          },
      r.floor === null
        ? {
            metric: `${at}: wall time`,
            value: Number(r.seconds.toFixed(1)),
            unit: 's',
            note: 'no short-term limit: no rate floor',
          }
        : {
            metric: `${at}: wall time against the rate-limit floor`,
            value: Number((r.seconds / r.floor).toFixed(3)),
            unit: '×',
            target: '<= 1.1',
            pass: r.seconds / r.floor <= 1.1,
            note: `${r.seconds.toFixed(1)} s (the write run ${r.applySeconds.toFixed(1)} s, CPU ${r.cpuSeconds.toFixed(1)} s), floor ${r.floor.toFixed(1)} s`,
          },
      {
        metric: `${at}: peak RSS of apply`,
        value: Math.round(r.rssMb),
        unit: 'MB',
        target: '< 1024',
        pass: r.rssMb < 1024,
      },
      {
        metric: `${at}: records written or already right`,
        value: r.written + r.unchanged,
        unit: 'records',
        target: `${r.expected}`,
        pass: r.written + r.unchanged === r.expected && r.integrationWrites === r.written,
        note: `${r.written} written, the CRM counted ${r.integrationWrites} integration writes; ${r.unchanged} already right; ${r.refused} limit refusals`,
      },
    );
  }
  const [small, large] = [runs[0] as Backfill, runs.at(-1) as Backfill];
  const growth = large.rssMb / small.rssMb;
  rows.push({
    metric: 'peak RSS as the CRM doubles',
    value: Number(growth.toFixed(2)),
    unit: '×',
    target: '<= 1.15',
    pass: growth <= 1.15,
  });
  return { name: 'backfill', rows, meta: { crm, records, bulk, latencyMs: latency } };
}
