/**
 * A backfill killed half-way and taken up again: `inrecord apply` scores every contact of a
 * simulator into a field `check --fix` has just created (so every contact's score goes from empty
 * to its value once), is killed with SIGKILL at a random point of its writes, and
 * `inrecord apply --resume <run>` finishes it. Each step is a real process; the store is the
 * embedded default, killed with the process.
 *
 * Every record written once is read from the CRM's own history: the simulator counts a change of a
 * field's value, so a contact written twice (with the same score) would not show there, but one
 * skipped would leave the count short and one written with two different scores would leave it
 * long. On Salesforce a SOQL count of contacts with no score checks the same from the records.
 *   npm run bench -- backfill-resume [crm=salesforce] [records=200000] [bulk=0] [seed=1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CrmName } from '../src/crm/types.js';
import { mulberry32 } from '../src/random/index.js';
import { backfillConfig, finished, inrecord, simulator } from './backfill-setup.js';
import type { BenchResult, BenchRow } from './run.js';

interface Stats {
  integrationWrites: number;
  totalCalls: number;
}

export async function run(args: string[]): Promise<BenchResult> {
  const arg = (k: string, d: string) => args.find((a) => a.startsWith(`${k}=`))?.split('=')[1] ?? d;
  const crm = arg('crm', 'salesforce') as CrmName;
  const records = Number(arg('records', '200000'));
  const bulk = arg('bulk', '0') === '1';
  const seed = Number(arg('seed', '1'));
  // killed somewhere between a fifth and four fifths of the way through its writes
  const killAt = Math.floor(records * (0.2 + 0.6 * mulberry32(seed)()));
  const sim = await simulator(crm, records);
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-resume-'));
  const stats = async () => (await (await fetch(`${sim.url}/_sim/stats`)).json()) as Stats;
  try {
    const config = backfillConfig(crm, sim, dir, bulk);
    const check = await finished(inrecord(['--config', config, 'check', '--fix'], false));
    if (check.code !== 0) throw new Error(`check --fix: ${check.err}`);
    await fetch(`${sim.url}/_sim/stats/reset`, { method: 'POST' });

    const first = inrecord(['--config', config, 'apply'], false);
    const firstDone = finished(first);
    while (first.exitCode === null && (await stats()).integrationWrites < killAt)
      await new Promise((r) => setTimeout(r, 100));
    if (first.exitCode !== null)
      throw new Error(
        `apply ended (${first.exitCode}) before ${killAt} writes: ${(await firstDone).err.slice(-1500)}`,
      );
    first.kill('SIGKILL');
    await firstDone;
    const atKill = (await stats()).integrationWrites;

    const listed = await finished(inrecord(['--config', config, '--json', 'runs', '--kind', 'apply'], false));
    const runs = JSON.parse(listed.out) as { id: string; status: string }[];
    const killed = runs.find((r) => r.status === 'running');
    if (!killed) throw new Error(`no running apply run after the kill: ${listed.out.slice(0, 500)}`);

    const t0 = performance.now();
    const second = await finished(inrecord(['--config', config, '--json', 'apply', '--resume', killed.id]));
    const seconds = (performance.now() - t0) / 1000;
    if (second.code !== 0)
      throw new Error(`apply --resume exited ${second.code}: ${second.err.slice(-2000)}`);
    const report = JSON.parse(second.out) as {
      flows: {
        records: number;
        resumedAfter?: number;
        apply: { runId: string; status: string; recordsWritten: number; fields: Record<string, number> };
      }[];
    };
    const flow = report.flows[0];
    if (!flow || flow.apply.status !== 'succeeded' || flow.apply.runId !== killed.id)
      throw new Error(`resume: ${second.out.slice(0, 800)}`);
    const after = await stats();

    let unscored: number | null = null;
    if (crm === 'salesforce') {
      const q = encodeURIComponent('SELECT COUNT() FROM Contact WHERE Inrecord_Score__c = null');
      const res = (await (
        await fetch(`${sim.apiBase}/services/data/v62.0/query?q=${q}`, {
          headers: { authorization: `Bearer ${sim.token}` },
        })
      ).json()) as { totalSize: number };
      unscored = res.totalSize;
    }
    const rss = /peak-rss-kb (\d+)/.exec(second.err);
    const rows: BenchRow[] = [
      {
        metric: 'killed after',
        value: atKill,
        unit: 'writes',
        note: `kill -9 aimed at ${killAt} of ${records}`,
      },
      {
        metric: 'records the resumed run left alone (already decided)',
        value: flow.resumedAfter ?? 0,
        unit: 'records',
      },
      {
        metric: 'records the resumed run worked',
        value: flow.records,
        unit: 'records',
        note: `${flow.apply.recordsWritten} written, ${flow.apply.fields.unchanged ?? 0} already right (written before the kill, not yet in the ledger)`,
      },
      {
        metric: 'score changes the CRM counted over both runs',
        value: after.integrationWrites,
        unit: 'changes',
        target: `${records}`,
        pass: after.integrationWrites === records,
      },
      ...(unscored === null
        ? []
        : [
            {
              metric: 'contacts left without a score (SOQL count)',
              value: unscored,
              unit: 'records',
              target: '0',
              pass: unscored === 0,
            },
          ]),
      {
        metric: 'resumed run',
        value: Number(seconds.toFixed(1)),
        unit: 's',
        note: `peak RSS ${rss ? Math.round(Number(rss[1]) / 1024) : '?'} MB`,
      },
    ];
    return { name: 'backfill-resume', rows, meta: { crm, records, bulk, seed } };
  } finally {
    sim.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
