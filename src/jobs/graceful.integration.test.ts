/**
 * Graceful stop on the Postgres server: SIGTERM lets the jobs in hand finish and complete, hands the
 * fetched-but-unstarted ones back to the queue untouched, and the process exits 0; another worker
 * then finishes the rest, each effect once, no job counted as a retry.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { TEST_DATABASE_URL, dropSchemas, uniqueSchema } from '../store/testing/index.js';
import { createJobEngine } from './index.js';

function startWorker(schema: string, env: Record<string, string>): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; out: string }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/jobs/testing/worker.ts'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, SCHEMA: schema, VITEST: '', INRECORD_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exit = new Promise<{ code: number | null; out: string }>((r) => child.on('exit', (code) => r({ code, out: out + err })));
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => {
      out += d;
      if (String(d).includes('ready')) resolve({ child, exit });
    });
    child.on('exit', (code) => !out.includes('ready') && reject(new Error(`worker exited ${code}: ${err}`)));
  });
}

describe('graceful worker stop on the Postgres server', () => {
  const schema = uniqueSchema('gs');
  afterAll(() => dropSchemas(schema));

  it('finishes the jobs in hand, returns the unstarted ones, exits 0; nothing expires or retries', async () => {
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 2 });
    await store.exec('CREATE TABLE eo_effects (n integer NOT NULL, pid integer NOT NULL)');
    const producer = await createJobEngine(store);
    await producer.declare('eo', { retryLimit: 5, retryDelaySeconds: 1, expireInSeconds: 3 });
    const slow = await startWorker(schema, { JOB_MS: '300', BATCH: '20', CONCURRENCY: '2' });
    await producer.sendBatch('eo', Array.from({ length: 40 }, (_, n) => ({ data: { n } })));
    for (;;) {
      const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM eo_effects');
      if (n >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    slow.child.kill('SIGTERM');
    const { code, out } = await slow.exit;
    expect(code).toBe(0);
    expect(out).toContain('stopped');

    const states = await store.query<{ state: string; n: number }>(
      `SELECT state::text, count(*) AS n FROM "${store.bossSchema}".job WHERE name = 'eo' GROUP BY state ORDER BY state`,
    );
    expect(states.find((s) => s.state === 'active')).toBeUndefined();
    const completed = states.find((s) => s.state === 'completed')?.n ?? 0;
    const [{ n: effectsSoFar }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM eo_effects');
    expect(completed).toBe(effectsSoFar);
    expect(completed).toBeLessThan(40);

    const next = await startWorker(schema, {});
    const deadline = Date.now() + 30_000;
    while ((await producer.pending('eo')) > 0) {
      if (Date.now() > deadline) throw new Error('jobs did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
    next.child.kill('SIGTERM');
    expect((await next.exit).code).toBe(0);
    const [effects] = await store.query<{ total: number; distinct: number }>('SELECT count(*) AS total, count(DISTINCT n) AS distinct FROM eo_effects');
    expect(effects).toEqual({ total: 40, distinct: 40 });
    const [retried] = await store.query<{ n: number }>(`SELECT count(*) AS n FROM "${store.bossSchema}".job WHERE name = 'eo' AND retry_count > 0`);
    expect(retried.n).toBe(0);
    await producer.stop();
    await store.close();
  }, 60_000);
});
