/**
 * Job engine throughput: trivial jobs per second on the embedded store (one in-process worker) and
 * on the Postgres server with 1 and 3 worker processes; and how long reopening an existing embedded
 * store takes. Medians over 3 runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobEngine } from '../src/jobs/index.js';
import { openStore } from '../src/store/index.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../src/store/testing/index.js';
import type { BenchResult } from './run.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const RUNS = 3;

async function embedded(n: number): Promise<number> {
  const store = await openStore({ dataDir: 'memory://', schema: 'bench' });
  const engine = await createJobEngine(store, { pollIntervalMs: 10 });
  await engine.register('bench', async () => {}, { batchSize: 200, concurrency: 16 });
  await engine.sendBatch('bench', Array.from({ length: n }, (_, i) => ({ data: { i } })));
  const t0 = performance.now();
  engine.work();
  await engine.drain('bench', 300_000);
  const secs = (performance.now() - t0) / 1000;
  await engine.stop();
  await store.close();
  return n / secs;
}

function worker(schema: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/jobs-worker.ts'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('error', reject);
  });
}

async function server(n: number, workers: number): Promise<number> {
  const schema = uniqueSchema('bench');
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 4 });
  const producer = await createJobEngine(store);
  await producer.declare('bench', { batchSize: 200, concurrency: 16 });
  // workers are up before the clock starts: process start-up is not queue throughput
  const children = await Promise.all(Array.from({ length: workers }, () => worker(schema)));
  const t0 = performance.now();
  await producer.sendBatch('bench', Array.from({ length: n }, (_, i) => ({ data: { i } })));
  while ((await producer.pending('bench')) > 0) await new Promise((r) => setTimeout(r, 20));
  const secs = (performance.now() - t0) / 1000;
  for (const c of children) c.kill('SIGTERM');
  await producer.stop();
  await store.close();
  await dropSchemas(schema);
  return n / secs;
}

async function reopen(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-reopen-'));
  const first = await openStore({ dataDir: dir });
  const e = await createJobEngine(first);
  await e.stop();
  await first.close();
  const t0 = performance.now();
  const again = await openStore({ dataDir: dir });
  const engine = await createJobEngine(again);
  const ms = performance.now() - t0;
  await engine.stop();
  await again.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

export async function run(): Promise<BenchResult> {
  const pg1: number[] = [];
  const pg3: number[] = [];
  const lite: number[] = [];
  const reopenMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    lite.push(await embedded(3000));
    pg1.push(await server(10_000, 1));
    pg3.push(await server(20_000, 3));
    reopenMs.push(await reopen());
  }
  return {
    name: 'jobs',
    rows: [
      { metric: 'trivial jobs/s · PGlite · 1 worker', value: Math.round(median(lite)), unit: 'jobs/s', target: '>= 300', pass: median(lite) >= 300 },
      { metric: 'trivial jobs/s · server · 1 worker process', value: Math.round(median(pg1)), unit: 'jobs/s' },
      { metric: 'trivial jobs/s · server · 3 worker processes', value: Math.round(median(pg3)), unit: 'jobs/s', target: '>= 2000', pass: median(pg3) >= 2000 },
      { metric: 'reopen existing embedded store (store + job engine)', value: Math.round(median(reopenMs)), unit: 'ms', target: '< 1500', pass: median(reopenMs) < 1500 },
    ],
    meta: { runs: RUNS, lite, pg1, pg3, reopenMs },
  };
}
