/**
 * A usage file of any size in constant memory: `importUsage` streams a CSV a piece at a time, so
 * the importing process's peak memory follows the number of people with events, not the file's
 * size. Peak RSS includes the embedded Postgres (a WebAssembly buffer of its own); the JS heap is
 * the import's own memory, and the target is on it. Each size runs in a fresh process with a fresh embedded store against the Pipedrive
 * simulator (500 people, events over 60 days); the file doubles, the people stay.
 *   npm run bench -- usage-import [rows=250000] [runs=1]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { ContactCandidate } from '../src/crm/types.js';
import { startSimulator } from '../src/simulators/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const FEATURES = ['login', 'export', 'report', 'invite', 'search', 'share', 'api', 'billing', 'import', 'alert', 'sync', 'admin'];

async function writeCsv(path: string, rows: number, emails: string[]): Promise<void> {
  const out = createWriteStream(path);
  const end = Date.parse('2026-11-28T12:00:00Z');
  out.write('event_id,user_email,feature,occurred_at\n');
  for (let i = 0; i < rows; i++) {
    const at = new Date(end - ((i * 7919) % (60 * 86_400)) * 1000).toISOString();
    const line = `ev-${i},${emails[(i * 31) % emails.length]},"${FEATURES[i % FEATURES.length]}",${at}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function run(args: string[]): Promise<BenchResult> {
  const rows = Number(args.find((a) => a.startsWith('rows='))?.split('=')[1] ?? 250_000);
  const runs = Number(args.find((a) => a.startsWith('runs='))?.split('=')[1] ?? 1);
  const sim = await startSimulator('pipedrive', { records: 500, seed: 11, rateLimit: { callsPerWindow: 100_000, windowMs: 2_000 } });
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-usage-bench-'));
  try {
    const conn = crmConnectionSchema.parse({ kind: 'pipedrive', baseUrl: sim.apiBase, auth: { token: sim.token } });
    const connector = await createConnector(conn);
    const people: ContactCandidate[] = [];
    for await (const page of connector.listContacts()) people.push(...page);
    const emails = [...new Set(people.flatMap((c) => (c.email ? [c.email.toLowerCase()] : [])))];
    const field = (await connector.createField('contact', { name: 'usage_events_30d', label: 'Usage events 30d', type: 'number' })).name;
    await connector.close();

    const measured: Record<number, { rss: number[]; heap: number[]; rate: number[]; events: number; written: number; problems: number }> = {};
    for (const n of [rows, rows * 2]) {
      const file = join(dir, `usage-${n}.csv`);
      await writeCsv(file, n, emails);
      const m = { rss: [] as number[], heap: [] as number[], rate: [] as number[], events: 0, written: 0, problems: 0 };
      for (let r = 0; r < runs; r++) {
        const dataDir = mkdtempSync(join(dir, 'store-'));
        // asynchronously: the simulator answers from this process's event loop
        const { stdout: out } = await promisify(execFile)(process.execPath, ['--import', 'tsx', resolve('bench/usage-import-child.ts'), sim.apiBase, sim.token, file, dataDir, field], {
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        });
        const res = JSON.parse(out.trim().split('\n').at(-1) as string) as { rows: number; events: number; written: number; problems: number; ms: number; maxRssMb: number; heapPeakMb: number };
        m.rss.push(res.maxRssMb);
        m.heap.push(res.heapPeakMb);
        m.rate.push(res.rows / (res.ms / 1000));
        m.events = res.events;
        m.written = res.written;
        m.problems = res.problems;
        rmSync(dataDir, { recursive: true, force: true });
      }
      measured[n] = m;
    }
    const small = measured[rows] as (typeof measured)[number];
    const big = measured[rows * 2] as (typeof measured)[number];
    const ratio = median(big.heap) / median(small.heap);
    const out: BenchRow[] = [];
    for (const [n, m] of [[rows, small], [rows * 2, big]] as const) {
      out.push({ metric: `peak RSS · ${n.toLocaleString('en')} rows`, value: median(m.rss), unit: 'MB', note: `${m.events} events stored, ${m.written} fields written, ${m.problems} problems` });
      out.push({ metric: `peak JS heap · ${n.toLocaleString('en')} rows`, value: median(m.heap), unit: 'MB' });
      out.push({ metric: `rows/s · ${n.toLocaleString('en')} rows`, value: median(m.rate), unit: 'rows/s' });
    }
    out.push({ metric: 'peak JS heap, file doubled', value: ratio, unit: '×', target: '<= 1.15', pass: ratio <= 1.15 });
    return { name: 'usage-import', rows: out, meta: { rows, runs, people: emails.length } };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
