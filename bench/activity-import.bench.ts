/**
 * A mailbox of any size in constant memory: `inrecord import emails` streams an mbox a piece at a
 * time, so the importing process's JS heap does not grow with the file. Each size runs in a fresh
 * process with a fresh embedded store against the Pipedrive simulator (500 people); the mbox
 * doubles, the people stay. Peak RSS includes the embedded Postgres (a WebAssembly buffer of its
 * own); the target is on the JS heap.
 *   npm run bench -- activity-import [messages=3000] [runs=1]
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { crmConnectionSchema } from '../src/config/index.js';
import { createConnector } from '../src/crm/registry.js';
import type { ContactCandidate } from '../src/crm/types.js';
import { startSimulator } from '../src/simulators/index.js';
import type { BenchResult, BenchRow } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const PARAGRAPH =
  'Thanks for the call today. Following up on the points we discussed: pricing for the second team, the rollout plan and the security review. ';

async function writeMbox(path: string, n: number, people: ContactCandidate[]): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const c = people[(i * 7) % people.length] as ContactCandidate;
    // one in ten from someone outside the CRM; bodies of about 2 KB, one ">From " line escaped
    const from = i % 10 === 9 ? `stranger${i}@nowhere-${i}.example` : (c.email as string);
    const msg = [
      `From ${from} Tue Nov 24 10:00:00 2026`,
      `Message-ID: <bench-${i}@bench.example>`,
      `Date: ${new Date(Date.UTC(2026, 10, 1) + i * 60_000).toUTCString()}`,
      `From: "${c.first_name ?? ''} ${c.last_name ?? ''}" <${from}>`,
      'To: <sam@team.example>',
      `Subject: Question ${i}`,
      '',
      `Message ${i}.`,
      ...Array.from({ length: 14 }, () => PARAGRAPH),
      '>From the last meeting: nothing else.',
      '',
      '',
    ].join('\n');
    if (!out.write(msg)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function run(args: string[]): Promise<BenchResult> {
  const messages = Number(args.find((a) => a.startsWith('messages='))?.split('=')[1] ?? 3000);
  const runs = Number(args.find((a) => a.startsWith('runs='))?.split('=')[1] ?? 1);
  const sim = await startSimulator('pipedrive', {
    records: 500,
    seed: 11,
    rateLimit: { callsPerWindow: 1_000_000, windowMs: 1000 },
  });
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-activity-bench-'));
  try {
    const conn = crmConnectionSchema.parse({
      kind: 'pipedrive',
      baseUrl: sim.apiBase,
      auth: { token: sim.token },
    });
    const connector = await createConnector(conn);
    const people: ContactCandidate[] = [];
    for await (const page of connector.listContacts()) people.push(...page.filter((c) => c.email));
    await connector.close();

    type Measured = {
      rss: number[];
      heap: number[];
      rate: number[];
      imported: number;
      total: number;
      mb: number;
    };
    const measured: Record<number, Measured> = {};
    for (const n of [messages, messages * 2]) {
      const file = join(dir, `inbox-${n}.mbox`);
      await writeMbox(file, n, people);
      const m: Measured = {
        rss: [],
        heap: [],
        rate: [],
        imported: 0,
        total: 0,
        mb: statSync(file).size / 2 ** 20,
      };
      for (let r = 0; r < runs; r++) {
        const dataDir = mkdtempSync(join(dir, 'store-'));
        // asynchronously: the simulator answers from this process's event loop
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            resolve('bench/activity-import-child.ts'),
            sim.apiBase,
            sim.token,
            file,
            dataDir,
          ],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          },
        );
        const res = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
          total: number;
          imported: number;
          ms: number;
          maxRssMb: number;
          heapPeakMb: number;
        };
        m.rss.push(res.maxRssMb);
        m.heap.push(res.heapPeakMb);
        m.rate.push(res.total / (res.ms / 1000));
        m.imported = res.imported;
        m.total = res.total;
        rmSync(dataDir, { recursive: true, force: true });
      }
      measured[n] = m;
    }
    const small = measured[messages] as Measured;
    const big = measured[messages * 2] as Measured;
    const ratio = median(big.heap) / median(small.heap);
    const rows: BenchRow[] = [];
    for (const [n, m] of [
      [messages, small],
      [messages * 2, big],
    ] as const) {
      const label = `${n.toLocaleString('en')} messages (${m.mb.toFixed(1)} MB)`;
      rows.push({
        metric: `peak RSS · ${label}`,
        value: median(m.rss),
        unit: 'MB',
        note: `${m.total} items, ${m.imported} imported`,
      });
      rows.push({ metric: `peak JS heap · ${label}`, value: median(m.heap), unit: 'MB' });
      rows.push({ metric: `messages/s · ${label}`, value: median(m.rate), unit: 'msg/s' });
    }
    rows.push({
      metric: 'peak JS heap, mbox doubled',
      value: ratio,
      unit: '×',
      target: '<= 1.15',
      pass: ratio <= 1.15,
    });
    return { name: 'activity-import', rows, meta: { messages, runs, people: people.length } };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
