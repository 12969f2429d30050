/**
 * One rate budget per CRM across processes, at the limit: N `inrecord worker` processes on one
 * Postgres server store against one Pipedrive simulator with a tight burst limit, a queue of record
 * jobs (one read call each) large enough to keep them saturated. The workers are up before the
 * clock starts; the simulator counts the calls reaching it in each rolling window.
 *
 * `npm run bench -- budget [--workers 3] [--limit 20] [--window 1000] [--jobs 600]`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RECORD_QUEUE } from '../src/daemon/index.js';
import { createJobEngine } from '../src/jobs/index.js';
import { startSimulator } from '../src/simulators/index.js';
import { openStore } from '../src/store/index.js';
import { TEST_DATABASE_URL, dropSchemas, testSecretKey, uniqueSchema } from '../src/store/testing/index.js';
import type { BenchResult } from './run.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function run(args: string[] = []): Promise<BenchResult> {
  const workers = arg(args, 'workers', 3);
  const limit = arg(args, 'limit', 20);
  const windowMs = arg(args, 'window', 1000);
  const jobs = arg(args, 'jobs', 600);
  const dir = mkdtempSync(join(tmpdir(), 'inrecord-budget-bench-'));
  const schema = uniqueSchema('budget');
  const key = testSecretKey();
  const sim = await startSimulator('pipedrive', {
    records: jobs,
    seed: 11,
    rateLimit: { callsPerWindow: limit, windowMs },
  });
  const config = join(dir, 'inrecord.yaml');
  writeFileSync(
    config,
    [
      'crm:',
      '  kind: pipedrive',
      `  baseUrl: ${sim.url}`,
      '  auth:',
      `    token: ${sim.token}`,
      `  rateLimit: { callsPerWindow: ${limit}, windowMs: ${windowMs} }`,
      'store:',
      `  databaseUrl: ${TEST_DATABASE_URL}`,
      `  schema: ${schema}`,
      'jobs: { batchSize: 1, concurrency: 8 }',
      'flows: []',
      '',
    ].join('\n'),
  );
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, secretKey: key });
  const children: ChildProcess[] = [];
  try {
    const engine = await createJobEngine(store);
    await engine.declare(RECORD_QUEUE);
    const env = { ...process.env, DATABASE_URL: '', INRECORD_SECRET_KEY: key, INRECORD_LOG_LEVEL: 'warn' };
    await Promise.all(
      Array.from(
        { length: workers },
        () =>
          new Promise<void>((ready, fail) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', resolve('src/cli/main.ts'), '--config', config, '--json', 'worker'],
              { env, stdio: ['ignore', 'pipe', 'inherit'] },
            );
            children.push(child);
            child.stdout?.on('data', (d) => String(d).includes('"queues"') && ready());
            child.once('exit', (code) => fail(new Error(`a worker exited (${code}) before it started`)));
          }),
      ),
    );
    sim.resetStats();
    const t0 = performance.now();
    await engine.sendBatch(
      RECORD_QUEUE,
      Array.from({ length: jobs }, (_, i) => ({
        data: {
          crm: 'pipedrive',
          object: 'contact',
          id: String(i + 1),
          source: 'manual',
          kind: 'updated',
          fields: [],
        },
      })),
    );
    while ((await engine.pending(RECORD_QUEUE)) > 0) await new Promise((r) => setTimeout(r, 100));
    const secs = (performance.now() - t0) / 1000;
    await engine.stop();
    const stats = sim.stats();
    const bound = (limit / windowMs) * 1000;
    const rate = stats.totalCalls / secs;
    return {
      name: 'budget',
      rows: [
        {
          metric: `most calls in one ${windowMs} ms window · ${workers} workers`,
          value: stats.peakCallsPerWindow,
          unit: 'calls',
          target: `<= ${limit}`,
          pass: stats.peakCallsPerWindow <= limit,
        },
        {
          metric: '429s from the CRM',
          value: stats.rateLimited,
          unit: 'answers',
          target: '0',
          pass: stats.rateLimited === 0,
        },
        {
          metric: 'calls per second',
          value: rate,
          unit: 'calls/s',
          note: `limit's bound ${bound.toFixed(1)}/s; ${stats.totalCalls} calls in ${secs.toFixed(1)} s`,
        },
        {
          metric: "share of the limit's bound",
          value: rate / bound,
          unit: '',
          target: '>= 0.9',
          pass: rate / bound >= 0.9,
        },
      ],
      meta: { workers, limit, windowMs, jobs, calls: stats.calls },
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
    );
    await store.close();
    await sim.close();
    await dropSchemas(schema).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
